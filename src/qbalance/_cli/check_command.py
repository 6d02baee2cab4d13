"""``qbalance check WORKBOOK [-o OUT] [--standard ID] [--lang en]``: mark every problem of a filled workbook.

Writes a copy of the user's workbook with every problem cell filled red and commented (see
:mod:`qbalance._workflow.workbook_check`) and lists the problems. Exit status: 0 the workbook has no problem (nothing
is written), 2 it has problems (the marked copy is written when the file could be opened) or cannot be checked
(an .xls file, an unknown pack, an output that would overwrite it). Never 1, which scripts read as "the county
fails": checking says nothing about the verdict.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from .._base.errors import QbalanceError
from .._base.messages import language, text

__all__ = ["EXIT_CLEAN", "EXIT_PROBLEMS", "add_check_command", "run_check"]

EXIT_CLEAN, EXIT_PROBLEMS = 0, 2


def add_check_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``check`` to the ``qbalance`` command's subcommands (help texts in the current language)."""
    ck = subparsers.add_parser("check", help=text("workbook.check.help"), description=text("workbook.check.help"))
    ck.add_argument("workbook", help=text("workbook.check.help_workbook"))
    ck.add_argument("--output", "-o", help=text("workbook.check.help_output"))
    ck.add_argument("--standard", "-s", default=None, help=text("workbook.check.help_standard"))
    ck.add_argument("--lang", choices=["zh", "en"], default="zh", help=text("workbook.check.help_lang"))
    ck.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Run ``qbalance check``: print what was found and where the marked copy is; the exit status."""
    from .._workflow.workbook_check import check_workbook_file

    lang = args.lang
    with language(lang):
        try:
            result = check_workbook_file(args.workbook, args.output, args.standard, lang=lang)
        except QbalanceError as exc:
            print(text("workbook.check.refused", lang, text=_shown(exc, lang)), file=sys.stderr)
            return EXIT_PROBLEMS
        except OSError as exc:  # the marked copy cannot be written (a folder that is not there, no permission)
            shown = f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
            print(text("workbook.check.refused", lang, text=shown), file=sys.stderr)
            return EXIT_PROBLEMS
        for w in result.warnings:
            print(text("workbook.check.warning", lang, text=w.text(lang)), file=sys.stderr)
        name = str(result.source)
        if result.ok:
            print(text("workbook.check.none", lang, name=name))
            return EXIT_CLEAN
        print(text("workbook.check.found", lang, name=name, n=len(result.problems)))
        for p in result.problems:
            print("  - " + dataclasses.replace(p, source=None).render(lang))
        if result.output is not None:
            sheet = text("workbook.check.sheet", lang)
            print(text("workbook.check.written", lang, out=str(result.output), sheet=sheet))
        elif not any(p.key and p.key.startswith(("workbook.save_as_xlsx", "workbook.check")) for p in result.problems):
            print(text("workbook.check.not_written", lang), file=sys.stderr)
        return EXIT_PROBLEMS


def _shown(exc: QbalanceError, lang: str) -> str:
    """An error in ``lang``: every problem of a problems error, else its text."""
    render = getattr(exc, "render", None)
    return str(render(lang)) if callable(render) else str(exc)
