"""Helpers shared by the tests (plain functions and constants; fixtures live in conftest.py).

``tests`` is on the import path (pytest's ``pythonpath`` option in pyproject.toml), so a test
imports them as ``from wbtest import ...`` under ``pytest`` and ``python -m pytest`` alike.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from workbench.model import Evidence

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ENV = "WORKBENCH_TEST_DATABASE_URL"
#: The demo's reference date in tests: today, so "overdue" means the same as in the product.
DEMO_AS_OF = dt.date.today()


# -- notebooks ------------------------------------------------------------------------------------
REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
DASHBOARDS = REPO / "dashboards"


def execute_notebook(path: Path, out: Path, parameters: dict | None = None, *,
                     timeout: int = 300):
    """Run a notebook headless with papermill (the kernel inherits this process's environment,
    so WORKBENCH_DATABASE_URL and WORKBENCH_USER set by a test reach it)."""
    import papermill as pm

    return pm.execute_notebook(str(path), str(out), parameters=parameters or {},
                               kernel_name="python3", progress_bar=False,
                               execution_timeout=timeout, cwd=str(out.parent))


def run_nbval(path: Path, *, cwd: Path, env: dict[str, str] | None = None):
    """Run nbval (lax: every cell must run without error) over one notebook in a subprocess."""
    import subprocess
    import sys

    merged = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(cwd), str(path)],
        cwd=cwd, env=merged, capture_output=True, text=True, timeout=600)


def notebook_text(nb) -> str:
    """Every text and HTML output of an executed notebook, joined (for assertions)."""
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                parts.append(output["text"])
            data = output.get("data", {})
            for mime in ("text/plain", "text/html", "text/markdown"):
                if mime in data:
                    value = data[mime]
                    parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


# -- processes ------------------------------------------------------------------------------------
def run_at_once(target, argsets: list[tuple]) -> list:
    """Run ``target(*args, barrier, results)`` in one spawned process per argument tuple, all
    released together by a barrier; return what each put on ``results`` (one item each)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(len(argsets))
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*a, barrier, results)) for a in argsets]
    for p in procs:
        p.start()
    out = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out


# -- portfolio -------------------------------------------------------------------------------------
def expected_kpis(store: Any, today: dt.date) -> dict[str, Any]:
    """The governance KPIs from the records, one record at a time (no panel code)."""
    from workbench import impact, oversight, readiness, risk

    crit = risk.criteria_in_force(store)
    awaiting = above = overdue = 0
    for r in store.records("risk"):
        if r.status.value == "closed":
            continue
        band = crit.level(r.residual_likelihood, r.residual_consequence)
        if crit.band_rank(band.name) > crit.band_rank(crit.appetite):
            above += 1
            awaiting += oversight.status(store, "risk", r.id).state != "approved"
        overdue += sum(a.done_on is None and a.due < today for a in r.actions)
    targets = {(q.target_kind, q.target_id) for q in store.records("signoff_request")}
    states = [oversight.status(store, kind, rid) for kind, rid in targets]
    latest: dict[str, Evidence] = {}
    for e in store.records("evidence"):
        if e.evidence_kind.value == "fairness_metrics":
            sid = e.system_ids[0]
            if sid not in latest or e.collected_at > latest[sid].collected_at:
                latest[sid] = e
    breaches = {sid: sum(bool(m.get("breach")) for m in e.details.get("metrics", []))
                for sid, e in latest.items()}
    tiers = [impact.classify_system(store, s.id).tier for s in store.records("ai_system")]
    return {
        "high_risk": tiers.count("high_risk"),
        "awaiting_acceptance": awaiting, "above_appetite": above, "overdue_actions": overdue,
        "readiness": round(readiness.assess(store, today=today).overall),
        "approvals_pending": sum(s.state == "pending" for s in states),
        "stale_approvals": sum(s.stale for s in states),
        "fairness_breaches": sum(breaches.values()),
        "fairness_systems": sum(1 for n in breaches.values() if n),
    }
