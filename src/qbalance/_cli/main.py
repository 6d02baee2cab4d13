"""The ``qbalance`` command line: evaluate counties, plan, compare scenarios, write templates, inspect packs.

It speaks Chinese unless asked for English: ``--lang en`` anywhere on the command line, or the environment variable
``QBALANCE_LANG=en`` (:mod:`.lang`). The language is chosen before the parser is built, so ``--help`` is in it too,
and the command runs inside :func:`~qbalance._base.messages.language`, so problems, summaries and reports all print
in it; every sentence comes from the message catalogue (``cli.yaml``).

Exit status of ``evaluate`` and ``scenario`` (after the scenario): 0 the county passes; 1 it was evaluated and fails;
3 it could not be decided because required data is missing ("incomplete"); 2 the input or the pack is invalid (the
problems are printed on stderr). ``evaluate-batch``: 0 every county passes, 1 some county fails, 3 none fails but
some are incomplete, 2 invalid input. ``plan``: 0 the plan closes every gap it addresses, 1 some gap cannot be
closed by adding resources. ``qbalance test`` exits 0 when every pack test passes, 1 when one fails, 2 when a test
file or pack is invalid. Every command exits 4 on an unexpected internal error (a bug in qbalance, never a verdict),
printing one line; set ``QBALANCE_DEBUG=1`` to see the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from .._base.errors import QbalanceError, _ProblemsError
from .._base.messages import LANGS, Msg, current_language, language, msg, text
from .._base.text import terminal_safe
from .batch import add_batch_options
from .lang import LANG_ENV, Parser, chosen_language, env_language

EXIT_PASS, EXIT_FAIL, EXIT_INVALID, EXIT_INCOMPLETE, EXIT_INTERNAL = 0, 1, 2, 3, 4


class _Refused(QbalanceError):
    """A command-line value the command cannot use (a malformed ``--cost`` or ``--as-of``), with its catalogue
    message; shown in the current language."""

    def __init__(self, message: Msg) -> None:
        self.msg = message
        super().__init__(message.text("en"))

    def __str__(self) -> str:
        return self.msg.text()


def _say(line: str) -> None:
    """One line on standard error (messages, problems, warnings)."""
    print(line, file=sys.stderr)


def _plan_options(args: argparse.Namespace) -> dict[str, Any]:
    """Extra keyword arguments of ``make_plan`` that come from the command line (every call of it passes them):
    the safety margin under each CV limit."""
    return {"margin": float(getattr(args, "margin", 0.0) or 0.0)}


def _batch_options(args: argparse.Namespace) -> dict[str, Any]:
    """Extra keyword arguments of ``run_batch`` that come from the command line: ``--on-error``, the language and
    the previous year's tables (``--previous``, ``--previous-counties``)."""
    return {
        "on_error": getattr(args, "on_error", "raise"),
        "lang": getattr(args, "lang", current_language()),
        "previous_path": getattr(args, "previous", None),
        "previous_counties_path": getattr(args, "previous_counties", None),
    }


def _write(content: str, output: str | None) -> None:
    if output:
        Path(output).write_text(content, encoding="utf-8")
    else:
        sys.stdout.write(content)


_VERDICT_EXIT = {"pass": EXIT_PASS, "fail": EXIT_FAIL, "incomplete": EXIT_INCOMPLETE}


DEFAULT_STANDARD = "cn-moe-2017"


