"""Running report templates with papermill: one system, or every system in parallel.

A batch runs in one process: papermill is imported once, each report gets a fresh kernel
started ahead (see :mod:`workbench.reports.kernels`), and exports happen as reports finish.
Every file is written to a temporary folder inside the output folder and renamed into place
when complete, so an interrupted run leaves nothing half-written. A failing report does not
stop the others; its executed notebook is kept (papermill puts the error at the top) and
the failure names the system and the cell. A report whose kernel never started leaves a
``.failed.ipynb`` too: the parameterized template with the reason on top.

Each report has an id (``report_id``), the id of its evidence record, made before export so the
report can carry it: the first page and every PDF page footer name it together with the store
head the report saw; see :mod:`workbench.reports.records`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from workbench.errors import (
    ConfigurationError,
    NotFoundError,
    ValidationError,
    WorkbenchError,
)
from workbench.reports.templates import Template, coerce_value, find_template

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = [
    "FORMATS",
    "ReportPlan",
    "ReportResult",
    "default_period",
    "execute_plan",
    "output_stem",
    "parse_shard",
    "plan_reports",
    "run_reports",
    "shard_of",
    "summarize",
]

FORMATS = ("html", "pdf", "ipynb")
Format = Literal["html", "pdf", "ipynb"]
SYSTEM_PARAMETER = "system_id"
#: How long a cell may wait for its last output after its reply before the report fails (not,
#: as nbclient's default, four seconds after which the outputs still in flight are dropped).
IOPUB_TIMEOUT_S = 120
_PERIOD_MAX = 40


class ReportResult(BaseModel):
    """What happened to one report of a batch."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    template: str
    system_id: str | None = None
    ok: bool
    output: Path | None = None  # the report written (html, pdf or ipynb)
    failed_notebook: Path | None = None  # kept when the report failed
    evidence_id: str | None = None
    report_id: str = ""  # the id printed on the report (its evidence id when recorded)
    output_hash: str = ""
    store_head: tuple[int, str] | None = None  # (seq, entry hash) when the report started
    duration_s: float = 0.0
    error: str = ""  # one line: what failed, where
    cell_index: int | None = None
    exec_count: int | None = None
    ename: str = ""
    evalue: str = ""

    def describe(self) -> str:
        who = self.system_id or self.template
        if self.ok:
            return f"{who}: written to {self.output}"
        kept = f"; its notebook is kept at {self.failed_notebook}" if self.failed_notebook else ""
        return f"{who}: {self.error or 'failed'}{kept}"


class ReportPlan(BaseModel):
    """A validated batch: everything checked before any kernel starts."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    template: Template
    systems: list[str | None]
    system_names: dict[str, str] = {}
    parameters: dict[str, Any] = {}
    to: Format = "html"
    out_dir: Path
    jobs: int = 1
    store_url: str
    record_evidence: bool = True
    period: str = ""
    shard: tuple[int, int] | None = None
    batch_size: int = 0  # systems in the whole batch (before sharding)


def default_period(today: dt.date | None = None) -> str:
    """The calendar quarter of ``today`` (``2026-Q4``): a report's period unless one is given."""
    today = today or dt.date.today()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def parse_shard(text: str | tuple[int, int] | None) -> tuple[int, int] | None:
    """``"K/N"`` (or ``(K, N)``) checked: 1 <= K <= N.

    Raises
    ------
    ValidationError
        Not two whole numbers K/N, or K outside 1..N.
    """
    if text is None or text == "":
        return None
    if isinstance(text, tuple):
        k, n = text
        shown = f"{k}/{n}"
    else:
        shown = str(text).strip()
        match = re.fullmatch(r"(\d{1,6})/(\d{1,6})", shown)
        if not match:
            raise ValidationError(f"--shard {shown}: write K/N, this run's part K of N "
                                  "(e.g. 2/4)", [("shard", "expected K/N")])
        k, n = int(match[1]), int(match[2])
    if n < 1:
        raise ValidationError(f"--shard {shown}: N is the number of parts; give 1 or more",
                              [("shard", "N < 1")])
    if not 1 <= k <= n:
        raise ValidationError(f"--shard {shown}: K counts the parts from 1 to {n}; give "
                              f"K/N with 1 <= K <= N (e.g. 1/{n})", [("shard", "K outside 1..N")])
    return k, n


