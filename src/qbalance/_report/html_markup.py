"""The HTML building blocks shared by the report page and its charts: escaping, status labels and tables.

Kept apart from :mod:`.html` (the page) and :mod:`.html_charts` (the SVG) so both can use them without importing
each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["esc", "html_table", "status_span"]


def esc(text: object) -> str:
    """``text`` escaped for HTML element content and attribute values (quotes included)."""
    return escape(str(text), quote=True)


def status_span(status: str, label: str) -> str:
    """A status label in a ``<span>`` whose class (``st-pass``, ``st-fail``…) gives it its colour."""
    return f'<span class="st-{esc(status)}">{esc(label)}</span>'


def html_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: set[int] | None = None,
    row_class: Sequence[str] | None = None,
    caption: str | None = None,
) -> str:
    """A table; ``rows`` hold HTML fragments that are already escaped, headers are escaped here."""
    numeric = numeric or set()
    out = ['<div class="scroll"><table>']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in headers) + "</tr></thead><tbody>")
    for i, row in enumerate(rows):
        cls = f' class="{esc(row_class[i])}"' if row_class and row_class[i] else ""
        cells = "".join(f'<td class="num">{c}</td>' if j in numeric else f"<td>{c}</td>" for j, c in enumerate(row))
        out.append(f"<tr{cls}>{cells}</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)
