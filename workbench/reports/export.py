"""Exporting an executed report: HTML without input cells, interactive plotly figures, PDF.

Figures arrive from the kernel as ``application/vnd.plotly.v1+json`` outputs; the HTML export
turns each into a ``<div>`` drawn by plotly.js, which is embedded once in the page so a
report opens offline and stays identical wherever it is copied. PDF is printed by Chromium
(driven by Playwright, using the system browser: nothing is downloaded).

Offline: nbconvert's ``lab`` template loads require.js, MathJax and mermaid from a CDN; the
report template here extends it without those scripts (a report has no input cells, widgets
or math to typeset), and drops widget state, which would load the widget manager from a CDN.
Nothing in a report asks for a resource outside the file.

Print layout: a first page (the :class:`Cover`: system, title, period, date, store head, report
id); headings kept with what follows; figures drawn at the printed width so none is clipped;
every page's footer names the report and its page number.
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typing_extensions import Self

from workbench.errors import ConfigurationError

if TYPE_CHECKING:  # pragma: no cover
    import nbformat

__all__ = [
    "CHROMIUM_ENV",
    "CHROMIUM_FLAGS",
    "PLOTLY_MIME",
    "Cover",
    "PdfPrinter",
    "chromium_path",
    "cover_html",
    "to_html",
]

PLOTLY_MIME = "application/vnd.plotly.v1+json"
CHROMIUM_ENV = "WORKBENCH_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
#: Flags for a headless Chromium that talks to nobody (also used by the browser tests).
CHROMIUM_FLAGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")


def chromium_path() -> Path | None:
    """The Chromium executable: ``WORKBENCH_CHROMIUM``, else /usr/bin/chromium, else on PATH."""
    configured = os.environ.get(CHROMIUM_ENV, "").strip()
    candidates = [configured] if configured else [DEFAULT_CHROMIUM, shutil.which("chromium") or "",
                                                  shutil.which("chromium-browser") or ""]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def require_chromium() -> Path:
    """The Chromium executable, or a ConfigurationError saying how to get one."""
    path = chromium_path()
    if path is None:
        where = os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM
        raise ConfigurationError(
            f"PDF export needs Chromium and there is none at {where}: install it (e.g. "
            f"`apt-get install chromium`) or set {CHROMIUM_ENV} to its path; "
            "or export with --to html")
    return path


#: A4 with these margins (mm); figures are drawn at the printed width (``PRINT_WIDTH_PX``).
PAGE_MARGINS_MM = {"top": 16, "bottom": 18, "left": 12, "right": 12}
PRINT_WIDTH_PX = int((210 - PAGE_MARGINS_MM["left"] - PAGE_MARGINS_MM["right"]) * 96 / 25.4)

#: Reports read left to right (the notebook stylesheet right-aligns table cells); the first
#: page stands alone; a heading never ends a page, nor does an output that ends with a heading
#: and its one-line summary (the next output is what it introduces); a figure or table row is
#: never split (whole
#: cells may be: one cell can hold a report's every section). In print, the notebook's scroll
#: boxes and table-display wrappers become plain blocks: Chromium never breaks a page inside a
#: scroll container, so a long output would be pushed whole onto the next page and sliced
#: (JupyterLab's own print rule keeps every output whole, which does the same);
#: and a wide table wraps its words instead of running off the page (which would make Chromium
#: shrink every page to fit it).
_REPORT_CSS = """<style>
.jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th{text-align:left !important}
.jp-RenderedHTMLCommon table{margin-left:0}
.wb-cover{font-family:var(--jp-content-font-family,sans-serif);margin:0 0 2em;
  padding:1.5em 1.75em;border:1px solid #d0d7de;border-radius:4px;background:#f6f8fa}
.wb-cover .wb-cover-title{font-size:1.2em;color:#57606a;margin:0 0 .25em}
.wb-cover .wb-cover-system{font-size:2.1em;font-weight:600;margin:0 0 1em;line-height:1.2}
.wb-cover dl{display:grid;grid-template-columns:max-content 1fr;gap:.35em 1.25em;margin:0}
.wb-cover dt{color:#57606a}
.wb-cover dd{margin:0;overflow-wrap:anywhere}
.wb-cover code{font-size:.9em}
.wb-report-footer{margin:2em 0 1em;padding-top:.5em;border-top:1px solid #d0d7de;
  color:#57606a;font-size:.85em;overflow-wrap:anywhere}
@media print{
  .wb-cover{break-after:page;border:none;background:none;padding:30mm 0 0}
  .wb-cover .wb-cover-system{font-size:2.6em}
  .wb-report-footer{display:none}
  .jp-Notebook,.jp-Cell-inputWrapper,.jp-Cell-outputWrapper,.jp-OutputArea,
  .jp-OutputArea-child,.jp-OutputArea-output,.jp-RenderedHTMLCommon{display:block;overflow:visible}
  .jp-OutputArea-child{break-inside:auto}
  .jp-OutputArea-output pre{overflow:visible;white-space:pre-wrap}
  .jp-RenderedHTMLCommon table{table-layout:auto;max-width:100%}
  .jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th{overflow-wrap:break-word}
  table.wb-too-wide td,table.wb-too-wide th{padding:3px 4px !important}
  table.wb-far-too-wide td,table.wb-far-too-wide th{overflow-wrap:anywhere}
  h1,h2,h3,h4,h5,h6{break-after:avoid-page;break-inside:avoid-page}
  :is(h1,h2,h3,h4,h5,h6)+p{break-after:avoid-page}
  .jp-OutputArea-child:has(:is(h1,h2,h3,h4,h5,h6):last-child,
    :is(h1,h2,h3,h4,h5,h6)+:last-child){break-after:avoid-page}
  .jp-MarkdownCell:has(h1,h2,h3,h4,h5,h6){break-after:avoid-page}
  .wb-figure,.jp-RenderedImage,tr,img,svg,.wb-cover{break-inside:avoid-page}
  /* a label and its table: together on one page when they fit, the label never alone */
  .wb-keep{break-inside:avoid-page}
  .wb-keep>:first-child{break-after:avoid-page}
  .wb-figure{max-width:100%}
  /* Trailing padding after the last output must not spill onto a blank last page. */
  body,main,.jp-Notebook,.jp-Cell:last-child,.jp-Cell:last-child :is(.jp-Cell-outputWrapper,
    .jp-OutputArea,.jp-OutputArea-child:last-child,.jp-OutputArea-output,
    .jp-RenderedHTMLCommon,.jp-RenderedHTMLCommon>:last-child){padding-bottom:0 !important;
    margin-bottom:0 !important}
}
</style>"""


@dataclass(frozen=True)
class Cover:
    """What a report's first page says (all text is escaped where it is shown)."""

    title: str
    system_name: str | None
    system_id: str | None
    period: str
    date: str
    store_seq: int
    store_hash: str
    report_id: str
    template: str
    generated_by: str = ""


def cover_html(cover: Cover) -> str:
    """The first page: the system's name, the report's title, period, date, store head, id."""
    e = html.escape
    rows = [("Period", e(cover.period)), ("Date", e(cover.date))]
    if cover.system_id:
        rows.insert(0, ("AI system id", f"<code>{e(cover.system_id)}</code>"))
    head = f"entry #{cover.store_seq:,}, hash <code>{e(cover.store_hash)}</code>"
    rows += [("Store head", head),
             ("Report id", f"<code>{e(cover.report_id)}</code>"),
             ("Template", f"<code>{e(cover.template)}</code>")]
    if cover.generated_by:
        rows.append(("Generated by", e(cover.generated_by)))
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    headline = cover.system_name or cover.title
    title = f'<p class="wb-cover-title">{e(cover.title)}</p>' if cover.system_name else ""
    return (f'<section class="wb-cover" aria-label="report cover">{title}'
            f'<h1 class="wb-cover-system">{e(headline)}</h1><dl>{items}</dl></section>')


def _footer_html(cover: Cover) -> str:
    e = html.escape
    return (f'<footer class="wb-report-footer">Report <code>{e(cover.report_id)}</code> · '
            f"period {e(cover.period)} · store head entry #{cover.store_seq:,} · its SHA-256 "
            "is kept in the report's evidence record (<code>workbench report --verify "
            "FILE</code>)</footer>")


#: nbconvert's lab page without its CDN scripts (require.js, MathJax, mermaid, widgets).
_OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


@functools.lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@functools.lru_cache(maxsize=1)
def _exporter() -> Any:
    import jinja2
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="lab", template_file="wb_offline_report.html.j2",
                        extra_loaders=[jinja2.DictLoader(
                            {"wb_offline_report.html.j2": _OFFLINE_TEMPLATE})],
                        exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True)


def prepare() -> None:
    """Load the exporter and plotly.js ahead (a batch calls this while kernels start)."""
    import nbformat

    _plotly_js()
    to_html(nbformat.v4.new_notebook())  # compiles the exporter's templates once


def to_html(nb: nbformat.NotebookNode, *, title: str = "", cover: Cover | None = None) -> str:
    """The executed notebook as a standalone HTML page: outputs only, figures interactive.

    Error outputs are kept (a failing report shows what failed); papermill's own markers
    and the injected-parameters cell's source stay hidden like every input. With ``cover``,
    the page opens with it (the PDF's first page) and ends with a footer naming the report.
    """
    import copy

    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)  # widget state would load the widget manager from a CDN
    figures = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data and PLOTLY_MIME in data:
                figures += 1
                data["text/html"] = _figure_div(data[PLOTLY_MIME], figures)
    if title:
        nb.metadata["title"] = title
    exporter = _exporter()
    # Exporters are not thread-safe; a lock keeps parallel batches correct.
    with _EXPORT_LOCK:
        body, _ = exporter.from_notebook_node(nb)
    head = _REPORT_CSS
    if figures:
        head += f'<script type="text/javascript">{_plotly_js()}</script>'
    body = body.replace("</head>", head + "\n</head>", 1)
    if cover is not None:
        body = _BODY_OPEN.sub(lambda m: m.group(0) + cover_html(cover), body, count=1)
        at = body.rfind("</body>")
        body = body[:at] + _footer_html(cover) + body[at:]
    return body


_BODY_OPEN = re.compile(r"<body[^>]*>")


def _figure_div(spec: dict[str, Any], number: int) -> str:
    div_id = f"wb-figure-{number}"
    height = spec.get("layout", {}).get("height") or 450
    payload = json.dumps({"data": spec.get("data", []), "layout": spec.get("layout", {}),
                          "config": {"responsive": True, "displaylogo": False}})
    # "</" inside a script would end it early; escaping the slash keeps the JSON identical.
    payload = payload.replace("</", "<\\/")
    return (f'<div id="{div_id}" class="wb-figure" '
            f'style="width:100%;height:{int(height)}px"></div>'
            f'<script type="text/javascript">(function(){{var s={payload};'
            f'Plotly.newPlot("{div_id}",s.data,s.layout,s.config);}})();</script>')


_EXPORT_LOCK = threading.Lock()


class PdfPrinter:
    """Prints HTML files to PDF with one headless Chromium, reused for a whole batch.

    Use as a context manager::

        with PdfPrinter() as printer:
            printer.print(html_path, pdf_path)

    Playwright's synchronous API refuses to run in a thread whose asyncio event loop is
    running (as in a notebook kernel, or after an in-process nbclient run left one running),
    and its objects belong to the thread that made them. So the browser lives in one worker
    thread of its own: starting, printing and closing all run there, whatever thread calls.
    """

    def __init__(self, executable: Path | None = None, *, timeout_s: float = 60) -> None:
        self.executable = executable or require_chromium()
        self.timeout_ms = timeout_s * 1000
        self._pw: Any = None
        self._browser: Any = None
        self._worker: ThreadPoolExecutor | None = None

    def _run(self, fn: Any, *args: Any) -> Any:
        if self._worker is None:
            raise RuntimeError("PdfPrinter is used outside its `with` block")
        return self._worker.submit(fn, *args).result()

    def __enter__(self) -> Self:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wb-pdf")
        try:
            self._run(self._start)
        except BaseException:
            self._worker.shutdown(wait=True)
            self._worker = None
            raise
        return self

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(
                executable_path=str(self.executable), args=list(CHROMIUM_FLAGS), headless=True)
        except Exception as exc:  # noqa: BLE001 - reported as a configuration problem
            self._pw.stop()
            self._pw = None
            raise ConfigurationError(
                f"Chromium at {self.executable} did not start ({str(exc).splitlines()[0]}); "
                f"check the installation or set {CHROMIUM_ENV}") from None

    def __exit__(self, *exc: object) -> None:
        if self._worker is None:
            return
        try:
            self._run(self._stop)
        finally:
            self._worker.shutdown(wait=True)
            self._worker = None

    def _stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._pw is not None:
            self._pw.stop()
            self._pw = None

    def print(self, html_path: Path, pdf_path: Path, *, header: str = "",
              footer: str = "") -> None:
        """Render ``html_path`` (figures drawn) and write an A4 PDF to ``pdf_path``.

        Every page carries ``header`` at its top and ``footer``
        and "page N of M" at its bottom (both plain text, escaped here).
        """
        self._run(self._print, Path(html_path), Path(pdf_path), header, footer)

    def _print(self, html_path: Path, pdf_path: Path, header: str, footer: str) -> None:
        # The viewport is the printed width, so plotly draws each figure at the size it is
        # printed (a figure drawn for a wider window is clipped on paper).
        page = self._browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1100})
        try:
            page.goto(html_path.resolve().as_uri(), wait_until="load", timeout=self.timeout_ms)
            # Every figure div gets plotly's SVG once drawn.
            page.wait_for_function(
                "Array.from(document.querySelectorAll('.wb-figure'))"
                ".every(d => d.querySelector('.main-svg'))", timeout=self.timeout_ms)
            page.emulate_media(media="print")
            page.evaluate(_MARK_WIDE_TABLES)
            page.pdf(path=str(pdf_path), format="A4", print_background=True,
                     display_header_footer=True, header_template=_header_template(header),
                     footer_template=_footer_template(footer),
                     margin={k: f"{v}mm" for k, v in PAGE_MARGINS_MM.items()})
        finally:
            page.close()