def shard_of(systems: Sequence[str], shard: tuple[int, int]) -> list[str]:
    """Part K of N of a batch: every N-th system id in sorted order, starting at the K-th.

    Deterministic (it depends only on the sorted ids), so N workers that each take one part
    together run every system exactly once; part sizes differ by at most one.
    """
    k, n = shard
    return sorted(systems)[k - 1::n]


def output_stem(template: str, system_id: str | None) -> str:
    return f"{template}-{system_id}" if system_id else template


def _may_record(store: Store) -> None:
    """Refuse, before anything runs, a batch whose reports could not be recorded as evidence
    by the acting user (not a person in the store, or no role that records reports)."""
    import datetime as dt

    from workbench.errors import PermissionDeniedError
    from workbench.model import Evidence

    probe = Evidence(id="report-permission-check", title="a report", evidence_kind="report",
                     uri="file:///report", collected_by=store.acting_user(),
                     collected_at=dt.datetime.now(dt.timezone.utc))
    refused = store.refusals([(probe, None)])
    if refused:
        why = refused[0][1].replace(f"evidence {probe.id!r}", "a report's evidence")
        raise PermissionDeniedError(f"{why}; no report was run (each report is recorded as "
                                    "evidence; --no-evidence runs without)")


def plan_reports(store: Store, template: str | Path, *,
                 system: str | Sequence[str] | None = None, all_systems: bool = False,
                 to: str = "html", out_dir: str | Path = "reports",
                 jobs: int = 1, parameters: Mapping[str, str] | None = None,
                 record_evidence: bool = True, period: str | None = None,
                 shard: str | tuple[int, int] | None = None) -> ReportPlan:
    """Check a report request against the template and the store; nothing runs yet.

    Parameters
    ----------
    store
        The store the reports read (and where they are recorded as evidence).
    template
        A template name (``system_report``) or a path to a notebook.
    system, all_systems
        One AI system (or a list of them), or every AI system in the store; they fill
        ``system_id``.
    to
        ``html`` (default), ``pdf`` (needs Chromium) or ``ipynb``.
    out_dir
        Folder for the reports (created when missing).
    jobs
        Reports run at the same time.
    parameters
        ``-p key=value`` texts; keys must be declared by the template, values are read as
        the declared default's type.
    period
        The period the report covers, shown on its first page (default: this calendar
        quarter, ``2026-Q4``).
    shard
        ``"K/N"``: with ``all_systems``, run only part K of N of the batch
        (:func:`shard_of`), so N scheduled workers share it.

    Raises
    ------
    NotFoundError
        Unknown template or AI system.
    ValidationError
        A parameter the template does not declare, a value of the wrong type, a bad option.
    ConfigurationError
        An output folder that cannot be written; PDF without Chromium.
    """
    tpl = find_template(template)
    if to not in FORMATS:
        raise ValidationError(f"--to {to}: choose one of {', '.join(FORMATS)}")
    if jobs < 1:
        raise ValidationError(f"--jobs {jobs}: give 1 or more")
    if system and all_systems:
        raise ValidationError("give --system ID or --all, not both")
    part = parse_shard(shard)
    if part is not None and not all_systems:
        raise ValidationError("--shard splits an --all batch; give --all too")
    period_text = _period(period)
    values = _parameters(tpl, parameters or {})
    if tpl.parameter(INTERACTIVE_PARAMETER) is not None:
        # a report is static: widgets (there for JupyterLab) would print as Python reprs
        values.setdefault(INTERACTIVE_PARAMETER, False)
    declares_system = tpl.parameter(SYSTEM_PARAMETER) is not None
    if (system or all_systems) and not declares_system:
        raise ValidationError(f"template {tpl.name!r} declares no {SYSTEM_PARAMETER} "
                              "parameter, so it takes no --system/--all; run it without them")
    if (system or all_systems) and SYSTEM_PARAMETER in values:
        raise ValidationError(f"give the system with --system or -p {SYSTEM_PARAMETER}=…, "
                              "not both")
    names = {v.record_id: v.content.get("name", v.record_id) for v in store.latest("ai_system")}
    batch_size = 1
    if all_systems:
        systems: list[str | None] = sorted(names)
        if not systems:
            raise NotFoundError("--all: the store holds no AI systems yet; register one first "
                                "(`workbench systems list` shows the inventory)")
        batch_size = len(systems)
        if part is not None:
            systems = list(shard_of(names, part))
    elif declares_system:
        # never the notebook's own default: a batch names what it reports on
        chosen = system or values.pop(SYSTEM_PARAMETER, None)
        portfolio = tpl.parameter(SYSTEM_PARAMETER).default == ""
        if not chosen and portfolio:
            systems = [None]  # its system_id defaults to empty: the whole portfolio
        elif not chosen:
            raise ValidationError(f"template {tpl.name!r} reports on one AI system: give "
                                  "--system ID or --all")
        else:
            systems = [chosen] if isinstance(chosen, str) else list(dict.fromkeys(chosen))
        batch_size = len(systems)
        for one in systems:
            if one is not None and one not in names:
                raise NotFoundError(f"no AI system {one!r} in the store; `workbench systems "
                                    "list` shows the ids")
    else:
        systems = [None]
    if to == "pdf":
        from workbench.reports.export import require_chromium

        require_chromium()
    if record_evidence:
        _may_record(store)
    from workbench.store import resolve_url

    return ReportPlan(template=tpl, systems=systems, system_names=names, parameters=values,
                      to=to, out_dir=_writable_folder(Path(out_dir)), jobs=jobs,
                      store_url=absolute_store_url(resolve_url(store.url)),
                      record_evidence=record_evidence, period=period_text, shard=part,
                      batch_size=batch_size)


