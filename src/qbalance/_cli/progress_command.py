"""``qbalance progress --db DB [--county CODE] [--format text|json] [--html FILE] [--as-of DATE]``: a county over its
stored years — every CV and every target year by year against its limit, and what changed since last year (the
schools that started or stopped failing) — read from the history database.

Without ``--county`` every county of the database is shown, one after the other. ``--html FILE`` also writes the
latest year's HTML report with the 历年变化 (trends) and 整改台账 (ledger) sections; the ledger is brought up to date
with the stored years as ``history ledger show`` does, its statuses judged on ``--as-of`` (default today).

Exit status: 0 shown (whatever the verdicts: they are printed); 2 the database cannot be used or holds no such
county. Never 1, which means "an evaluated county fails": nothing is evaluated here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .._base.messages import current_language, language, msg, text
from .._base.text import terminal_safe
from .._workflow.history.database import DEFAULT_DB_NAME, ENV_DB, HistoryError, resolve_db_path
from .ledger_command import county_or_only, open_history

if TYPE_CHECKING:
    from .._workflow.history import History

__all__ = ["add_progress_command"]

EXIT_OK, EXIT_INVALID = 0, 2


def add_progress_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``qbalance progress`` on the top-level subcommands."""
    help_text = text("progress.help.command")
    p = sub.add_parser("progress", help=help_text, description=help_text)
    p.add_argument("--db", metavar="PATH", help=text("progress.help.db", env=ENV_DB, default=DEFAULT_DB_NAME))
    p.add_argument("--county", metavar="CODE", help=text("progress.help.county"))
    p.add_argument("--format", "-f", choices=["text", "json"], default="text", help=text("progress.help.format"))
    p.add_argument("--html", metavar="FILE", help=text("progress.help.html"))
    p.add_argument("--as-of", metavar="DATE", help=text("progress.help.as_of"))
    p.add_argument("--lang", choices=["zh", "en"], default=current_language(), help=text("history.help.lang"))
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    with language(args.lang):
        try:
            return _progress(args)
        except HistoryError as exc:
            print(terminal_safe(text("history.failed", detail=exc.msg.text())), file=sys.stderr)
            return EXIT_INVALID


def _progress(args: argparse.Namespace) -> int:
    from .._report.ledger_view import render_trends_text

    with open_history(resolve_db_path(args.db), create=False) as history:
        codes = [args.county] if args.county is not None else sorted({r.county_code for r in history.records()})
        if not codes:
            raise HistoryError(msg("ledger.trends.none"))
        if args.html and len(codes) > 1:
            raise HistoryError(msg("progress.html_one_county"))
        found = [history.trends(code, as_of=args.as_of) for code in codes]
        if args.html:
            _html(history, county_or_only(history, codes[0]), Path(args.html), args)
    if args.format == "json":
        shown = [json.loads(t.to_json()) for t in found]
        sys.stdout.write(json.dumps(shown if len(shown) > 1 else shown[0], ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(terminal_safe("\n".join(render_trends_text(t, args.lang) for t in found)))
    return EXIT_OK


def _html(history: History, county: str, path: Path, args: argparse.Namespace) -> None:
    """The latest year's report with the trends and the ledger, as one HTML page."""
    series = history.reports(county)
    _, report = series[-1]
    ledger = history.ledger(county, as_of=args.as_of)
    page = report.to_html(args.lang, ledger=ledger, trends=history.trends(county, as_of=args.as_of), date=ledger.as_of)
    path.write_text(page, encoding="utf-8")
    print(terminal_safe(text("progress.wrote", path=str(path))), file=sys.stderr)
