"""Running report templates with papermill: one system, or every system in parallel.

A batch runs in one process: papermill is imported once, each report gets a fresh kernel
started ahead (see :mod:`workbench.reports.kernels`), and exports happen as reports finish.
Every file is written to a temporary folder inside the output folder and renamed into place
when complete, so an interrupted run leaves nothing half-written. A failing report does not
stop the others; its executed notebook is kept (papermill puts the error at the top) and
the failure names the system and the cell.
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

from workbench.errors import ConfigurationError, NotFoundError, ValidationError
from workbench.reports.templates import Template, coerce_value, find_template

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = [
    "FORMATS",
    "ReportPlan",
    "ReportResult",
    "execute_plan",
    "output_stem",
    "plan_reports",
    "run_reports",
    "summarize",
]

FORMATS = ("html", "pdf", "ipynb")
Format = Literal["html", "pdf", "ipynb"]
SYSTEM_PARAMETER = "system_id"


class ReportResult(BaseModel):
    """What happened to one report of a batch."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    template: str
    system_id: str | None = None
    ok: bool
    output: Path | None = None  # the report written (html, pdf or ipynb)
    failed_notebook: Path | None = None  # kept when the report failed
    evidence_id: str | None = None
    output_hash: str = ""
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
        return f"{who}: {self.error}{kept}"


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


def output_stem(template: str, system_id: str | None) -> str:
    return f"{template}-{system_id}" if system_id else template


def plan_reports(store: Store, template: str | Path, *,
                 system: str | Sequence[str] | None = None, all_systems: bool = False,
                 to: str = "html", out_dir: str | Path = "reports",
                 jobs: int = 1, parameters: Mapping[str, str] | None = None,
                 record_evidence: bool = True) -> ReportPlan:
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
    values = _parameters(tpl, parameters or {})
    declares_system = tpl.parameter(SYSTEM_PARAMETER) is not None
    if (system or all_systems) and not declares_system:
        raise ValidationError(f"template {tpl.name!r} declares no {SYSTEM_PARAMETER} "
                              "parameter, so it takes no --system/--all; run it without them")
    if (system or all_systems) and SYSTEM_PARAMETER in values:
        raise ValidationError(f"give the system with --system or -p {SYSTEM_PARAMETER}=…, "
                              "not both")
    names = {v.record_id: v.content.get("name", v.record_id) for v in store.latest("ai_system")}
    if all_systems:
        systems: list[str | None] = sorted(names)
        if not systems:
            raise NotFoundError("--all: the store holds no AI systems yet; register one first "
                                "(`workbench systems list` shows the inventory)")
    elif declares_system:
        chosen = system or values.pop(SYSTEM_PARAMETER, None) or tpl.parameter(
            SYSTEM_PARAMETER).default  # type: ignore[union-attr]
        if not chosen:
            raise ValidationError(f"template {tpl.name!r} reports on one AI system: give "
                                  "--system ID or --all")
        systems = [chosen] if isinstance(chosen, str) else list(dict.fromkeys(chosen))
        for one in systems:
            if one not in names:
                raise NotFoundError(f"no AI system {one!r} in the store; `workbench systems "
                                    "list` shows the ids")
    else:
        systems = [None]
    if to == "pdf":
        from workbench.reports.export import require_chromium

        require_chromium()
    from workbench.store import resolve_url

    return ReportPlan(template=tpl, systems=systems, system_names=names, parameters=values,
                      to=to, out_dir=_writable_folder(Path(out_dir)), jobs=jobs,
                      store_url=absolute_store_url(resolve_url(store.url)),
                      record_evidence=record_evidence)


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
            futures = {ex.submit(_execute_one, plan, system, pool, work): i
                       for i, system in enumerate(plan.systems)}
            for future in as_completed(futures):
                index = futures[future]
                system, executed = plan.systems[index], future.result()
                result = _finish(store, plan, system, executed, work, printer, template_hash)
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
    __slots__ = ("duration", "error", "nb_path", "parameters")

    def __init__(self, nb_path: Path, error: Any, duration: float, parameters: dict[str, Any]):
        self.nb_path = nb_path
        self.error = error
        self.duration = duration
        self.parameters = parameters


