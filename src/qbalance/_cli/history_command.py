"""``qbalance history add|list|show|export``: a county's evaluations year by year in a SQLite file.

* ``history add FILE [--year Y] [--db PATH] [--standard ID] [--as-of DATE] [--note TEXT] [--replace]`` evaluates the
  file and stores its data and report for the year (default: the year the data state). The same data and pack
  already stored for that year are recognised and nothing is written; different data need ``--replace``, and the
  record they replace is kept, superseded.
* ``history list [--county CODE] [--all] [--format text|json]`` lists the stored years (``--all``: also superseded
  records).
* ``history show (--county CODE --year Y | --id N) [--format text|json] [-o FILE]`` prints a stored report (JSON
  exactly as ``qbalance evaluate --format json`` printed it).
* ``history export --format csv|parquet -o DIR [--county CODE] [--all] [--plain-csv]`` writes
  ``county_years.<fmt>`` and ``school_sections.<fmt>`` for warehouses.

The database is ``--db PATH``, else ``$QBALANCE_HISTORY_DB``, else ``qbalance-history.sqlite`` in the working
directory. Exit status: 0 done (also when the data were already stored); 2 the input, the pack or the database
cannot be used, or a stored year would be replaced without ``--replace`` (the reason on stderr). Never 1: a county
that fails is stored like any other, and its verdict is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .._base.messages import current_language, language, msg, text
from .._base.text import terminal_safe
from .._workflow.history.database import DEFAULT_DB_NAME, ENV_DB, FORMATS, HistoryError, resolve_db_path
from .ledger_command import add_ledger_commands, open_history

if TYPE_CHECKING:
    from .._workflow.history import AddResult, Record

__all__ = ["add_history_command"]

EXIT_OK, EXIT_INVALID = 0, 2


def add_history_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``qbalance history`` and its subcommands on the top-level subparsers."""
    hist = sub.add_parser(
        "history",
        help=text("history.help.command"),
        description=text("history.help.description"),
    )
    hsub = hist.add_subparsers(dest="history_command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", help=text("history.help.db", env=ENV_DB, default=DEFAULT_DB_NAME))
    common.add_argument("--lang", choices=["zh", "en"], default=current_language(), help=text("history.help.lang"))
    _add_add(hsub, common)
    _add_list(hsub, common)
    _add_show(hsub, common)
    _add_export(hsub, common)
    add_ledger_commands(hsub, common)