#: A table wider than its box gets tighter cells and a smaller font, step by step, until it
#: fits; only if it still does not may it break words anywhere.
_MARK_WIDE_TABLES = """() => {
  const wide = t => t.getBoundingClientRect().width >
                    t.parentElement.getBoundingClientRect().width + 1;
  document.querySelectorAll('table').forEach(t => {
    if (!wide(t)) return;
    t.classList.add('wb-too-wide');
    for (const size of ['0.85em', '0.78em', '0.72em', '0.66em', '0.6em']) {
      t.style.setProperty('font-size', size, 'important');
      if (!wide(t)) return;
    }
    t.classList.add('wb-far-too-wide');
  });
}"""

_MARGIN_STYLE = ("font-family:sans-serif;font-size:7pt;color:#57606a;width:100%;"
                 f"margin:0 {PAGE_MARGINS_MM['left']}mm;")


def _header_template(text: str) -> str:
    if not text:
        return "<span></span>"  # Chromium's default header (date, title) says nothing useful
    return f'<div style="{_MARGIN_STYLE}">{html.escape(text)}</div>'


def _footer_template(text: str) -> str:
    return (f'<div style="{_MARGIN_STYLE}display:flex;justify-content:space-between;gap:6mm">'
            f'<span style="overflow-wrap:anywhere">{html.escape(text)}</span>'
            '<span style="white-space:nowrap">page <span class="pageNumber"></span> of '
            '<span class="totalPages"></span></span></div>')
