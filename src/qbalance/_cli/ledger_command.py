"""``qbalance history ledger show|set|export|import`` and ``qbalance history review add|list|check``: the
rectification ledger (整改台账) and the staged reviews of a county kept in the history database.

* ``history ledger show [--county CODE] [--as-of DATE] [--format text|json] [-o FILE]`` brings the ledger up to date
  with the stored years and prints it.
* ``history ledger set [--county CODE] --seq N [--action T] [--responsible T] [--deadline DATE] [--note T]`` writes
  the county office's fields of one entry.
* ``history ledger export -o FILE.xlsx`` writes the 问题清单 / 整改台账 workbook; ``history ledger import FILE.xlsx``
  reads its edited columns back, all or nothing.
* ``history review add --county CODE --stage S --date DATE --outcome O [--record N | --year Y]`` records a review;
  ``review list`` lists them; ``review check --county CODE --stage S`` checks the pack's conditions for applying.

Exit status: 0 done (whatever the ledger's statuses or the eligibility result — they are printed); 2 the database,
a value or the workbook cannot be used (every bad cell named). Never 1, which means "an evaluated county fails".
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._base.messages import current_language, language, msg, text
from .._base.text import terminal_safe
from .._workflow.history.database import HistoryError, resolve_db_path

if TYPE_CHECKING:
    from .._workflow.history import History

__all__ = ["add_ledger_commands", "county_or_only"]

EXIT_OK, EXIT_INVALID = 0, 2
_Sub = argparse._SubParsersAction


def open_history(path: Path, *, create: bool = True) -> History:
    """Open a history database; the store (and the engine it evaluates with) is imported only when a command needs
    it, so the start-up of every other command does not pay for it."""
    from .._workflow.history import History

    return History(path, create=create)


def add_ledger_commands(hsub: _Sub[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """Register ``history ledger …`` and ``history review …`` on the history subcommands."""
    led = hsub.add_parser("ledger", help=text("ledger.help.ledger"), description=text("ledger.help.ledger"))
    lsub = led.add_subparsers(dest="ledger_command", required=True)
    _ledger_show(lsub, common)
    _ledger_set(lsub, common)
    _ledger_export(lsub, common)
    imp = lsub.add_parser(
        "import", parents=[common], help=text("ledger.help.import"), description=text("ledger.help.import")
    )
    imp.add_argument("workbook", help=text("ledger.help.workbook"))
    imp.set_defaults(func=_guarded(_cmd_import))
    rev = hsub.add_parser("review", help=text("ledger.help.review"), description=text("ledger.help.review"))
    rsub = rev.add_subparsers(dest="review_command", required=True)
    _review_add(rsub, common)
    ls = rsub.add_parser(
        "list", parents=[common], help=text("ledger.help.review_list"), description=text("ledger.help.review_list")
    )
    ls.add_argument("--county", metavar="CODE", help=text("progress.help.county"))
    ls.add_argument("--format", "-f", choices=["text", "json"], default="text", help=text("ledger.help.format"))
    ls.set_defaults(func=_guarded(_cmd_review_list))
    _review_check(rsub, common)


def _county_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--county", metavar="CODE", help=text("ledger.help.county"))


def _ledger_show(lsub: _Sub[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    sh = lsub.add_parser("show", parents=[common], help=text("ledger.help.show"), description=text("ledger.help.show"))
    _county_option(sh)
    sh.add_argument("--as-of", metavar="DATE", help=text("ledger.help.as_of"))
    sh.add_argument("--format", "-f", choices=["text", "json"], default="text", help=text("ledger.help.format"))
    sh.add_argument("--output", "-o", help=text("ledger.help.output"))
    sh.add_argument("--no-plan", action="store_true", help=text("ledger.help.no_plan"))
    sh.add_argument("--standard", "-s", help=text("ledger.help.standard"))
    sh.set_defaults(func=_guarded(_cmd_show))


def _ledger_set(lsub: _Sub[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    st = lsub.add_parser("set", parents=[common], help=text("ledger.help.set"), description=text("ledger.help.set"))
    _county_option(st)
    st.add_argument("--seq", type=int, required=True, metavar="N", help=text("ledger.help.seq"))
    for name in ("action", "responsible", "deadline", "note"):
        st.add_argument(f"--{name}", help=text(f"ledger.help.{name}"))
    st.set_defaults(func=_guarded(_cmd_set))


def _ledger_export(lsub: _Sub[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    ex = lsub.add_parser(
        "export", parents=[common], help=text("ledger.help.export"), description=text("ledger.help.export")
    )
    _county_option(ex)
    ex.add_argument("--output", "-o", required=True, help=text("ledger.help.xlsx_output"))
    ex.add_argument("--as-of", metavar="DATE", help=text("ledger.help.as_of"))
    ex.add_argument("--no-plan", action="store_true", help=text("ledger.help.no_plan"))
    ex.add_argument("--standard", "-s", help=text("ledger.help.standard"))
    ex.set_defaults(func=_guarded(_cmd_export))


def _review_add(rsub: _Sub[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    ad = rsub.add_parser(
        "add", parents=[common], help=text("ledger.help.review_add"), description=text("ledger.help.review_add")
    )
    _county_option(ad)
    ad.add_argument("--stage", required=True, help=text("ledger.help.stage"))
    ad.add_argument("--date", required=True, metavar="DATE", help=text("ledger.help.date"))
    ad.add_argument("--outcome", required=True, help=text("ledger.help.outcome"))
    which = ad.add_mutually_exclusive_group()
    which.add_argument("--record", type=int, metavar="N", help=text("ledger.help.record"))
    which.add_argument("--year", type=int, help=text("ledger.help.year"))
    ad.add_argument("--body", help=text("ledger.help.body"))
    ad.add_argument("--note", help=text("ledger.help.review_note"))
    ad.set_defaults(func=_guarded(_cmd_review_add))


def _review_check(rsub: _Sub[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    ck = rsub.add_parser(
        "check", parents=[common], help=text("ledger.help.review_check"), description=text("ledger.help.review_check")
    )
    _county_option(ck)
    ck.add_argument("--stage", required=True, help=text("ledger.help.stage"))
    ck.add_argument("--standard", "-s", help=text("ledger.help.check_standard"))
    ck.add_argument("--as-of", metavar="DATE", help=text("ledger.help.check_as_of"))
    ck.add_argument("--format", "-f", choices=["text", "json"], default="text", help=text("ledger.help.format"))
    ck.set_defaults(func=_guarded(_cmd_review_check))


def _guarded(command: Callable[[argparse.Namespace, History], int]) -> Callable[[argparse.Namespace], int]:
    """The command in its language with the database open; a history error is one line on stderr, exit 2 (input
    and pack problems go to the caller, which reports them as for ``evaluate``)."""

    def run(args: argparse.Namespace) -> int:
        with language(args.lang):
            try:
                with open_history(resolve_db_path(args.db), create=False) as history:
                    return command(args, history)
            except HistoryError as exc:
                _say(text("history.failed", detail=exc.msg.text()), sys.stderr)
                return EXIT_INVALID

    return run


def county_or_only(history: History, county: str | None) -> str:
    """The county named, or the only county of the database; :class:`HistoryError` when it holds several."""
    if county is not None:
        return str(county)
    codes = sorted({r.county_code for r in history.records()})
    if len(codes) == 1:
        return codes[0]
    if not codes:
        raise HistoryError(msg("history.empty", path=str(history.path)))
    raise HistoryError(msg("ledger.county_needed", counties="、".join(codes)))


def _say(line: str, stream: Any = None) -> None:
    print(terminal_safe(line), file=stream or sys.stdout)


def _write(out: str, output: str | None) -> None:
    if output:
        Path(output).write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(terminal_safe(out))


def _cmd_show(args: argparse.Namespace, history: History) -> int:
    from .._report.ledger_view import render_ledger_text

    county = county_or_only(history, args.county)
    ledger = history.ledger(county, as_of=args.as_of, plan=not args.no_plan, standard=args.standard)
    out = ledger.to_json() + "\n" if args.format == "json" else render_ledger_text(ledger, args.lang)
    _write(out, args.output)
    return EXIT_OK


def _cmd_set(args: argparse.Namespace, history: History) -> int:
    county = county_or_only(history, args.county)
    given = {k: getattr(args, k) for k in ("action", "responsible", "deadline", "note") if getattr(args, k) is not None}
    if not given:
        raise HistoryError(msg("ledger.nothing_to_set"))
    history.edit_ledger(county, args.seq, **given)
    _say(text("ledger.set_done", county=county, seq=args.seq))
    return EXIT_OK


def _cmd_export(args: argparse.Namespace, history: History) -> int:
    county = county_or_only(history, args.county)
    ledger = history.export_ledger(
        args.output, county, as_of=args.as_of, lang=args.lang, plan=not args.no_plan, standard=args.standard
    )
    _say(text("ledger.wrote", path=args.output, n=len(ledger.entries)))
    return EXIT_OK


def _cmd_import(args: argparse.Namespace, history: History) -> int:
    done = history.import_ledger(args.workbook)
    _say(text("ledger.imported", sheet=done.sheet, changed=len(done.changed), unchanged=done.unchanged))
    return EXIT_OK


def _cmd_review_add(args: argparse.Namespace, history: History) -> int:
    county = county_or_only(history, args.county)
    r = history.add_review(
        county, args.stage, args.date, args.outcome, record=args.record, year=args.year, body=args.body, note=args.note
    )
    _say(
        text(
            "reviews.added",
            county=r.county_code,
            stage=r.stage_label.text(args.lang),
            date=r.held_on.isoformat(),
            outcome=text(f"reviews.outcome.{r.outcome}"),
            used=_used(r),
            id=r.id,
        )
    )
    return EXIT_OK


def _used(r: Any) -> str:
    """The record a review used, as a phrase."""
    from .._report.labels import verdict_word

    if r.record_id is None:
        return text("reviews.used_none")
    shown = text(
        "reviews.used_record",
        record=r.record_id,
        year=r.record_year,
        verdict=verdict_word(r.record_verdict or "", current_language()),
    )
    return shown + ("" if r.record_current else text("reviews.replaced"))


def _cmd_review_list(args: argparse.Namespace, history: History) -> int:
    from .._report.text import _table

    found = history.reviews(args.county)
    if args.format == "json":
        _say(json.dumps([r.model_dump(mode="json") for r in found], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not found:
        _say(text("reviews.empty"))
        return EXIT_OK
    cols = ("id", "county", "stage", "date", "outcome", "record", "body", "note")
    rows = [
        [
            f"#{r.id}",
            r.county_code,
            r.stage_label.text(args.lang),
            r.held_on.isoformat(),
            text(f"reviews.outcome.{r.outcome}"),
            _used(r),
            r.body or "",
            r.note or "",
        ]
        for r in found
    ]
    _say("\n".join(_table([text(f"reviews.col.{c}") for c in cols], rows)))
    return EXIT_OK


def _cmd_review_check(args: argparse.Namespace, history: History) -> int:
    county = county_or_only(history, args.county)
    found = history.eligibility(county, args.stage, standard=args.standard, as_of=args.as_of)
    if args.format == "json":
        _say(found.model_dump_json(indent=2))
        return EXIT_OK
    from .._report.labels import sep

    lang = args.lang
    records = history.records(county)
    name = records[-1].county_name if records else county
    _say(
        text(
            "eligibility.title",
            name=name,
            county=county,
            stage=found.stage_label.text(lang),
            pack=found.pack,
            as_of=found.as_of.isoformat(),
            result=text(f"eligibility.result.{found.result}"),
        )
    )
    if not found.rules:
        _say("  - " + text("eligibility.no_rule_line", pack=found.pack, stage=found.stage_label.text(lang)))
    for rule in found.rules:
        result = text(f"eligibility.rule_result.{rule.result}")
        _say(f"  - [{result}] {rule.label.text(lang)}{sep('colon', lang)}{rule.detail.text(lang)}")
        if rule.text:
            _say(
                "    "
                + text("eligibility.cite_line", document=rule.document or "", clause=rule.clause or "", text=rule.text)
            )
    return EXIT_OK