def run_reports(store: Store, template: str | Path, *,
                on_result: Callable[[ReportResult], None] | None = None,
                **options: Any) -> list[ReportResult]:
    """Plan and run reports (see :func:`plan_reports` for the options).

    Returns one :class:`ReportResult` per report, in the order of the systems; failures are
    results with ``ok=False``, never exceptions, so one system cannot stop the others.
    """
    plan = plan_reports(store, template, **options)
    return execute_plan(store, plan, on_result=on_result)


def execute_plan(store: Store, plan: ReportPlan, *,
                 on_result: Callable[[ReportResult], None] | None = None) -> list[ReportResult]:
    """Run a checked :class:`ReportPlan`: kernels ahead, parallel executions, atomic outputs."""
    from workbench.reports.kernels import KernelPool

    if not plan.systems:  # an empty shard
        return []
    env = {**os.environ, "WORKBENCH_DATABASE_URL": plan.store_url}
    work = Path(tempfile.mkdtemp(prefix=".wb-report-", dir=plan.out_dir))
    results: dict[int, ReportResult] = {}
    printer = None
    # Kernels boot in their own processes while this one imports papermill and the exporter.
    pool = KernelPool(count=len(plan.systems), ahead=plan.jobs,
                      kernel_name=plan.template.kernel_name, env=env,
                      warm=plan.template.imports)
    try:
        _import_papermill()

        if plan.to != "ipynb":
            from workbench.reports import export

            export.prepare()
        if plan.to == "pdf":
            printer = export.PdfPrinter().__enter__()
        template_hash = plan.template.file_hash()
        with ThreadPoolExecutor(max_workers=plan.jobs, thread_name_prefix="wb-report") as ex:
            futures = {ex.submit(_execute_one, store, plan, system, pool, work): i
                       for i, system in enumerate(plan.systems)}
            for future in as_completed(futures):
                index = futures[future]
                system, executed = plan.systems[index], future.result()
                result = _finish(store, plan, system, executed, printer, template_hash)
                results[index] = result
                if on_result is not None:
                    on_result(result)
    finally:
        pool.close()
        if printer is not None:
            printer.__exit__(None, None, None)
        shutil.rmtree(work, ignore_errors=True)
    return [results[i] for i in sorted(results)]


