"""Text a user typed, made safe for the renderer it reaches: HTML, plotly, spreadsheets.

Everything a user typed is escaped here, so a risk titled ``<img src=x onerror=alert(1)>``
shows as text. Each renderer has its own rules, so each has its own helper:

- HTML (notebooks, reports, dashboards): :func:`esc`, and :func:`html_table`, :func:`badge`,
  :func:`kpi` built on it. Widgets, notebooks and dashboards build HTML only through these.
- plotly labels (titles, axis and tick labels, legend names, hover text, annotations):
  :func:`plotly_text`. Never pass :func:`esc` output to plotly: it shows ``&quot;`` as is.
- spreadsheets (every CSV or Excel export): :func:`spreadsheet_cell`,
  :func:`spreadsheet_frame` and :func:`csv_text`; imports undo the quoting with
  :func:`from_spreadsheet_cell`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "STATUS_COLOURS",
    "badge",
    "csv_text",
    "esc",
    "fmt_int",
    "fmt_pct",
    "frame_html",
    "from_spreadsheet_cell",
    "header_text",
    "html_table",
    "kpi",
    "plotly_text",
    "report_cell",
    "spreadsheet_cell",
    "spreadsheet_frame",
]

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


#: What plotly.js reads in label text (``svg_text_utils``): the tags b, i, em, s, u, sup, sub,
#: span (with a style), a (a link, with href and target) and br; the entities &amp; &lt;
#: &gt; &nbsp; &mu; &times; &plusmn; &deg; and numeric ones (others show as typed, hence a
#: literal ``&quot;``); text with two dollar signs is typeset as LaTeX when MathJax is on the
#: page; ``%{...}`` is a placeholder in hover and text templates. Encoding ``&``, ``<``, ``>``,
#: ``$`` and ``%`` as entities leaves none of these, and plotly decodes each entity once, so
#: the text shows exactly as typed.
_PLOTLY_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "$": "&#36;",
                                  "%": "&#37;"})


def plotly_text(value: Any, *, max_length: int | None = None) -> str:
    """User text for a plotly figure: shown as typed, never a link, markup, maths or a
    template placeholder.

    Use it for every title, axis title, tick text, category, legend name, hover text,
    annotation and template fragment that carries text a user typed (``None`` becomes
    ``""``). Markup of your own (``<br>``, ``<b>``) goes around the result.

    Parameters
    ----------
    max_length
        Cut longer text to this many characters, ending with an ellipsis (counted before
        encoding, so an entity is never cut in half).

    Examples
    --------
    >>> plotly_text('<a href="https://evil.example/">Sign in</a>')
    '&lt;a href="https://evil.example/"&gt;Sign in&lt;/a&gt;'
    >>> plotly_text("R&D: 5% of $10 &quot;")
    'R&amp;D: 5&#37; of &#36;10 &amp;quot;'
    """
    text = "" if value is None else str(value)
    if max_length is not None and len(text) > max_length:
        text = text[:max(max_length - 1, 0)] + "…"
    return text.translate(_PLOTLY_ENTITIES)


#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
_FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _formula_like(text: str) -> bool:
    """Text a spreadsheet could run: a formula character first, after any apostrophes we
    added (so quoting is reversible), and not a plain number such as ``-3`` or ``+0.5``."""
    bare = text.lstrip("'")
    return bool(bare) and bare[0] in _FORMULA_START and not _NUMBER.fullmatch(text)


def spreadsheet_cell(value: Any) -> Any:
    """A cell for a CSV or Excel export: text a spreadsheet would run as a formula gets a
    leading apostrophe (``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``).

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is quoted
    (OWASP's CSV injection rules); numbers, and text that is a number (``-3``), stay as
    they are. Text that starts with apostrophes before such a character gets one more, so
    :func:`from_spreadsheet_cell` gives back exactly what was exported.

    Examples
    --------
    >>> print(spreadsheet_cell('=HYPERLINK("https://evil.example","x")'))
    '=HYPERLINK("https://evil.example","x")
    >>> spreadsheet_cell("-3"), spreadsheet_cell(-3), spreadsheet_cell("- item")
    ('-3', -3, "'- item")
    """
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def from_spreadsheet_cell(value: str) -> str:
    """Undo :func:`spreadsheet_cell` on a cell read back from an exported file."""
    if value.startswith("'") and _formula_like(value[1:]) and _formula_like(value):
        return value[1:]
    return value


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name made safe for a spreadsheet
    (:func:`spreadsheet_cell`); numbers, dates and booleans are left as they are."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("str", "string"):
            out[col] = out[col].map(spreadsheet_cell).astype(object)
    out.columns = [spreadsheet_cell(str(c)) for c in out.columns]
    return out


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV of ``frame`` (no index, ``\n`` line ends), every cell spreadsheet-safe."""
    return spreadsheet_frame(frame).to_csv(index=False, lineterminator="\n")


def badge(label: str, colour: str | None = None, *, title: str | None = None) -> str:
    """A small coloured label; ``colour`` defaults from :data:`STATUS_COLOURS`."""
    colour = colour or STATUS_COLOURS.get(str(label).lower(), "#57606a")
    tip = f' title="{esc(title)}"' if title else ""
    return (f'<span class="wb-badge"{tip} style="display:inline-block;padding:1px 8px;'
            f'border-radius:10px;font-size:0.85em;color:#fff;background:{esc(colour)}">'
            f"{esc(label)}</span>")


def fmt_count(count: int, word: str, many: str | None = None) -> str:
    """A count and its noun, singular or plural: ``1 overdue action``, ``1,200 records``
    (``many`` for an irregular plural).

    >>> fmt_count(1, "record"), fmt_count(1200, "record"), fmt_count(2, "activity", "activities")
    ('1 record', '1,200 records', '2 activities')
    """
    return f"{int(count):,} {word if count == 1 else (many or word + 's')}"


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


# -- tables of records in reports --------------------------------------------------------------
#: Words a header made from a column name spells its own way (``risk_ids`` -> ``Risk IDs``).
HEADER_WORDS: dict[str, str] = {"id": "ID", "ids": "IDs", "ai": "AI", "eu": "EU", "nist": "NIST",
                                "soa": "SoA", "aims": "AIMS", "url": "URL",
                                "signoff": "sign-off"}

#: Columns whose values are codes (``not_required``, ``in_progress``): :func:`frame_html`
#: shows them as words (``not required``) unless told otherwise.
CODE_COLUMNS: tuple[str, ...] = (
    "status", "state", "stage", "signoff", "readiness", "outcome", "treatment", "severity",
    "decision", "role", "inherent_level", "residual_level", "level")


def header_text(name: Any) -> str:
    """A column name as a table header: ``system_name`` -> ``System name``,
    ``risk_ids`` -> ``Risk IDs`` (see :data:`HEADER_WORDS`).

    >>> header_text("system_name"), header_text("risk_ids"), header_text("Negligible")
    ('System name', 'Risk IDs', 'Negligible')
    """
    words = str(name).replace("_", " ").split()
    if not words:
        return ""
    shown = [HEADER_WORDS.get(w.lower(), w) for w in words]
    shown[0] = shown[0][:1].upper() + shown[0][1:]
    return " ".join(shown)


def report_cell(value: Any) -> str:
    """A cell as a reader expects it in a report (plain text, not escaped): empty for a missing
    value (None, NaN, NaT, pd.NA), ``yes``/``no`` for a boolean, a list joined with ``, ``, a
    date or timestamp as ``YYYY-MM-DD``.

    >>> report_cell(True), report_cell(None), report_cell(["a", "b"]), report_cell(2.5)
    ('yes', '', 'a, b', '2.5')
    """
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(report_cell(v) for v in value)
    if hasattr(value, "tolist") and not hasattr(value, "strftime") and getattr(value, "ndim", 0):
        return report_cell(list(value.tolist()))  # a numpy array held in a cell
    if isinstance(value, bool) or type(value).__name__ in ("bool", "bool_"):  # numpy too
        return "yes" if value else "no"
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError, ImportError):
        pass
    return str(_plain(value))


