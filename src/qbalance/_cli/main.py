"""The ``qbalance`` command line: evaluate counties, plan, compare scenarios, write templates, inspect packs.

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
import io
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from .._base.errors import QbalanceError, _ProblemsError
from .._base.text import terminal_safe

EXIT_PASS, EXIT_FAIL, EXIT_INVALID, EXIT_INCOMPLETE, EXIT_INTERNAL = 0, 1, 2, 3, 4


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .._api.standard import load_standard
    from .._report.text import render_text

    path = _county_path(args, "evaluate")
    if path is None:
        return EXIT_INVALID
    if args.format is None:  # from the output file's name, else a text table
        suffix = Path(args.output).suffix.lower() if args.output else ""
        args.format = {".json": "json", ".md": "md", ".html": "html", ".htm": "html", ".xlsx": "xlsx"}.get(
            suffix, "text"
        )
    if args.format == "xlsx" and not args.output:
        print("qbalance evaluate: --format xlsx needs --output FILE.xlsx", file=sys.stderr)
        return EXIT_INVALID
    std = load_standard(args.standard, as_of=args.as_of)
    report = std.evaluate(path, survey=args.survey, roster=args.roster)
    plan = None
    if args.plan:
        from .._workflow.plan import make_plan

        plan = make_plan(path, std, survey=args.survey, roster=args.roster)
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
    return {"pass": EXIT_PASS, "fail": EXIT_FAIL, "incomplete": EXIT_INCOMPLETE}[report.verdict]


def _cmd_scenario(args: argparse.Namespace) -> int:
    from .._workflow.scenario_eval import evaluate_scenario

    if args.demo and args.path and not args.scenario:  # `scenario --demo FILE`: the one positional is the scenario
        args.path, args.scenario = None, args.path
    if not args.scenario:
        print("qbalance scenario: give a county file (or --demo) and a scenario file", file=sys.stderr)
        return EXIT_INVALID
    path = _county_path(args, "scenario")
    if path is None:
        return EXIT_INVALID
    comparison = evaluate_scenario(path, args.scenario, args.standard, as_of=args.as_of)
    if args.format == "json":
        _write(comparison.to_json() + "\n", args.output)
    elif args.format == "md":
        _write(comparison.to_markdown(args.lang), args.output)
    else:
        _write(comparison.to_text(args.lang), args.output)
    return {"pass": EXIT_PASS, "fail": EXIT_FAIL, "incomplete": EXIT_INCOMPLETE}[comparison.verdict_after]


def _county_path(args: argparse.Namespace, command: str) -> Path | None:
    from .._api.evaluate import demo_path

    if args.demo == bool(args.path):
        print(f"qbalance {command}: give a county file or --demo (not both)", file=sys.stderr)
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
            raise ValueError(f"--cost {pair!r}: expected INPUT=NUMBER, e.g. teachers.backbone=150000") from None
        if not sep or not name:
            raise ValueError(f"--cost {pair!r}: expected INPUT=NUMBER, e.g. teachers.backbone=150000")
        if not math.isfinite(cost) or cost < 0:
            raise ValueError(f"--cost {pair!r}: a unit cost is a finite number of yuan, not negative")
        if name not in known:
            raise ValueError(f"--cost {pair!r}: {name!r} is not an input a plan adds to ({', '.join(sorted(known))})")
        costs[name] = cost
    return costs


def _cmd_plan(args: argparse.Namespace) -> int:
    from .._api.standard import load_standard
    from .._report.text import render_plan_text
    from .._workflow.plan import make_plan

    path = _county_path(args, "plan")
    if path is None:
        return EXIT_INVALID
    std = load_standard(args.standard, as_of=args.as_of)
    plan = make_plan(path, std, costs=_parse_costs(args.cost or []))
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
        args.standard,
        args.format,
        counties_path=args.counties,
        as_of=args.as_of,
        plain_csv=args.plain_csv,
    )


def _cmd_template(args: argparse.Namespace) -> int:
    from .._api.standard import load_standard
    from .._workflow.template import write_template

    std = load_standard(args.standard, as_of=args.as_of)
    prefill = demo_path_if(args.prefill)
    out = write_template(std, args.output, lang=args.lang, county=prefill)
    print(f"qbalance: wrote {out} ({std.id} {std.version})", file=sys.stderr)
    if prefill is not None:
        dropped = _undeclared_facts(prefill, std)
        if dropped:
            shown = ", ".join(dropped[:8]) + (f" … ({len(dropped)} in all)" if len(dropped) > 8 else "")
            print(f"qbalance: warning: not inputs of {std.id}, so not in the workbook: {shown}", file=sys.stderr)
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
        base = f"  extends {e.extends}" if e.extends else ""
        print(f"{e.id:<24} {e.version:<8} {eff}  {title}{base}  [{e.origin}]")
    return 0


def _cmd_standards_show(args: argparse.Namespace) -> int:
    from .._api.standard import load_standard
    from .._packs.catalogue import find_pack
    from .._workflow.pack_doc import render_resolved

    if args.resolved:
        _write(render_resolved(load_standard(args.pack, as_of=args.as_of)), args.output)
    else:
        import datetime as dt

        try:
            when = dt.date.fromisoformat(args.as_of) if args.as_of else None
        except ValueError as exc:
            raise ValueError(f"--as-of {args.as_of!r} is not a date (YYYY-MM-DD): {exc}") from None
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
        print(f"warning: {w.render()}")
    chain = " → ".join(f"{c.id} {c.version}" for c in std.chain)
    n = len(std.pack.items)
    print(
        f"{std.id} {std.version}: valid ({chain}; {n} items, {len(std.pack.indicators)} indicators); "
        f"{len(warnings)} warning(s)"
    )
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    from .._version import __version__
    from .._workflow.packtest import add_test_command

    parser = argparse.ArgumentParser(
        prog="qbalance",
        description="Evaluate county compulsory-education balance (县域义务教育优质均衡发展) against rule packs.",
    )
    parser.add_argument("--version", action="version", version=f"qbalance {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_evaluate(sub)
    _add_evaluate_batch(sub)
    _add_plan(sub)
    _add_template(sub)
    _add_scenario(sub)
    _add_standards(sub)
    _add_schema(sub)
    add_test_command(sub)
    return parser


def _add_evaluate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``qbalance evaluate``: one county file (or the demo county) in any report format."""
    ev = sub.add_parser("evaluate", help="evaluate one county file (or the demo county)")
    ev.add_argument(
        "path",
        nargs="?",
        help="county file (.yaml, .yml, .json, a filled .xlsx template, a one-county .csv or .parquet)",
    )
    ev.add_argument("--demo", action="store_true", help="evaluate the built-in synthetic demo county")
    ev.add_argument(
        "--standard", "-s", default="cn-moe-2017", help="pack id, id@version, or path (default cn-moe-2017)"
    )
    ev.add_argument("--as-of", help="choose the version of the standard in force on this date (YYYY-MM-DD)")
    ev.add_argument(
        "--format",
        "-f",
        choices=["text", "json", "md", "html", "xlsx"],
        default=None,
        help="text (terminal), json (systems), md, html (self-contained page with charts), xlsx (needs -o); "
        "default: from the -o file's suffix (.json .md .html .xlsx), else text",
    )
    ev.add_argument(
        "--survey",
        metavar="FILE",
        help="social-recognition survey answers (.csv or .xlsx, one row a respondent: group, answer), counted into "
        "the satisfaction rate unless the county types it",
    )
    ev.add_argument(
        "--roster",
        metavar="FILE",
        help="teacher roster (.csv, one row a full-time teacher), counted into the teacher counts and the county "
        "totals (certificates, rotation)",
    )
    ev.add_argument("--plan", action="store_true", help="add the rectification plan (md, html and xlsx formats)")
    ev.add_argument("--output", "-o", help="write to this file instead of standard output")
    ev.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of labels (default zh)")
    ev.set_defaults(func=_cmd_evaluate)