# -- one report -------------------------------------------------------------------------------
class _Executed:
    __slots__ = ("duration", "error", "head", "nb_path", "parameters", "started", "stderr")

    def __init__(self, nb_path: Path, parameters: dict[str, Any]) -> None:
        self.nb_path = nb_path
        self.parameters = parameters
        self.error: Any = None
        self.duration = 0.0
        self.started = dt.datetime.now(dt.timezone.utc)
        self.head: tuple[int, str] | None = None
        self.stderr = ""  # the kernel's last stderr line, when it died while running


def _execute_one(store: Store, plan: ReportPlan, system: str | None, pool: Any,
                 work: Path) -> _Executed:
    """Run papermill on a warmed kernel (worker thread); never raises for a notebook error."""
    import papermill as pm

    params = dict(plan.parameters)
    if system is not None:
        params[SYSTEM_PARAMETER] = system
    executed = _Executed(work / f"{output_stem(plan.template.name, system)}.ipynb", params)
    start = time.perf_counter()
    km = None
    try:
        km = pool.take()
        executed.started = dt.datetime.now(dt.timezone.utc)
        executed.head = store.head_entry()  # what the store held when the report began
        pm.execute_notebook(str(plan.template.path), str(executed.nb_path), parameters=params,
                            kernel_name=plan.template.kernel_name, progress_bar=False,
                            request_save_on_cell_execute=False, km=km,
                            iopub_timeout=IOPUB_TIMEOUT_S, raise_on_iopub_timeout=True)
    except Exception as exc:  # noqa: BLE001 - a notebook error, a kernel that did not start or
        executed.error = exc  # died, a timeout: each fails this report only
        if km is not None:
            executed.stderr = pool.stderr_tail(km)
    finally:
        if km is not None:
            pool.release(km)
        executed.duration = time.perf_counter() - start
    return executed


def _finish(store: Store, plan: ReportPlan, system: str | None, executed: _Executed,
            printer: Any, template_hash: str) -> ReportResult:
    """Export, rename into place and record evidence (main thread)."""
    from workbench.reports import records

    stem = output_stem(plan.template.name, system)
    base = {"template": plan.template.name, "system_id": system, "duration_s": executed.duration,
            "store_head": executed.head}
    failed_path = plan.out_dir / f"{stem}.failed.ipynb"
    if executed.error is not None:
        return _failure(plan, base, executed, failed_path)
    try:
        notebook_hash = _sha256(executed.nb_path)
        report = records.ReportIdentity(
            report_id=records.report_id(plan.template.name, system, executed.started,
                                        notebook_hash),
            template=plan.template.name, title=plan.template.title or plan.template.name,
            system_id=system, system_name=plan.system_names.get(system, system) if system
            else None, period=plan.period, started=executed.started,
            store_head=executed.head or (0, ""), notebook_hash=notebook_hash)
        final = plan.out_dir / f"{stem}.{plan.to}"
        produced, html_hash = _export(plan, report, executed.nb_path, printer)
        output_hash = _sha256(produced)
        os.replace(produced, final)
    except Exception as exc:  # noqa: BLE001 - reported on this report, the batch goes on
        executed.error = exc
        return _failure(plan, base, executed, failed_path, stage="export")
    if failed_path.exists():
        failed_path.unlink()  # an older failure of the same report is no longer current
    evidence_id = None
    if plan.record_evidence:
        try:
            evidence_id = records.record_report(
                store, report, template=plan.template, system_ids=[system] if system else [],
                final=final, fmt=plan.to, output_hash=output_hash, html_hash=html_hash,
                template_hash=template_hash, parameters=executed.parameters,
                store_url=plan.store_url, duration=executed.duration,
                shard=f"{plan.shard[0]}/{plan.shard[1]}" if plan.shard else None)
        except WorkbenchError as exc:  # the report stands; the batch goes on
            return ReportResult(**base, ok=False, output=final, output_hash=output_hash,
                                report_id=report.report_id, ename=type(exc).__name__,
                                evalue=str(exc), error=f"written to {final} but not recorded "
                                f"as evidence: {exc}")
    return ReportResult(**base, ok=True, output=final, output_hash=output_hash,
                        evidence_id=evidence_id, report_id=report.report_id)