def _add_add(hsub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    ad = hsub.add_parser("add", parents=[common], help=text("history.help.add"), description=text("history.help.add"))
    ad.add_argument("path", help=text("history.help.path"))
    ad.add_argument("--year", type=int, help=text("history.help.year"))
    ad.add_argument("--standard", "-s", default="cn-moe-2017", help=text("history.help.standard"))
    ad.add_argument("--as-of", help=text("lookback.help.as_of"))
    ad.add_argument("--note", help=text("history.help.note"))
    ad.add_argument("--replace", action="store_true", help=text("history.help.replace"))
    ad.set_defaults(func=_guarded(_cmd_add))


def _add_list(hsub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    ls = hsub.add_parser(
        "list", parents=[common], help=text("history.help.list"), description=text("history.help.list")
    )
    ls.add_argument("--county", metavar="CODE", help=text("history.help.county"))
    ls.add_argument("--all", action="store_true", help=text("history.help.all"))
    ls.add_argument("--format", "-f", choices=["text", "json"], default="text", help=text("history.help.format"))
    ls.set_defaults(func=_guarded(_cmd_list))


def _add_show(hsub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    sh = hsub.add_parser(
        "show", parents=[common], help=text("history.help.show"), description=text("history.help.show")
    )
    sh.add_argument("--county", metavar="CODE", help=text("history.help.show_county"))
    sh.add_argument("--year", type=int, help=text("history.help.show_year"))
    sh.add_argument("--id", type=int, metavar="N", help=text("history.help.id"))
    sh.add_argument("--format", "-f", choices=["text", "json"], default="text", help=text("history.help.format"))
    sh.add_argument("--output", "-o", help=text("history.help.output"))
    sh.set_defaults(func=_guarded(_cmd_show))


def _add_export(hsub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    ex = hsub.add_parser(
        "export", parents=[common], help=text("history.help.export"), description=text("history.help.export")
    )
    ex.add_argument("--format", "-f", choices=list(FORMATS), default="csv", help=text("history.help.export_format"))
    ex.add_argument("--output", "-o", required=True, help=text("history.help.export_dir"))
    ex.add_argument("--county", metavar="CODE", help=text("history.help.county"))
    ex.add_argument("--all", action="store_true", help=text("history.help.all"))
    ex.add_argument("--plain-csv", action="store_true", help=text("history.help.plain_csv"))
    ex.set_defaults(func=_guarded(_cmd_export))


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """The command in its language; a history error is printed on stderr in that language and exits 2 (input and
    pack problems go to the caller, which reports them as for ``evaluate``)."""

    def run(args: argparse.Namespace) -> int:
        with language(args.lang):
            try:
                return command(args)
            except HistoryError as exc:
                _say(text("history.failed", detail=exc.msg.text()), sys.stderr)
                return EXIT_INVALID

    return run


def _cmd_add(args: argparse.Namespace) -> int:
    from .._api.lookback import EmptyStore
    from .._workflow.history.database import check_database_file
    from .._workflow.history.store import evaluate_for_history

    db = resolve_db_path(args.db)
    check_database_file(db)  # a wrong --db is said before the county is evaluated
    if db.exists():  # the rules that look back read the previous year from the database the data go to
        with open_history(db) as stored:
            done = evaluate_for_history(
                args.path, standard=args.standard, as_of=args.as_of, history=stored, year=args.year
            )
    else:  # nothing is stored yet: no previous year (said so), and no empty database left behind by bad data
        empty = EmptyStore(db)
        done = evaluate_for_history(args.path, standard=args.standard, as_of=args.as_of, history=empty, year=args.year)
    with open_history(db) as history:
        result = history.store(
            done.county,
            done.report,
            args.year,
            source=done.source,
            source_sha256=done.source_sha256,
            note=args.note,
            replace=args.replace,
        )
    _say(_added_text(result))
    return EXIT_OK


def _verdict(verdict: str) -> str:
    from .._report.labels import verdict_word

    return verdict_word(verdict, current_language())


def _added_text(result: AddResult) -> str:
    r = result.record
    if result.status == "unchanged":
        pack = f"{r.pack_id} {r.pack_version}"
        return text(
            "history.unchanged", county=r.county_code, year=r.year, id=r.id, digest=r.input_digest[:19], pack=pack
        )
    args = {"name": r.county_name, "county": r.county_code, "year": r.year, "verdict": _verdict(r.verdict), "id": r.id}
    if result.status == "replaced" and result.replaced is not None:
        return text("history.replaced", old=result.replaced.id, **args)
    return text("history.added", digest=r.input_digest[:19], source=r.source, **args)


def _cmd_list(args: argparse.Namespace) -> int:
    db = resolve_db_path(args.db)
    with open_history(db, create=False) as history:
        records = history.records(args.county, include_superseded=args.all)
    if args.format == "json":
        rows = [r.model_dump(mode="json") for r in records]
        _say(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not records:
        _say(text("history.empty", path=str(db)))
    else:
        _say(_records_table(records, args.all))
    return EXIT_OK


def _records_table(records: Sequence[Record], with_state: bool) -> str:
    """The records as an aligned table (Chinese and full-width characters take two columns)."""
    keys = ["id", "county", "name", "year", "verdict", "pack", "digest", "added", "source", "note"]
    keys += ["state"] if with_state else []
    rows = []
    for r in records:
        state = text("history.state.current") if r.current else text("history.state.superseded", at=r.superseded_at)
        cells = {
            "id": f"#{r.id}",
            "county": r.county_code,
            "name": r.county_name,
            "year": str(r.year),
            "verdict": _verdict(r.verdict),
            "pack": f"{r.pack_id} {r.pack_version}",
            "digest": r.input_digest[7:19],
            "added": r.added_at,
            "source": _short(r.source, 40, tail=True),
            "note": _short(r.note or "", 30),
            "state": state,
        }
        rows.append([cells[k] for k in keys])
    head = [text(f"history.col.{k}") for k in keys]
    widths = [max(_width(c) for c in col) for col in zip(head, *rows, strict=True)]
    lines = [
        "  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip() for row in [head, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(cell: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in cell)


def _short(cell: str, limit: int, *, tail: bool = False) -> str:
    """One line of at most ``limit`` characters: the start (or, for a path, the end: its file name) and an ellipsis."""
    cell = " ".join(cell.split())
    if len(cell) <= limit:
        return cell
    return "…" + cell[1 - limit :] if tail else cell[: limit - 1] + "…"


def _say(line: str, stream: TextIO | None = None) -> None:
    """Print one message or table: names, sources and notes come from data (or from a database file), so control
    characters are dropped here too, not only by ``main``'s streams."""
    print(terminal_safe(line), file=stream or sys.stdout)


def _cmd_show(args: argparse.Namespace) -> int:
    from .._report.text import render_text

    if args.id is None and (args.county is None or args.year is None):
        raise HistoryError(msg("history.show_which"))
    with open_history(resolve_db_path(args.db), create=False) as history:
        record = history.record_by_id(args.id) if args.id is not None else history.record(args.county, args.year)
        if record is None and args.id is not None:
            raise HistoryError(msg("history.no_record_id", id=args.id))
        if record is None:
            raise HistoryError(msg("history.no_record", county=args.county, year=args.year))
        report = history.report_of(record)
    if args.format == "json":
        out = report.to_json() + "\n"
    else:
        out = "\n".join(_record_lines(record)) + "\n\n" + render_text(report, args.lang)
    if args.output:
        Path(args.output).write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(terminal_safe(out))
    return EXIT_OK


def _record_lines(r: Record) -> list[str]:
    """What the history knows of a record, above its report."""
    lines = [
        text("history.show.record", id=r.id, county=r.county_code, year=r.year, added=r.added_at, source=r.source),
        text(
            "history.show.digest",
            digest=r.input_digest,
            pack=f"{r.pack_id} {r.pack_version}",
            pack_sha256=r.pack_sha256,
        ),
    ]
    if r.note:
        lines.append(text("history.show.note", note=r.note))
    if not r.current:
        lines.append(text("history.show.superseded", at=r.superseded_at, county=r.county_code, year=r.year))
    return lines


def _cmd_export(args: argparse.Namespace) -> int:
    with open_history(resolve_db_path(args.db), create=False) as history:
        done = history.export(
            args.output,
            args.format,
            county=args.county,
            include_superseded=args.all,
            spreadsheet_safe=not args.plain_csv,
        )
    shown = ", ".join(str(p) for p in done.paths)
    _say(text("history.exported", records=done.county_years, schools=done.school_sections, paths=shown))
    return EXIT_OK
