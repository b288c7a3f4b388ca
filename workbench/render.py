"""Safe HTML for notebooks, reports and dashboards.

Everything a user typed is escaped here, so a risk titled ``<img src=x onerror=alert(1)>``
shows as text. Widgets, notebooks and dashboards build HTML only through these helpers.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["STATUS_COLOURS", "badge", "esc", "fmt_int", "fmt_pct", "html_table", "kpi"]

#: Colours of status words wherever a status is shown (readable on white, colour-blind aware).
STATUS_COLOURS: dict[str, str] = {
    "approved": "#1a7f37", "met": "#1a7f37", "ok": "#1a7f37", "implemented": "#1a7f37",
    "pending": "#9a6700", "partial": "#9a6700", "submitted": "#9a6700", "planned": "#9a6700",
    "stale": "#bc4c00", "expired": "#bc4c00", "overdue": "#bc4c00", "draft": "#57606a",
    "rejected": "#cf222e", "missing": "#cf222e", "breach": "#cf222e",
    "not applicable": "#57606a", "none": "#57606a",
}


def esc(value: Any) -> str:
    """HTML-escape any value's text (None becomes an empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


def badge(label: str, colour: str | None = None, *, title: str | None = None) -> str:
    """A small coloured label; ``colour`` defaults from :data:`STATUS_COLOURS`."""
    colour = colour or STATUS_COLOURS.get(str(label).lower(), "#57606a")
    tip = f' title="{esc(title)}"' if title else ""
    return (f'<span class="wb-badge"{tip} style="display:inline-block;padding:1px 8px;'
            f'border-radius:10px;font-size:0.85em;color:#fff;background:{esc(colour)}">'
            f"{esc(label)}</span>")


def fmt_int(value: Any) -> str:
    """1234567 -> '1,234,567' (people read thousands separators)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return esc(value)


def fmt_pct(value: Any, digits: int = 0) -> str:
    """0.734 -> '73%'."""
    try:
        return f"{float(value) * 100:.{digits}f}%"
    except (TypeError, ValueError):
        return esc(value)


def kpi(label: str, value: Any, *, note: str = "", colour: str = "#24292f") -> str:
    """A headline number card for dashboards and reports."""
    shown = fmt_int(value) if isinstance(value, int) else esc(value)
    return (
        '<div class="wb-kpi" style="display:inline-block;min-width:150px;margin:4px 8px 4px 0;'
        'padding:10px 14px;border:1px solid #d0d7de;border-radius:8px;background:#fff">'
        f'<div style="font-size:0.8em;color:#57606a">{esc(label)}</div>'
        f'<div class="wb-kpi-value" style="font-size:1.8em;font-weight:600;color:{esc(colour)}">'
        f"{shown}</div>"
        f'<div style="font-size:0.75em;color:#57606a">{esc(note)}</div></div>'
    )


def html_table(
    data: pd.DataFrame | Iterable[Mapping[str, Any]],
    columns: Sequence[str] | Mapping[str, str] | None = None,
    *,
    formatters: Mapping[str, Callable[[Any], str]] | None = None,
    empty: str = "Nothing to show.",
    max_rows: int | None = None,
) -> str:
    """An HTML table whose every cell is escaped.

    Parameters
    ----------
    data
        A DataFrame or an iterable of dicts.
    columns
        Columns to show, or a mapping ``column -> header``.
    formatters
        ``column -> function`` returning **safe HTML** for a cell (e.g. :func:`badge`); the
        formatter is responsible for escaping what it embeds. Other cells are escaped here.
    max_rows
        Show at most this many rows, with a note of how many were left out.
    """
    rows = data.to_dict(orient="records") if hasattr(data, "to_dict") else list(data)
    if columns is None:
        columns = list(rows[0].keys()) if rows else []
    headers = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
    if not rows:
        return f'<p class="wb-empty" style="color:#57606a">{esc(empty)}</p>'
    formatters = formatters or {}
    shown = rows if max_rows is None else rows[:max_rows]
    head = "".join(f'<th style="text-align:left;padding:4px 8px;border-bottom:2px solid '
                   f'#d0d7de">{esc(h)}</th>' for h in headers.values())
    body = []
    for row in shown:
        cells = []
        for col in headers:
            value = row.get(col)
            fmt = formatters.get(col)
            text = fmt(value) if fmt else esc(_plain(value))
            cells.append(f'<td style="text-align:left;padding:4px 8px;border-bottom:1px solid '
                         f'#eaeef2;vertical-align:top">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if max_rows is not None and len(rows) > max_rows:
        more = (f'<p style="color:#57606a;font-size:0.85em">… and {len(rows) - max_rows:,} '
                "more</p>")
    return ('<table class="wb-table" style="border-collapse:collapse;font-size:0.9em">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}")


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    if value is None:
        return ""
    try:
        import math

        if isinstance(value, float) and math.isnan(value):
            return ""
    except TypeError:  # pragma: no cover
        pass
    if hasattr(value, "strftime"):
        try:
            return value.strftime("%Y-%m-%d")
        except ValueError:  # NaT
            return ""
    return value