def _failure(plan: ReportPlan, base: dict[str, Any], executed: _Executed, failed_path: Path,
             stage: str = "run") -> ReportResult:
    """A failed report's result; its notebook is always kept, the reason on top."""
    from papermill.exceptions import PapermillExecutionError

    exc = executed.error
    if isinstance(exc, PapermillExecutionError):  # papermill put the error on top already
        os.replace(executed.nb_path, failed_path)
        value = (exc.evalue or "").strip().splitlines()
        first_line = next((ln.strip() for ln in (exc.source or "").splitlines() if ln.strip()), "")
        if len(first_line) > 50:
            first_line = first_line[:49] + "…"
        cell = f"cell In [{exc.exec_count}] ({first_line})" if first_line else \
            f"cell In [{exc.exec_count}]"
        message = f"{cell} raised {exc.ename}: {value[0] if value else ''}".rstrip(": ")
        return ReportResult(**base, ok=False, failed_notebook=failed_path, error=message,
                            cell_index=exc.cell_index, exec_count=exc.exec_count,
                            ename=exc.ename, evalue=exc.evalue)
    first = (str(exc).strip().splitlines() or [""])[0] or type(exc).__name__
    if executed.stderr and executed.stderr not in first:
        first += f"; the kernel's stderr ends: {executed.stderr}"
    what = "export failed" if stage == "export" else "the report did not run"
    error = f"{what}: {type(exc).__name__}: {first}"
    kept = _keep_failed_notebook(plan, executed, failed_path, error)
    return ReportResult(**base, ok=False, failed_notebook=kept, ename=type(exc).__name__,
                        evalue=first, error=error)


def _keep_failed_notebook(plan: ReportPlan, executed: _Executed, failed_path: Path,
                          error: str) -> Path | None:
    """Write ``NAME.failed.ipynb``: what ran (or the parameterized template, when its kernel
    never started) with the reason in a cell on top, in papermill's manner."""
    import nbformat
    from papermill.execute import ERROR_MARKER_TAG, ERROR_STYLE
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    try:
        if executed.nb_path.exists():
            nb = nbformat.read(str(executed.nb_path), as_version=4)
        else:
            nb = parameterize_notebook(load_notebook_node(str(plan.template.path)),
                                       executed.parameters,
                                       kernel_name=plan.template.kernel_name)
        cell = nbformat.v4.new_markdown_cell(
            f"<span {ERROR_STYLE}>The report failed.</span>\n\n{_markdown_text(error)}")
        cell.metadata["tags"] = [ERROR_MARKER_TAG]
        nb.cells.insert(0, cell)
        tmp = executed.nb_path.with_suffix(".failed.tmp")
        nbformat.write(nb, str(tmp))
        os.replace(tmp, failed_path)
    except Exception:  # noqa: BLE001 - the one-line reason is still in the result
        return None
    return failed_path


def _markdown_text(text: str) -> str:
    """Text shown literally in a markdown cell (no markup, no HTML)."""
    import html

    return re.sub(r"([\\`*_{}\[\]()#+!|<>-])", r"\\\1", html.escape(text, quote=False))


