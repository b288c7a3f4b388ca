"""Helpers shared by the tests (plain functions and constants; fixtures live in conftest.py).

``tests`` is on the import path (pytest's ``pythonpath`` option in pyproject.toml), so a test
imports them as ``from wbtest import ...`` under ``pytest`` and ``python -m pytest`` alike.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
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
    # each metric's latest measurement: the latest fairness check, with what the latest
    # monitoring run (on or before today) measured since in place of the check's
    measured: dict[str, dict[tuple[str, str], bool]] = {
        sid: {(m["feature"], m["metric"]): bool(m.get("breach"))
              for m in e.details.get("metrics", [])} for sid, e in latest.items()}
    runs: dict[str, Any] = {}
    for r in store.records("monitoring_run"):
        if r.run_at.date() <= today and any(m.metric.value == "fairness"
                                            for m in r.measurements):
            if r.system_id not in runs or r.run_at > runs[r.system_id].run_at:
                runs[r.system_id] = r
    for sid, r in runs.items():
        if sid in latest and r.run_at <= latest[sid].collected_at:
            continue
        measured.setdefault(sid, {}).update({(m.feature, m.measure): bool(m.breached)
                                             for m in r.measurements
                                             if m.metric.value == "fairness"})
    breaches = {sid: sum(flags.values()) for sid, flags in measured.items()}
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


# -- records the library would refuse ---------------------------------------------------------
def append_unchecked(store: Any, kind: str, content: dict[str, Any], *,
                     reason: str = "written around the library") -> int:
    """Append a version without any validation, keeping the hash chain intact (so `verify`
    still passes: the content is what was saved, it just fails today's model). Its author is
    the acting login, who must be a person in the store for `verify` to pass."""
    import sqlalchemy as sa

    from workbench.store._hashing import GENESIS, canonical_json, entry_hash, sha256_text
    from workbench.store._tables import record_versions as T

    with store.engine.begin() as conn:
        head = conn.execute(sa.select(T.c.seq, T.c.entry_hash).order_by(T.c.seq.desc())
                            .limit(1)).first()
        seq, prev = (head.seq, head.entry_hash) if head else (0, GENESIS)
        latest = conn.execute(sa.select(sa.func.max(T.c.version)).where(
            T.c.kind == kind, T.c.record_id == content["id"])).scalar()
        version = (latest or 0) + 1
        author = store.acting_user()
        text = canonical_json(content)
        chash = sha256_text(text)
        saved_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        row = dict(seq=seq + 1, kind=kind, record_id=content["id"], version=version,
                   author=author, saved_at=saved_at, reason=reason, content=text,
                   content_hash=chash, prev_hash=prev)
        row["entry_hash"] = entry_hash(prev_hash=prev, seq=seq + 1, kind=kind,
                                       record_id=content["id"], version=version,
                                       author=author, saved_at=saved_at, reason=reason,
                                       content_hash=chash)
        conn.execute(T.insert(), [row])
    return version


# -- payloads: user text aimed at each renderer ------------------------------------------------
#: Payloads aimed at HTML pages (and at anything that passes text into HTML).
HTML_PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    "<script>alert('x')</script>",
    '"><svg onload=alert(1)>',
)
#: Payloads aimed at plotly's label renderer.
PLOTLY_PAYLOADS = (
    '<a href="https://evil.example/login">Session expired: click to sign in again</a>',
    "<b>bold</b> and <i>italic</i>",
    '<span style="font-size:80px">big</span>',
    'He said &quot;yes&quot; & left',
    "costs $5 to $10",
    "%{customdata} 50% done",
    "line<br>break",
)
#: Payloads aimed at spreadsheets opening an export.
SPREADSHEET_PAYLOADS = (
    '=HYPERLINK("https://evil.example/login","Session expired")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)
PAYLOADS = HTML_PAYLOADS + PLOTLY_PAYLOADS + SPREADSHEET_PAYLOADS

#: Tags plotly.js turns into markup; any other "<...>" it shows as text.
_PLOTLY_TAGS = {"b", "i", "em", "s", "u", "sup", "sub", "span", "a", "br"}
_TAG = re.compile(r"(<[^<>]*>)")
_ONE_TAG = re.compile(r"<(/?)([^ >]*)(\s+(.*))?>", re.IGNORECASE)
_ENTITY = re.compile(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);")
_NAMED = {"mu": "μ", "amp": "&", "lt": "<", "gt": ">", "nbsp": "\xa0", "times": "×",
          "plusmn": "±", "deg": "°"}
#: Our own markup around user text in hover labels.
_OURS = {"b", "i", "br", "extra"}


def _decode(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref.startswith("#x"):
            return chr(int(ref[2:], 16))
        if ref.startswith("#"):
            return chr(int(ref[1:]))
        return _NAMED.get(ref, m.group(0))

    return _ENTITY.sub(one, text)


def plotly_shown(text: str) -> tuple[str, set[str]]:
    """What plotly.js shows for a label: the text (tags removed, entities decoded once) and
    the tags it acts on."""
    shown, tags = [], set()
    for part in _TAG.split(text):
        match = _ONE_TAG.fullmatch(part) if part.startswith("<") else None
        name = match.group(2).lower() if match else ""
        if name in _PLOTLY_TAGS or name == "extra":
            tags.add(name)
            shown.append(" " if name == "br" else "")
        else:
            shown.append(_decode(part))
    return "".join(shown), tags


def _strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}")
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _strings(value, f"{path}[{i}]")


def check_figure(fig: Any, payloads: tuple[str, ...]) -> list[str]:
    """Problems of a figure carrying ``payloads``: a tag plotly would act on that is not
    ours, a link, LaTeX, a placeholder, or a payload that does not show as typed."""
    problems = []
    seen = []
    for path, text in _strings(fig.to_plotly_json()):
        key = path.rsplit(".", 1)[-1]
        shown, tags = plotly_shown(text)
        seen.append(shown)
        if tags - _OURS:
            problems.append(f"{path}: plotly would render tags {sorted(tags - _OURS)}: {text!r}")
        if text.count("$") >= 2:
            problems.append(f"{path}: LaTeX when MathJax is on the page: {text!r}")
        if key not in ("hovertemplate", "texttemplate") and "%{" in text:
            problems.append(f"{path}: a template placeholder in text: {text!r}")
        if key in ("hovertemplate", "texttemplate"):
            own = re.sub(r"%\{(x|y|z|text|customdata(\[\d\])?|fullData\.name)([:|][^}]*)?\}",
                         "", text)  # ours: values and formats (":.3g", "|%Y-%m-%d"), the name
            if "%{" in own:
                problems.append(f"{path}: a user placeholder in a template: {text!r}")
    for payload in payloads:
        if not any(payload in s for s in seen):
            problems.append(f"{payload!r} does not show as typed in the figure")
    return problems


# -- refusals -------------------------------------------------------------------------------------
def refused(store: Any, exc: type[Exception], match: str, call: Any, *args: Any,
            **kwargs: Any) -> str:
    """``call(store, *args, **kwargs)`` raises ``exc`` with a one-line message matching
    ``match``, and nothing is written; returns the message."""
    import pytest

    head = store.head()
    with pytest.raises(exc, match=match) as info:
        call(store, *args, **kwargs)
    assert "\n" not in str(info.value)
    assert store.head() == head  # nothing written
    return str(info.value)