def _add_evaluate_batch(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``qbalance evaluate-batch``: every county of a columnar table in one vectorised pass."""
    eb = sub.add_parser(
        "evaluate-batch", help="evaluate every county of a columnar table (CSV, Parquet) in one vectorised pass"
    )
    eb.add_argument("input", help="one row per school section (or school), with a county_code column")
    eb.add_argument("--output", "-o", required=True, help="directory for the per-county and per-school tables")
    eb.add_argument("--standard", "-s", default="cn-moe-2017", help="pack id, id@version or path")
    eb.add_argument("--format", "-f", choices=["csv", "parquet"], default="csv")
    eb.add_argument("--counties", metavar="FILE", help="county-level facts, one row per county_code (CSV/Parquet)")
    eb.add_argument("--as-of", help="choose the version of the standard in force on this date (YYYY-MM-DD)")
    eb.add_argument(
        "--plain-csv",
        action="store_true",
        help="write text cells exactly, for programs (by default a cell starting with = + - @ gets a leading ' so "
        "that a spreadsheet shows it instead of running it as a formula)",
    )
    eb.set_defaults(func=_cmd_evaluate_batch)


def _add_plan(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``qbalance plan``: the rectification plan (整改方案) of one county, optionally costed."""
    pl = sub.add_parser("plan", help="the smallest additions that close the resource gaps (整改方案)")
    pl.add_argument("path", nargs="?", help="county file")
    pl.add_argument("--demo", action="store_true", help="plan for the built-in synthetic demo county")
    pl.add_argument("--standard", "-s", default="cn-moe-2017", help="pack id, id@version or path")
    pl.add_argument("--as-of", help="choose the version of the standard in force on this date (YYYY-MM-DD)")
    pl.add_argument(
        "--cost",
        action="append",
        metavar="INPUT=YUAN",
        help="unit cost of an input (e.g. teachers.backbone=150000), to choose the cheapest tolerated indicator",
    )
    pl.add_argument("--format", "-f", choices=["text", "json"], default="text")
    pl.add_argument("--output", "-o", help="write to this file instead of standard output")
    pl.add_argument("--lang", choices=["zh", "en"], default="zh")
    pl.set_defaults(func=_cmd_plan)


def _add_template(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``qbalance template``: the data-entry workbook of a pack, optionally prefilled."""
    tp = sub.add_parser("template", help="write a data-entry Excel workbook generated from a pack (needs openpyxl)")
    tp.add_argument("--standard", "-s", default="cn-moe-2017", help="pack id, id@version or path")
    tp.add_argument("--as-of", help="choose the version of the standard in force on this date (YYYY-MM-DD)")
    tp.add_argument("--output", "-o", required=True, help="the .xlsx file to write")
    tp.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of headers and instructions")
    tp.add_argument("--prefill", metavar="FILE", help="fill it from a county file (or 'demo' for the demo county)")
    tp.set_defaults(func=_cmd_template)


def _add_scenario(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``qbalance scenario``: apply a scenario to a county and compare the reports before and after."""
    sn = sub.add_parser("scenario", help="apply a scenario (changes to the county) and compare the two reports")
    sn.add_argument("path", nargs="?", help="county file")
    sn.add_argument("scenario", nargs="?", help="scenario file (.yaml/.json)")
    sn.add_argument("--demo", action="store_true", help="apply the scenario to the built-in synthetic demo county")
    sn.add_argument("--standard", "-s", default="cn-moe-2017", help="pack id, id@version or path")
    sn.add_argument("--as-of", help="choose the version of the standard in force on this date (YYYY-MM-DD)")
    sn.add_argument("--format", "-f", choices=["text", "json", "md"], default="text")
    sn.add_argument("--output", "-o", help="write to this file instead of standard output")
    sn.add_argument("--lang", choices=["zh", "en"], default="zh")
    sn.set_defaults(func=_cmd_scenario)


def _add_standards(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``qbalance standards list|show|doc|lint``: find and inspect rule packs."""
    st = sub.add_parser("standards", help="list and inspect rule packs")
    st_sub = st.add_subparsers(dest="standards_command", required=True)
    ls = st_sub.add_parser("list", help="list the packs qbalance can find")
    ls.add_argument("--format", "-f", choices=["text", "json"], default="text")
    ls.add_argument("--lang", choices=["zh", "en"], default="zh")
    ls.set_defaults(func=_cmd_standards_list)

    sh = st_sub.add_parser("show", help="print a pack (with --resolved: the effective rules and their origins)")
    sh.add_argument("pack", help="pack id, id@version or path")
    sh.add_argument("--resolved", action="store_true", help="resolve extends/overlays and show each rule's origin")
    sh.add_argument("--as-of", help="the version in force on this date")
    sh.add_argument("--output", "-o")
    sh.set_defaults(func=_cmd_standards_show)
    dc = st_sub.add_parser("doc", help="render a resolved pack as a Markdown document for expert review")
    dc.add_argument("pack")
    dc.add_argument("--lang", choices=["zh", "en"], default="zh")
    dc.add_argument("--as-of")
    dc.add_argument("--output", "-o")
    dc.set_defaults(func=_cmd_standards_doc)
    li = st_sub.add_parser("lint", help="check a pack without evaluating anything")
    li.add_argument("pack", help="path to a pack file or directory (or a pack id)")
    li.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")
    li.set_defaults(func=_cmd_standards_lint)


def _add_schema(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``qbalance schema``: print the JSON schema of a document type."""
    sc = sub.add_parser("schema", help="print a JSON schema (report, county input, pack)")
    sc.add_argument("what", choices=["report", "county", "pack", "plan", "scenario"])
    sc.add_argument("--output", "-o")
    sc.set_defaults(func=_cmd_schema)


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

    def write(self, text: str) -> int:
        self._stream.write(terminal_safe(text))
        return len(text)

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
    """Parse the arguments and run the command; every failure becomes its documented exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except _ProblemsError as exc:
        print(f"qbalance: {len(exc.problems)} problem(s) in the {exc.kind.split()[0]}:", file=sys.stderr)
        if any(p.sheet for p in exc.problems):  # a workbook: one table naming every bad cell
            print(exc.table_text(getattr(args, "lang", "zh")), file=sys.stderr)
        else:
            for p in exc.problems:
                print(f"  - {p.render()}", file=sys.stderr)
        return EXIT_INVALID
    except QbalanceError as exc:
        print(f"qbalance: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except ValueError as exc:  # e.g. a malformed --as-of date
        print(f"qbalance: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:  # an output file that cannot be written, an input that cannot be read
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"qbalance: cannot access{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INVALID
    except MemoryError:
        print("qbalance: out of memory: the input is too large for this machine", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # a bug: never exit 1, which scripts read as "the county fails"
        return _internal_error(exc)


def _internal_error(exc: BaseException) -> int:
    """One line for an unexpected error (the traceback with ``QBALANCE_DEBUG=1``); exit status 4."""
    import os
    import traceback

    if os.environ.get("QBALANCE_DEBUG"):
        traceback.print_exception(exc, file=sys.stderr)
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where is not None else ""
    print(
        f"qbalance: internal error ({type(exc).__name__}{at}: {exc}); this is a bug in qbalance, not a verdict - "
        "please report it (QBALANCE_DEBUG=1 shows the traceback)",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