def _export(plan: ReportPlan, report: Any, nb_path: Path, printer: Any) -> tuple[Path, str]:
    """The report file (in the work folder) and the SHA-256 of the HTML it was made from."""
    if plan.to == "ipynb":
        return nb_path, ""
    import nbformat

    from workbench.reports.export import to_html

    nb = nbformat.read(str(nb_path), as_version=4)
    html_path = nb_path.with_suffix(".html")
    html_path.write_bytes(to_html(nb, title=report.heading, cover=report.cover()).encode())
    html_hash = _sha256(html_path)
    if plan.to == "html":
        return html_path, html_hash
    pdf_path = nb_path.with_suffix(".pdf")
    printer.print(html_path, pdf_path, header=report.heading,
                  footer=report.footer(html_hash))
    return pdf_path, html_hash


def _import_papermill() -> None:
    """Import papermill once for the batch, before worker threads start, without its slowest part.

    papermill imports nbformat, which imports jsonschema, whose format checkers import
    ``rfc3987_syntax`` when it is installed: that compiles 39 grammars (about 0.9 s, most of
    papermill's import time here) only to check "iri" string formats, which the notebook
    schema does not use. Hiding that optional module while jsonschema loads skips it; if
    jsonschema is already loaded, nothing changes.
    """
    if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment] # an ImportError
        try:
            import jsonschema  # noqa: F401
        finally:
            del sys.modules["rfc3987_syntax"]
    import papermill  # noqa: F401


# -- checks -------------------------------------------------------------------------------------
def _period(period: str | None) -> str:
    if period is None or not str(period).strip():
        return default_period()
    text = str(period).strip()
    if len(text) > _PERIOD_MAX or not text.isprintable():
        raise ValidationError(f"--period: give a short label of up to {_PERIOD_MAX} printable "
                              "characters (e.g. 2026-Q4)", [("period", "too long or unprintable")])
    return text


#: A template parameter that adds widgets when True; reports always run it False.
INTERACTIVE_PARAMETER = "interactive"


def _parameters(tpl: Template, given: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, text in given.items():
        declared = tpl.parameter(key)
        if declared is None:
            names = ", ".join(tpl.parameter_names) or "none"
            raise ValidationError(f"-p {key}: template {tpl.name!r} declares no parameter "
                                  f"{key!r}; it declares: {names}", [(key, "not declared")])
        values[key] = coerce_value(declared, text) if isinstance(text, str) else text
        _check_date(declared, values[key])
    return values


def _check_date(declared: Any, value: Any) -> None:
    """A parameter the template documents as a date (``YYYY-MM-DD`` in its meaning, or named
    ``as_of``) is refused before anything runs unless it is empty or a real date."""
    import datetime as dt

    if not isinstance(value, str) or not value.strip():
        return
    if declared.name != "as_of" and "YYYY-MM-DD" not in (declared.help or ""):
        return
    try:
        dt.date.fromisoformat(value.strip())
    except ValueError:
        meaning = f" ({declared.help})" if declared.help else ""
        raise ValidationError(f"-p {declared.name}={value}: not a date; use YYYY-MM-DD"
                              f"{meaning}",
                              [(declared.name, "not a date")]) from None


def _writable_folder(path: Path) -> Path:
    """Create the output folder if needed and prove it can be written; one-line errors."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".wb-probe-", delete=True):
            pass
    except FileExistsError:
        raise ConfigurationError(f"cannot write reports to {str(path)!r}: it is a file, not a "
                                 "folder; choose another --out") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigurationError(f"cannot write reports to {str(path)!r}: {reason}; choose "
                                 "another --out") from None
    return path.resolve()


def absolute_store_url(url: str) -> str:
    """A SQLite URL with an absolute path (kernels may run in another folder)."""
    from workbench.store import _engine

    parsed = _engine.parse_url(url)
    path = _engine.sqlite_path(parsed)
    if path is None or path.is_absolute():
        return url
    return f"sqlite:///{path.resolve()}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def summarize(results: Sequence[ReportResult]) -> str:
    """One line: how many reports were written and which failed."""
    failed = [r for r in results if not r.ok]
    if not failed:
        return f"{len(results)} report{'s' if len(results) != 1 else ''} written"
    names = ", ".join(r.system_id or r.template for r in failed)
    return f"{len(failed)} of {len(results)} reports failed ({names})"