def _standard_for(args: argparse.Namespace, path: Any) -> str:
    """The pack to use: ``--standard`` when given, else the one a data-entry workbook records it was made for, else
    the national standard."""
    if args.standard:
        return str(args.standard)
    from .._data.intake import workbook_pack

    return workbook_pack(path) or DEFAULT_STANDARD


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .._api.standard import load_standard
    from .._report.text import render_text
    from .._workflow.looking_back import evaluate

    path = _county_path(args, "evaluate")
    if path is None:
        return EXIT_INVALID
    if args.format is None:  # from the output file's name, else a text table
        suffix = Path(args.output).suffix.lower() if args.output else ""
        args.format = {".json": "json", ".md": "md", ".html": "html", ".htm": "html", ".xlsx": "xlsx"}.get(
            suffix, "text"
        )
    if args.format == "xlsx" and not args.output:
        _say(text("cli.xlsx_needs_output"))
        return EXIT_INVALID
    std = load_standard(_standard_for(args, path), as_of=args.as_of)
    report = evaluate(
        path, std, survey=args.survey, roster=args.roster, history=args.history, previous=args.previous, year=args.year
    )
    plan = None
    if args.plan:
        from .._workflow.plan import make_plan

        plan = make_plan(path, std, survey=args.survey, roster=args.roster, **_plan_options(args))
    if args.format == "json":
        _write(report.to_json() + "\n", args.output)
    elif args.format == "md":
        _write(report.to_markdown(args.lang, plan), args.output)
    elif args.format == "html":
        _write(report.to_html(args.lang, plan), args.output)
    elif args.format == "xlsx":
        report.to_excel(args.output, args.lang, plan)
    else:
        _write(render_text(report, args.lang), args.output)
    return _VERDICT_EXIT[report.verdict]


def _cmd_scenario(args: argparse.Namespace) -> int:
    from .._workflow.scenario_eval import evaluate_scenario

    if args.demo and args.path and not args.scenario:  # `scenario --demo FILE`: the one positional is the scenario
        args.path, args.scenario = None, args.path
    if not args.scenario:
        _say(text("cli.scenario_needs_files"))
        return EXIT_INVALID
    path = _county_path(args, "scenario")
    if path is None:
        return EXIT_INVALID
    comparison = evaluate_scenario(path, args.scenario, _standard_for(args, path), as_of=args.as_of)
    if args.format == "json":
        _write(comparison.to_json() + "\n", args.output)
    elif args.format == "md":
        _write(comparison.to_markdown(args.lang), args.output)
    else:
        _write(comparison.to_text(args.lang), args.output)
    return _VERDICT_EXIT[comparison.verdict_after]


def _county_path(args: argparse.Namespace, command: str) -> Path | None:
    from .._api.evaluate import demo_path

    if args.demo == bool(args.path):
        _say(text("cli.county_or_demo", command=command))
        return None
    return demo_path() if args.demo else Path(args.path)


def _parse_costs(pairs: Sequence[str]) -> dict[str, float]:
    import math

    from .._data.models import Facilities, TeacherCounts

    known = {f"teachers.{k}" for k in TeacherCounts.model_fields} | {f"facilities.{k}" for k in Facilities.model_fields}
    costs: dict[str, float] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        try:
            cost = float(value)
        except ValueError:
            raise _Refused(msg("cli.cost_format", pair=pair)) from None
        if not sep or not name:
            raise _Refused(msg("cli.cost_format", pair=pair))
        if not math.isfinite(cost) or cost < 0:
            raise _Refused(msg("cli.cost_negative", pair=pair))
        if name not in known:
            raise _Refused(msg("cli.cost_unknown", pair=pair, name=name, known=", ".join(sorted(known))))
        costs[name] = cost
    return costs


def _cmd_plan(args: argparse.Namespace) -> int:
    from .._api.standard import load_standard
    from .._report.text import render_plan_text
    from .._workflow.plan import make_plan

    path = _county_path(args, "plan")
    if path is None:
        return EXIT_INVALID
    std = load_standard(_standard_for(args, path), as_of=args.as_of)
    plan = make_plan(path, std, costs=_parse_costs(args.cost or []), **_plan_options(args))
    if args.format == "json":
        _write(plan.to_json() + "\n", args.output)
    else:
        _write(render_plan_text(plan, args.lang), args.output)
    return EXIT_PASS if plan.verdict_after == "pass" or not plan.not_planned else EXIT_FAIL


def _cmd_evaluate_batch(args: argparse.Namespace) -> int:
    from .batch import run_batch

    return run_batch(
        args.input,
        args.output,
        args.standard or DEFAULT_STANDARD,
        args.format,
        counties_path=args.counties,
        as_of=args.as_of,
        plain_csv=args.plain_csv,
        **_batch_options(args),
    )


