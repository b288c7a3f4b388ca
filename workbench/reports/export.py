"""Exporting an executed report: HTML without input cells, interactive plotly figures, PDF.

Figures arrive from the kernel as ``application/vnd.plotly.v1+json`` outputs; the HTML export
turns each into a ``<div>`` drawn by plotly.js, which is embedded once in the page so a
report opens offline and stays identical wherever it is copied. PDF is printed by Chromium
(driven by Playwright, using the system browser: nothing is downloaded).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
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
    "PdfPrinter",
    "chromium_path",
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


#: Reports read left to right: the notebook stylesheet right-aligns table cells.
_REPORT_CSS = ("<style>.jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th"
               "{text-align:left !important}"
               ".jp-RenderedHTMLCommon table{margin-left:0}"
               "@media print{.jp-Cell{break-inside:avoid-page}}</style>")


@functools.lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@functools.lru_cache(maxsize=1)
def _exporter() -> Any:
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True)


def prepare() -> None:
    """Load the exporter and plotly.js ahead (a batch calls this while kernels start)."""
    import nbformat

    _plotly_js()
    to_html(nbformat.v4.new_notebook())  # compiles the exporter's templates once


def to_html(nb: nbformat.NotebookNode, *, title: str = "") -> str:
    """The executed notebook as a standalone HTML page: outputs only, figures interactive.

    Error outputs are kept (a failing report shows what failed); papermill's own markers
    and the injected-parameters cell's source stay hidden like every input.
    """
    import copy

    nb = copy.deepcopy(nb)
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
    return body.replace("</head>", head + "\n</head>", 1)


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

    def print(self, html_path: Path, pdf_path: Path) -> None:
        """Render ``html_path`` (figures drawn) and write an A4 PDF to ``pdf_path``."""
        self._run(self._print, Path(html_path), Path(pdf_path))

    def _print(self, html_path: Path, pdf_path: Path) -> None:
        page = self._browser.new_page()
        try:
            page.goto(html_path.resolve().as_uri(), wait_until="load", timeout=self.timeout_ms)
            # Every figure div gets plotly's SVG once drawn.
            page.wait_for_function(
                "Array.from(document.querySelectorAll('.wb-figure'))"
                ".every(d => d.querySelector('.main-svg'))", timeout=self.timeout_ms)
            page.emulate_media(media="print")
            page.pdf(path=str(pdf_path), format="A4", print_background=True,
                     margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
        finally:
            page.close()