def _execute_one(plan: ReportPlan, system: str | None, pool: Any, work: Path) -> _Executed:
    """Run papermill on a warmed kernel (worker thread); never raises for a notebook error."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    params = dict(plan.parameters)
    if system is not None:
        params[SYSTEM_PARAMETER] = system
    nb_path = work / f"{output_stem(plan.template.name, system)}.ipynb"
    start = time.perf_counter()
    error: Any = None
    km = None
    try:
        km = pool.take()
        pm.execute_notebook(str(plan.template.path), str(nb_path), parameters=params,
                            kernel_name=plan.template.kernel_name, progress_bar=False,
                            request_save_on_cell_execute=False, km=km)
    except PapermillExecutionError as exc:
        error = exc
    except Exception as exc:  # noqa: BLE001 - a kernel crash or timeout fails this report only
        error = exc
    finally:
        if km is not None:
            pool.release(km)
    return _Executed(nb_path, error, time.perf_counter() - start, params)


def _finish(store: Store, plan: ReportPlan, system: str | None, executed: _Executed, work: Path,
            printer: Any, template_hash: str) -> ReportResult:
    """Export, rename into place and record evidence (main thread)."""
    stem = output_stem(plan.template.name, system)
    base = {"template": plan.template.name, "system_id": system, "duration_s": executed.duration}
    failed_path = plan.out_dir / f"{stem}.failed.ipynb"
    if executed.error is not None:
        return _failure(base, executed, failed_path)
    try:
        final = plan.out_dir / f"{stem}.{plan.to}"
        produced = _export(plan, system, executed.nb_path, work, printer)
        output_hash = _sha256(produced)
        os.replace(produced, final)
    except Exception as exc:  # noqa: BLE001 - reported on this report, the batch goes on
        executed.error = exc
        return _failure(base, executed, failed_path, stage="export")
    if failed_path.exists():
        failed_path.unlink()  # an older failure of the same report is no longer current
    evidence_id = None
    if plan.record_evidence:
        evidence_id = _record(store, plan, system, final, output_hash, template_hash,
                              executed)
    return ReportResult(**base, ok=True, output=final, output_hash=output_hash,
                        evidence_id=evidence_id)


def _failure(base: dict[str, Any], executed: _Executed, failed_path: Path,
             stage: str = "run") -> ReportResult:
    from papermill.exceptions import PapermillExecutionError

    exc = executed.error
    kept = None
    if executed.nb_path.exists():
        os.replace(executed.nb_path, failed_path)
        kept = failed_path
    if isinstance(exc, PapermillExecutionError):
        value = (exc.evalue or "").strip().splitlines()
        first_line = next((ln.strip() for ln in (exc.source or "").splitlines() if ln.strip()), "")
        if len(first_line) > 50:
            first_line = first_line[:49] + "…"
        cell = f"cell In [{exc.exec_count}] ({first_line})" if first_line else \
            f"cell In [{exc.exec_count}]"
        message = f"{cell} raised {exc.ename}: {value[0] if value else ''}".rstrip(": ")
        return ReportResult(**base, ok=False, failed_notebook=kept, error=message,
                            cell_index=exc.cell_index, exec_count=exc.exec_count,
                            ename=exc.ename, evalue=exc.evalue)
    first = (str(exc).strip().splitlines() or [""])[0]
    what = "export failed" if stage == "export" else "the report did not run"
    return ReportResult(**base, ok=False, failed_notebook=kept, ename=type(exc).__name__,
                        evalue=first, error=f"{what}: {type(exc).__name__}: {first}")


def _export(plan: ReportPlan, system: str | None, nb_path: Path, work: Path,
            printer: Any) -> Path:
    if plan.to == "ipynb":
        return nb_path
    import nbformat

    from workbench.reports.export import to_html

    nb = nbformat.read(str(nb_path), as_version=4)
    title = plan.template.title or plan.template.name
    if system:
        title = f"{title}: {plan.system_names.get(system, system)}"
    html_path = nb_path.with_suffix(".html")
    html_path.write_text(to_html(nb, title=title), encoding="utf-8")
    if plan.to == "html":
        return html_path
    pdf_path = nb_path.with_suffix(".pdf")
    printer.print(html_path, pdf_path)
    return pdf_path


def _record(store: Store, plan: ReportPlan, system: str | None, final: Path, output_hash: str,
            template_hash: str, executed: _Executed) -> str:
    """Save the report as Evidence: parameters, template hash, output hash, who, when."""
    import workbench
    from workbench.model import Evidence
    from workbench.store import safe_url

    now = dt.datetime.now(dt.timezone.utc)
    who = store.acting_user()
    slug = re.sub(r"[^a-z0-9._-]+", "-", f"report-{plan.template.name}-{system or 'all'}".lower())
    evidence_id = f"{slug[:70]}-{now:%Y%m%dt%H%M%S}-{output_hash[:8]}"
    title = plan.template.title or plan.template.name
    if system:
        title = f"{title}: {plan.system_names.get(system, system)}"
    evidence = Evidence(
        id=evidence_id, title=f"{title} ({now:%Y-%m-%d})", evidence_kind="report",
        description=f"Generated by `workbench report {plan.template.name}` as {plan.to}.",
        uri=final.resolve().as_uri(), content_hash=output_hash, collected_by=who,
        collected_at=now, control_ids=list(plan.template.control_ids),
        clause_ids=list(plan.template.clause_ids), system_ids=[system] if system else [],
        details={
            "template": plan.template.name, "template_hash": template_hash,
            "parameters": {k: safe_url(v) if k == "database_url" and v else v
                           for k, v in executed.parameters.items()},
            "format": plan.to, "file": final.name,
            "output_hash": output_hash, "store": safe_url(plan.store_url),
            "duration_s": round(executed.duration, 3),
            "generated_by": f"workbench {workbench.__version__}",
        })
    store.save(evidence, reason=f"report {plan.template.name} generated")
    return evidence_id


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
def _parameters(tpl: Template, given: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, text in given.items():
        declared = tpl.parameter(key)
        if declared is None:
            names = ", ".join(tpl.parameter_names) or "none"
            raise ValidationError(f"-p {key}: template {tpl.name!r} declares no parameter "
                                  f"{key!r}; it declares: {names}", [(key, "not declared")])
        values[key] = coerce_value(declared, text) if isinstance(text, str) else text
    return values


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