def frame_html(
    data: pd.DataFrame | Iterable[Mapping[str, Any]],
    columns: Sequence[str] | Mapping[str, str] | None = None,
    *,
    formatters: Mapping[str, Callable[[Any], str]] | None = None,
    codes: Iterable[str] = CODE_COLUMNS,
    empty: str = "Nothing to show.",
    max_rows: int | None = None,
) -> str:
    """A table of records for a report, built on :func:`html_table` (every cell escaped): full
    text, no index, readable headers (:func:`header_text` unless ``columns`` maps them),
    cells as :func:`report_cell` shows them, and the values of the ``codes`` columns as words
    (``not_required`` -> ``not required``).

    A DataFrame with a named index (a matrix such as the risk criteria) shows the index as its
    first column, headed by the index's name (and the columns' name: ``Likelihood \\
    consequence``). Cells of the columns given ``formatters`` reach their formatter unchanged.
    """
    index_header: dict[str, str] = {}
    if hasattr(data, "to_dict"):
        frame = data
        names = list(getattr(frame.index, "names", []))
        if len(names) == 1 and names[0] is not None:  # a matrix: its index is a column
            name = str(names[0])
            across = getattr(frame.columns, "name", None)
            index_header[name] = header_text(name) + (f" \\ {str(across).lower()}"
                                                       if across is not None else "")
            frame = frame.reset_index()
        rows = frame.to_dict(orient="records")
    else:
        rows = [dict(r) for r in data]
    if columns is None:
        columns = list(rows[0].keys()) if rows else []
    headers = (dict(columns) if isinstance(columns, Mapping)
               else {c: index_header.get(c) or header_text(c) for c in columns})
    formatters = dict(formatters or {})
    codes = set(codes)
    shown = []
    for row in rows:
        out = {}
        for col in headers:
            value = row.get(col)
            if col in formatters:
                out[col] = value
                continue
            text = report_cell(value)
            out[col] = text.replace("_", " ") if col in codes else text
        shown.append(out)
    return html_table(shown, headers, formatters=formatters, empty=empty, max_rows=max_rows)