def _cmd_template(args: argparse.Namespace) -> int:
    from .._api.standard import load_standard
    from .._workflow.template import write_template

    std = load_standard(args.standard or DEFAULT_STANDARD, as_of=args.as_of)
    prefill = demo_path_if(args.prefill)
    out = write_template(std, args.output, lang=args.lang, county=prefill)
    _say(text("cli.wrote", path=out, pack=std.id, version=std.version))
    if prefill is not None:
        dropped = _undeclared_facts(prefill, std)
        if dropped:
            shown = ", ".join(dropped[:8]) + (text("cli.and_more", n=len(dropped)) if len(dropped) > 8 else "")
            _say(text("cli.template_not_inputs", pack=std.id, names=shown))
    return EXIT_PASS


def _undeclared_facts(path: Path, std: Any) -> list[str]:
    """Facts of the county file that the pack does not declare (a template has no column for them)."""
    from .._api.evaluate import load_county

    county = load_county(path)
    declared = {
        lvl: {n for n, d in std.pack.inputs.items() if d.level == lvl} for lvl in ("county", "school", "section")
    }
    out = [f"facts.{k}" for k in county.facts if k not in declared["county"]]
    for school in county.schools:
        out += [f"{school.id} facts.{k}" for k in school.facts if k not in declared["school"]]
        for name, sec in school.sections.items():
            out += [f"{school.id} {name} facts.{k}" for k in sec.facts if k not in declared["section"]]
    return out


def demo_path_if(value: str | None) -> Path | None:
    """``--prefill demo`` means the built-in demo county; otherwise a path (or nothing)."""
    from .._api.evaluate import demo_path

    if value is None:
        return None
    return demo_path() if value == "demo" else Path(value)


def _cmd_standards_list(args: argparse.Namespace) -> int:
    from .._packs.catalogue import list_packs

    entries = list_packs()
    if args.format == "json":
        rows = [
            {
                "id": e.id,
                "version": e.version,
                "effective": e.effective.isoformat() if e.effective else None,
                "extends": e.extends,
                "title": e.title_zh,
                "title_en": e.title_en,
                "origin": e.origin,
                "path": str(e.path),
            }
            for e in entries
        ]
        _write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", None)
        return 0
    for e in entries:
        eff = e.effective.isoformat() if e.effective else "-"
        title = e.title_en if args.lang == "en" and e.title_en else e.title_zh
        base = text("cli.extends", pack=e.extends) if e.extends else ""
        row = f"{e.id:<24} {e.version:<8} {eff}  {title}{base}  [{e.origin}]"
        print(row)
    return 0


def _cmd_standards_show(args: argparse.Namespace) -> int:
    from .._api.standard import load_standard
    from .._packs.catalogue import find_pack
    from .._workflow.pack_doc import render_resolved

    if args.resolved:
        _write(render_resolved(load_standard(args.pack, as_of=args.as_of), args.lang), args.output)
    else:
        import datetime as dt

        try:
            when = dt.date.fromisoformat(args.as_of) if args.as_of else None
        except ValueError as exc:
            raise _Refused(msg("cli.as_of_not_date", value=args.as_of, detail=str(exc))) from None
        _write(find_pack(args.pack, when).read_text(encoding="utf-8"), args.output)
    return 0


def _cmd_standards_doc(args: argparse.Namespace) -> int:
    from .._api.standard import load_standard
    from .._workflow.pack_doc import render_markdown

    _write(render_markdown(load_standard(args.pack, as_of=args.as_of), args.lang), args.output)
    return 0


def _cmd_standards_lint(args: argparse.Namespace) -> int:
    from .._api.standard import load_standard
    from .._workflow.pack_doc import lint_standard

    std = load_standard(args.pack)
    warnings = lint_standard(std)
    for w in warnings:
        print(text("cli.warning", warning=w.render()))
    summary = text(
        "cli.lint_summary",
        pack=std.id,
        version=std.version,
        chain=" → ".join(f"{c.id} {c.version}" for c in std.chain),
        items=len(std.pack.items),
        indicators=len(std.pack.indicators),
        warnings=len(warnings),
    )
    print(summary)
    return 1 if (warnings and args.strict) else 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from pydantic import BaseModel

    from .._data.models import County
    from .._packs.schema import Pack
    from .._report.plan import Plan
    from .._report.report import Report
    from .._workflow.scenario import Scenario

    models: dict[str, type[BaseModel]] = {
        "report": Report,
        "county": County,
        "pack": Pack,
        "plan": Plan,
        "scenario": Scenario,
    }
    schema = models[args.what].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://qbalance.invalid/schema/{args.what}-1.json"
    _write(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", args.output)
    return 0


# -- the parser --------------------------------------------------------------------------------------------------------

_Sub = argparse._SubParsersAction  # the subcommands of a parser (argparse names no public type for them)


def build_parser(lang: str | None = None, only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser, its help in ``lang`` (the current language by default); exposed for documentation and
    tests. Parse with it inside ``language(lang)`` so that argparse's own words and errors are in that language.
    ``only``: build that command's parser alone (what running one command needs: the others' parsers, and the
    modules behind them, are not made); the full parser otherwise."""
    from .._version import __version__

    lang = lang or current_language()
    with language(lang):
        parser: argparse.ArgumentParser = Parser(prog="qbalance", description=text("cli.help.description"))
        parser.add_argument(
            "--version", action="version", version=f"qbalance {__version__}", help=text("cli.help.version")
        )
        _add_lang(parser, lang)
        sub = parser.add_subparsers(dest="command", required=True, metavar=text("cli.help.command_metavar"))
        for name, add in _COMMANDS.items():
            if only is None or only == name:
                add(sub, lang)
    return parser


def _named_command(arguments: Sequence[str]) -> str | None:
    """The command an argument list names, when it is plain to see: the first argument that is not a top-level
    option (``--lang`` takes a value) and is a command's name. None otherwise (help, a typo, an abbreviated option):
    the full parser then reads the arguments and says what is wrong."""
    skip = False
    for arg in arguments:
        if skip:
            skip = False
        elif arg == "--lang":
            skip = True
        elif not arg.startswith("-"):
            return arg if arg in _COMMANDS else None
        elif not arg.startswith("--lang="):
            return None
    return None


def _command(sub: _Sub[argparse.ArgumentParser], name: str, help_text: str) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` starts with the line the command list shows."""
    return sub.add_parser(name, help=help_text, description=help_text)


def _add_lang(parser: argparse.ArgumentParser, lang: str) -> None:
    """``--lang zh|en`` (every command takes it, anywhere; its default is the language chosen for this run)."""
    parser.add_argument("--lang", choices=list(LANGS), default=lang, help=text("cli.help.lang"))


def _add_pack_options(parser: argparse.ArgumentParser, as_of_help: str = "cli.help.as_of") -> None:
    """``--standard`` and ``--as-of``: which pack, and which of its versions (``as_of_help``: what else the date
    means to the command)."""
    parser.add_argument(
        "--standard",
        "-s",
        default=None,
        metavar="STANDARD",
        help=text("cli.help.standard"),
    )
    _add_as_of(parser, as_of_help)


def _add_as_of(parser: argparse.ArgumentParser, help_key: str = "cli.help.as_of") -> None:
    """``--as-of DATE``: the version of the standard in force on a date."""
    parser.add_argument("--as-of", metavar="DATE", help=text(help_key))


def _add_looking_back(parser: argparse.ArgumentParser) -> None:
    """``--history DB``, ``--previous FILE`` and ``--year Y``: where the previous data year comes from, for the
    rules that compare with it, and the stored years of the progress items."""
    parser.add_argument("--history", metavar="DB", help=text("lookback.help.history"))
    parser.add_argument("--previous", metavar="FILE", help=text("lookback.help.previous"))
    parser.add_argument("--year", type=int, metavar="YEAR", help=text("lookback.help.year"))


def _add_output(parser: argparse.ArgumentParser, help_key: str = "cli.help.output", required: bool = False) -> None:
    """``--output FILE`` / ``-o FILE``, with the help text of ``help_key``."""
    parser.add_argument("--output", "-o", required=required, metavar="FILE", help=text(help_key))


def _add_evaluate(sub: _Sub[argparse.ArgumentParser], lang: str) -> None:
    """``qbalance evaluate``: one county file (or the demo county) in any report format."""
    ev = _command(sub, "evaluate", text("cli.help.evaluate"))
    ev.add_argument("path", nargs="?", help=text("cli.help.evaluate_path"))
    ev.add_argument("--demo", action="store_true", help=text("cli.help.evaluate_demo"))
    _add_pack_options(ev, "lookback.help.as_of")
    _add_looking_back(ev)
    ev.add_argument(
        "--format", "-f", choices=["text", "json", "md", "html", "xlsx"], help=text("cli.help.evaluate_format")
    )
    ev.add_argument("--survey", metavar="FILE", help=text("cli.help.evaluate_survey"))
    ev.add_argument("--roster", metavar="FILE", help=text("cli.help.evaluate_roster"))
    ev.add_argument("--plan", action="store_true", help=text("cli.help.evaluate_plan"))
    _add_margin(ev)
    _add_output(ev)
    _add_lang(ev, lang)
    ev.set_defaults(func=_cmd_evaluate)


def _add_evaluate_batch(sub: _Sub[argparse.ArgumentParser], lang: str) -> None:
    """``qbalance evaluate-batch``: every county of a columnar table in one vectorised pass."""
    eb = _command(sub, "evaluate-batch", text("cli.help.batch"))
    eb.add_argument("input", help=text("cli.help.batch_input"))
    eb.add_argument("--output", "-o", required=True, metavar="DIRECTORY", help=text("cli.help.batch_output"))
    _add_pack_options(eb)
    eb.add_argument("--format", "-f", choices=["csv", "parquet"], default="csv", help=text("cli.help.batch_format"))
    eb.add_argument("--counties", metavar="FILE", help=text("cli.help.batch_counties"))
    eb.add_argument("--plain-csv", action="store_true", help=text("cli.help.batch_plain_csv"))
    _add_lang(eb, lang)
    add_batch_options(eb)  # --on-error raise|skip
    eb.set_defaults(func=_cmd_evaluate_batch)


def _add_plan(sub: _Sub[argparse.ArgumentParser], lang: str) -> None:
    """``qbalance plan``: the rectification plan (整改方案) of one county, optionally costed."""
    pl = _command(sub, "plan", text("cli.help.plan"))
    pl.add_argument("path", nargs="?", help=text("cli.help.county_file"))
    pl.add_argument("--demo", action="store_true", help=text("cli.help.plan_demo"))
    _add_pack_options(pl)
    pl.add_argument("--cost", action="append", metavar="INPUT=YUAN", help=text("cli.help.plan_cost"))
    _add_margin(pl)
    pl.add_argument("--format", "-f", choices=["text", "json"], default="text", help=text("cli.help.format_text_json"))
    _add_output(pl)
    _add_lang(pl, lang)
    pl.set_defaults(func=_cmd_plan)


def _add_margin(parser: argparse.ArgumentParser) -> None:
    """``--margin M``: plan each CV to its limit minus M (0 by default)."""
    parser.add_argument("--margin", type=float, default=0.0, metavar="M", help=text("plan.cli_margin"))


def _add_template(sub: _Sub[argparse.ArgumentParser], lang: str) -> None:
    """``qbalance template``: the data-entry workbook of a pack, optionally prefilled."""
    tp = _command(sub, "template", text("cli.help.template"))
    _add_pack_options(tp)
    _add_output(tp, "cli.help.template_output", required=True)
    _add_lang(tp, lang)
    tp.add_argument("--prefill", metavar="FILE", help=text("cli.help.template_prefill"))
    tp.set_defaults(func=_cmd_template)


def _add_scenario(sub: _Sub[argparse.ArgumentParser], lang: str) -> None:
    """``qbalance scenario``: apply a scenario to a county and compare the reports before and after."""
    sn = _command(sub, "scenario", text("cli.help.scenario"))
    sn.add_argument("path", nargs="?", help=text("cli.help.county_file"))
    sn.add_argument("scenario", nargs="?", help=text("cli.help.scenario_file"))
    sn.add_argument("--demo", action="store_true", help=text("cli.help.scenario_demo"))
    _add_pack_options(sn)
    sn.add_argument(
        "--format", "-f", choices=["text", "json", "md"], default="text", help=text("cli.help.scenario_format")
    )
    _add_output(sn)
    _add_lang(sn, lang)
    sn.set_defaults(func=_cmd_scenario)


def _add_standards(sub: _Sub[argparse.ArgumentParser], lang: str) -> None:
    """``qbalance standards list|show|doc|lint``: find and inspect rule packs."""
    st = _command(sub, "standards", text("cli.help.standards"))
    _add_lang(st, lang)
    st_sub = st.add_subparsers(dest="standards_command", required=True, metavar=text("cli.help.command_metavar"))
    ls = _command(st_sub, "list", text("cli.help.standards_list"))
    ls.add_argument("--format", "-f", choices=["text", "json"], default="text", help=text("cli.help.format_text_json"))
    _add_lang(ls, lang)
    ls.set_defaults(func=_cmd_standards_list)
    sh = _command(st_sub, "show", text("cli.help.standards_show"))
    sh.add_argument("pack", help=text("cli.help.standards_pack"))
    sh.add_argument("--resolved", action="store_true", help=text("cli.help.standards_resolved"))
    _add_as_of(sh)
    _add_output(sh)
    _add_lang(sh, lang)
    sh.set_defaults(func=_cmd_standards_show)
    dc = _command(st_sub, "doc", text("cli.help.standards_doc"))
    dc.add_argument("pack", help=text("cli.help.standards_pack"))
    _add_as_of(dc)
    _add_output(dc)
    _add_lang(dc, lang)
    dc.set_defaults(func=_cmd_standards_doc)
    li = _command(st_sub, "lint", text("cli.help.standards_lint"))
    li.add_argument("pack", help=text("cli.help.standards_lint_pack"))
    li.add_argument("--strict", action="store_true", help=text("cli.help.standards_strict"))
    _add_lang(li, lang)
    li.set_defaults(func=_cmd_standards_lint)


def _add_schema(sub: _Sub[argparse.ArgumentParser], lang: str) -> None:
    """``qbalance schema``: print the JSON schema of a document type."""
    sc = _command(sub, "schema", text("cli.help.schema"))
    sc.add_argument("what", choices=["report", "county", "pack", "plan", "scenario"], help=text("cli.help.schema_what"))
    _add_output(sc)
    _add_lang(sc, lang)
    sc.set_defaults(func=_cmd_schema)


_TEST_HELP = {
    "paths": "cli.help.test_paths",
    "require_coverage": "cli.help.test_require_coverage",
    "quiet": "cli.help.test_quiet",
}


def _add_test(sub: _Sub[argparse.ArgumentParser], lang: str) -> None:
    """``qbalance test``: the pack tests' own command (:func:`add_test_command`), its help in the chosen language."""
    from .._workflow.packtest import add_test_command

    p = add_test_command(sub)
    p.description = text("cli.help.test_description")
    for action in p._actions:  # argparse keeps a parser's options only here
        key = _TEST_HELP.get(action.dest)
        if key is not None:
            action.help = text(key)
    for choice in sub._choices_actions:  # the line of the command list
        if choice.dest == "test":
            choice.help = text("cli.help.test")
    _add_lang(p, lang)


def _add_check(sub: _Sub[argparse.ArgumentParser], lang: str) -> None:
    from .check_command import add_check_command

    add_check_command(sub)


def _add_history(sub: _Sub[argparse.ArgumentParser], lang: str) -> None:
    from .history_command import add_history_command

    add_history_command(sub)


def _add_progress(sub: _Sub[argparse.ArgumentParser], lang: str) -> None:
    from .progress_command import add_progress_command

    add_progress_command(sub)


_COMMANDS: dict[str, Callable[[_Sub[argparse.ArgumentParser], str], None]] = {
    "evaluate": _add_evaluate,
    "evaluate-batch": _add_evaluate_batch,
    "plan": _add_plan,
    "template": _add_template,
    "scenario": _add_scenario,
    "standards": _add_standards,
    "check": _add_check,
    "history": _add_history,
    "progress": _add_progress,
    "schema": _add_schema,
    "test": _add_test,
}
"""Each command's name and the function that adds its parser, in the order of the command list."""


# -- running -----------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")
    with _terminal_safe_streams():
        return _run(argv)


class _TerminalSafe(io.TextIOBase):
    """A text stream that drops control characters (escape sequences, bidi overrides) from everything written to it:
    school and county names in reports and messages come from data, and must not drive the user's terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, s: str) -> int:
        self._stream.write(terminal_safe(s))
        return len(s)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def _terminal_safe_streams() -> Iterator[None]:
    """Standard output and error through :class:`_TerminalSafe` while the command runs."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _TerminalSafe(out), _TerminalSafe(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def _run(argv: Sequence[str] | None) -> int:
    """Choose the language, parse the arguments in it and run the command in it."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    lang = chosen_language(arguments)
    with language(lang):
        if os.environ.get(LANG_ENV, "").strip() and env_language() is None:
            _say(text("cli.bad_lang_env", value=os.environ[LANG_ENV]))
        args = build_parser(lang, only=_named_command(arguments)).parse_args(arguments)
    with language(args.lang):
        return _dispatch(args)


_PROBLEMS_HEAD = {"input": "cli.problems_input", "pack": "cli.problems_pack"}


def _dispatch(args: argparse.Namespace) -> int:
    """Run the parsed command; every failure becomes its documented exit status and a message in the current
    language."""
    try:
        code: int = args.func(args)
        return code
    except _ProblemsError as exc:
        _say(text(_PROBLEMS_HEAD.get(exc.kind.split()[0], "cli.problems_other"), n=len(exc.problems)))
        if any(p.sheet for p in exc.problems):  # a workbook: one table naming every bad cell
            _say(exc.table_text(args.lang))
        else:
            for p in exc.problems:
                _say("  - " + p.render())
        return EXIT_INVALID
    except (QbalanceError, ValueError) as exc:  # ValueError: e.g. a malformed --as-of date
        _say(text("cli.error", error=exc))
        return EXIT_INVALID
    except OSError as exc:  # an output file that cannot be written, an input that cannot be read
        _say(_os_error(exc))
        return EXIT_INVALID
    except MemoryError:
        _say(text("cli.out_of_memory"))
        return EXIT_INVALID
    except Exception as exc:  # a bug: never exit 1, which scripts read as "the county fails"
        return _internal_error(exc)


_OS_REASONS = {
    errno.ENOENT: "cli.os_no_such_file",
    errno.EACCES: "cli.os_permission",
    errno.EPERM: "cli.os_permission",
    errno.EISDIR: "cli.os_is_a_directory",
    errno.ENOTDIR: "cli.os_not_a_directory",
    errno.ENOSPC: "cli.os_no_space",
    errno.EROFS: "cli.os_read_only",
}


def _os_error(exc: OSError) -> str:
    """A file that cannot be read or written, and why, in the current language."""
    key = _OS_REASONS.get(exc.errno) if exc.errno is not None else None
    reason = text(key) if key is not None else str(exc.strerror or exc)
    if getattr(exc, "filename", None):
        return text("cli.cannot_access_file", path=exc.filename, reason=reason)
    return text("cli.cannot_access", reason=reason)


def _internal_error(exc: BaseException) -> int:
    """One line for an unexpected error (the traceback with ``QBALANCE_DEBUG=1``); exit status 4."""
    import traceback

    if os.environ.get("QBALANCE_DEBUG"):
        traceback.print_exception(exc, file=sys.stderr)
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = text("cli.internal_at", file=Path(where.filename).name, line=where.lineno) if where is not None else ""
    _say(text("cli.internal_error", kind=type(exc).__name__, at=at, error=exc))
    return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
