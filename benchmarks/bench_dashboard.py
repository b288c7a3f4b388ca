"""Dashboard benchmark: the portfolio dashboard's first render in Chromium.

(c) ``dashboards/portfolio.ipynb`` with every panel, at N AI systems and M risks (default
1,000 and 25,000: the demo organization grown with copies of its systems and their impact
assessments, fairness evidence, risks with their actions, sign-off requests and decisions,
and 3 evidence items per system), against a Voila notebook that only imports pandas and plotly
and shows an empty figure (target <= 1.3). Both are served by the same Voila process,
configured as ``workbench dashboard`` runs it, and opened in a fresh Chromium context (a new
viewer, nothing cached) every run, alternating.

A run is timed from navigation to the page being usable: every KPI card, the last panel and
every figure drawn (the floor: its figure drawn). Preheated kernels build the page before a
viewer arrives, so between runs the benchmark waits for Voila to refill its pool
(``--settle`` seconds, longer than the page takes to build: the build time is printed).
With ``--compare-preheat`` it also measures the same pages without preheated kernels.

Usage: python benchmarks/bench_dashboard.py [--runs N] [--systems N] [--risks N]
       [--settle S] [--compare-preheat]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import interleaved, median, report, time_call

REPO = Path(__file__).resolve().parent.parent
PORTFOLIO_READY = (".wb-kpi", '[data-panel="monitoring"]')  # the first and the last panel
# EU AI Act tiers by stage, the residual-risk heatmap, readiness, readiness over time
PORTFOLIO_FIGURES = 4
FLOOR_READY = (".js-plotly-plot",)
_DRAWN = ("n => Array.from(document.querySelectorAll('.js-plotly-plot'))"
          ".filter(gd => gd.querySelector('.main-svg')).length >= n")


def seed(url: str, systems: int, risks: int) -> None:
    """The demo organization, grown to ``systems`` AI systems and ``risks`` risks.

    The demo (people, criteria, 7 systems with risks, impact assessments, fairness evidence,
    sign-offs and the AIMS records) is seeded first; every further system is a copy of a demo
    system with 3 evidence items, and copies its template's records: the impact assessment
    (4 systems in 5 that have one), fairness evidence, risks (the template's risks first, then
    variants spread over the matrix, with its actions, so some are overdue) and the sign-off
    requests and decisions of those records, bound to the copies' content hashes (go-live for
    a third of the systems; a copy of a stale approval is edited after it, so it is stale too).
    """
    from workbench import demo
    from workbench.store import open_store

    store = open_store(url)
    today = dt.date.today()
    with store.seeding():  # the demo, then its copies, as the demo's people (an empty store)
        demo.seed(store, as_of=today)
        _grow(store, systems, risks, today)
    store.close()


def _copy(content: dict, **changes) -> dict:
    import copy

    out = copy.deepcopy(content)
    out.update(changes)
    return out


def _save(store, kind: str, contents: list[dict], author: str) -> None:
    from contextlib import nullcontext

    from workbench.model import model_for
    from workbench.store import workflow

    model = model_for(kind)
    # sign-off copies are written as the sign-off workflow writes them (the re-check still
    # judges every one of them where it is counted)
    writer = workflow("oversight") if kind in ("signoff", "signoff_request") else nullcontext()
    for start in range(0, len(contents), 5000):
        with store.acting_as(author), writer:
            store.save_many([(model.model_validate(c), None)
                             for c in contents[start:start + 5000]],
                            reason="benchmark scale data")


def _grow(store, systems: int, risks: int, today: dt.date) -> None:
    from workbench.model import Evidence
    from workbench.oversight import status_frame
    from workbench.oversight.model import request_id_for, signoff_id_for

    templates = sorted(store.latest("ai_system"), key=lambda v: v.record_id)
    t_risks: dict[str, list[dict]] = {}
    for v in sorted(store.latest("risk"), key=lambda v: v.record_id):
        t_risks.setdefault(v.content["system_id"], []).append(v.content)
    t_ia = {v.content["system_id"]: v.content for v in store.latest("impact_assessment")}
    t_fair = {v.content["system_ids"][0]: v.content for v in store.latest("evidence")
              if v.content["evidence_kind"] == "fairness_metrics"}
    t_req = [v.content for v in store.latest("signoff_request")]
    t_dec = [v.content for v in store.latest("signoff")]
    stale = {(k, i) for k, i in status_frame(store).query("stale")[["kind", "record_id"]]
             .itertuples(index=False)}
    stages = ["design", "develop", "validate", "deploy", "operate", "operate", "operate"]
    units = ["Larkspur Money", "Customer Care", "Supply Chain", "Marketing", "Larkspur Health",
             "People & Culture", "Data & AI", "Risk"]
    n_clones = max(0, systems - len(templates))
    clones = [(f"system-{i:05d}", templates[i % len(templates)]) for i in range(n_clones)]
    extra = max(0, risks - sum(len(r) for r in t_risks.values()))
    sys_rows, evidence, risk_rows, ia_rows, fair_rows = [], [], [], [], []
    target_of: dict[tuple[str, str], list[str]] = {}  # (kind, template id) -> copies' ids
    for i, (cid, tpl) in enumerate(clones):
        t = tpl.content
        sys_rows.append(_copy(t, id=cid, name=f"{t['name']} #{i + 1}",
                              business_unit=units[i % len(units)],
                              lifecycle_stage=stages[(i + i // len(templates)) % len(stages)]))
        if i % 3 == 0:
            target_of.setdefault(("ai_system", t["id"]), []).append(cid)
        for k in range(3):
            collected = dt.datetime.combine(today - dt.timedelta(days=(i * 7 + k * 50) % 400),
                                            dt.time(9), tzinfo=dt.timezone.utc)
            evidence.append(Evidence(
                id=f"ev-{cid}-{k}", title=f"Validation run {k + 1} of {t['name']} #{i + 1}",
                evidence_kind="test_result", collected_by="alice", collected_at=collected,
                expires_at=collected.date() + dt.timedelta(days=365) if k < 2 else None,
                uri=f"https://evidence.example/{cid}/{k}", system_ids=[cid]))
        own = t_risks.get(t["id"]) or [r for rs in t_risks.values() for r in rs]
        count = extra // max(1, n_clones) + (1 if i < extra % max(1, n_clones) else 0)
        for n in range(count):
            base = own[n % len(own)]
            if n < len(own):  # the template's risks as they are
                rid = cid + base["id"][len(base["system_id"]):]
                risk_rows.append(_copy(base, id=rid, system_id=cid))
                target_of.setdefault(("risk", base["id"]), []).append(rid)
                continue
            j = i * 31 + n
            il, ic = 1 + j % 5, 1 + (j // 5) % 5
            risk_rows.append(_copy(
                base, id=f"{cid}-r{n + 1:03d}", system_id=cid, title=f"{base['title']} ({n})",
                inherent_likelihood=il, inherent_consequence=ic,
                residual_likelihood=max(1, il - j % 3), residual_consequence=max(1, ic - j % 2),
                status=("identified", "assessed", "treated", "treated", "closed")[j % 5],
                acceptance=None))
        ia = t_ia.get(t["id"])
        if ia is not None and i % 5 != 4:
            measures = [_copy(m, risk_ids=[cid + r[len(t["id"]):] for r in m["risk_ids"]])
                        for m in ia.get("measures", [])]
            ia_rows.append(_copy(ia, id=f"ia-{cid}", system_id=cid, measures=measures))
            target_of.setdefault(("impact_assessment", ia["id"]), []).append(f"ia-{cid}")
            fair = t_fair.get(t["id"])
            if fair is not None:
                fair_rows.append(_copy(fair, id=f"fairness-{cid}", system_ids=[cid], links=[
                    {"kind": "impact_assessment", "id": f"ia-{cid}"}]))
    _save(store, "ai_system", sys_rows, "ben")
    for start in range(0, len(evidence), 5000):
        with store.acting_as("alice"):
            store.save_many([(e, None) for e in evidence[start:start + 5000]])
    _save(store, "risk", risk_rows, "alice")
    _save(store, "impact_assessment", ia_rows, "alice")
    _save(store, "evidence", fair_rows, "alice")
    # Sign-offs of the copies, bound to the copies' versions and content hashes.
    hashes = {}
    for kind in ("ai_system", "impact_assessment", "risk"):
        frame = store.frame(kind)
        hashes[kind] = dict(zip(frame["id"], zip(frame["_version"], frame["_hash"])))
    requests, decisions, edits = [], [], []
    for req in t_req:
        key = (req["target_kind"], req["target_id"])
        for copy_id in target_of.get(key, []):
            version, digest = hashes[req["target_kind"]][copy_id]
            new_id = request_id_for(req["target_kind"], copy_id, int(version), 1)
            author = {"ai_system": "ben"}.get(req["target_kind"], "alice")
            requests.append(_copy(req, id=new_id, target_id=copy_id,
                                  target_version=int(version), target_hash=digest, round=1,
                                  barred={author: f"authored version {version}"},
                                  requested_by=author))
            for dec in (d for d in t_dec if d["request_id"] == req["id"]):
                decisions.append(_copy(dec, id=signoff_id_for(new_id, dec["signer"]),
                                       request_id=new_id, target_id=copy_id,
                                       target_version=int(version), target_hash=digest))
            if key in stale:
                edits.append((req["target_kind"], copy_id))
    # Each sign-off record is saved by the person it names (verify checks it).
    for who in sorted({r["requested_by"] for r in requests}):
        _save(store, "signoff_request", [r for r in requests if r["requested_by"] == who], who)
    # in the order they were decided, as a decision after the request closed does not count
    decisions.sort(key=lambda d: str(d["decided_at"]))
    run: list[dict] = []
    for dec in decisions:
        if run and run[-1]["signer"] != dec["signer"]:
            _save(store, "signoff", run, run[-1]["signer"])
            run = []
        run.append(dec)
    if run:
        _save(store, "signoff", run, run[-1]["signer"])
    for kind, record_id in edits:  # the approval goes stale, as its template's did
        current = store.get(kind, record_id)
        changed = current.record.model_copy(
            update={"description": current.content["description"] + " (updated)"})
        with store.acting_as("ravi"):
            store.save(changed, base_version=current.version, reason="updated after approval")


def describe(url: str) -> str:
    from workbench.store import open_store

    with open_store(url, create=False) as store:
        kinds = store.kinds()
    return ", ".join(f"{kinds.get(k, 0):,} {what}" for k, what in (
        ("ai_system", "AI systems"), ("risk", "risks"), ("impact_assessment",
                                                         "impact assessments"),
        ("evidence", "evidence items"), ("signoff_request", "sign-off requests"),
        ("signoff", "sign-off decisions")))


def build_time(url: str, runs: int = 3) -> float:
    """Median time to build the whole portfolio page (every panel) from the store."""
    from workbench import portfolio

    def build() -> None:
        page = portfolio.portfolio_page(url)
        failed = [p.key for p in page.panels if p.error]
        if page.error or failed:
            raise SystemExit(f"the portfolio page failed: {page.error or failed}")

    return median([time_call(build) for _ in range(runs)])


def floor_notebook(path: Path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook(cells=[
        new_markdown_cell("# Floor"),
        new_code_cell("import pandas as pd\nimport plotly.graph_objects as go\n\ngo.Figure()"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                "language": "python"}})
    nbformat.write(nb, str(path))


def serve(root: Path, url: str, preheat: bool):
    from workbench.cli._dashboard import voila_command, wait_until_serving

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "WORKBENCH_DATABASE_URL": url, "WORKBENCH_USER": "elena"}
    process = subprocess.Popen(voila_command(root, port, preheat=preheat), env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    if not wait_until_serving(base, process, timeout_s=120):
        process.kill()
        raise SystemExit("voila did not start")
    return process, base


def first_render(browser, url: str, ready: tuple[str, ...], figures: int, settle: float
                 ) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, timeout=180_000)
    for selector in ready:
        page.wait_for_selector(selector, timeout=180_000)
    page.wait_for_function(_DRAWN, arg=figures, timeout=180_000)
    elapsed = time.perf_counter() - start
    text = page.inner_text("body")
    context.close()
    if any(m in text for m in ("Traceback", "There was an error", "cannot be shown",
                               "could not be shown")):
        raise SystemExit(f"{url} shows an error:\n{text[:2000]}")
    time.sleep(settle)  # let Voila refill its preheated kernel before the next viewer
    return elapsed


def bench(root: Path, url: str, *, preheat: bool, runs: int, settle: float, label: str
          ) -> float:
    from playwright.sync_api import sync_playwright

    from workbench.reports.export import CHROMIUM_FLAGS, require_chromium

    process, base = serve(root, url, preheat)
    try:
        time.sleep(settle)  # the first preheated kernels
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(require_chromium()),
                                         args=list(CHROMIUM_FLAGS))
            measured = f"portfolio dashboard, {label}"
            floor = f"pandas + plotly empty figure, {label}"
            samples = interleaved({
                measured: lambda: first_render(
                    browser, base + "voila/render/portfolio.ipynb", PORTFOLIO_READY,
                    PORTFOLIO_FIGURES, settle),
                floor: lambda: first_render(
                    browser, base + "voila/render/floor.ipynb", FLOOR_READY, 1, settle),
            }, runs=runs)
            browser.close()
        ratio = report(f"(c) first render in Chromium, {label}", measured, floor, samples,
                       "<= 1.3")
        print(f"  -> {'OK' if ratio <= 1.3 else 'OVER TARGET'}\n")
        return median(samples[measured])
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--systems", type=int, default=1000)
    parser.add_argument("--risks", type=int, default=25_000)
    parser.add_argument("--settle", type=float, default=20.0,
                        help="seconds to let Voila refill its preheated kernels between runs")
    parser.add_argument("--compare-preheat", action="store_true",
                        help="also measure without preheated kernels")
    args = parser.parse_args()
    os.environ.setdefault("WORKBENCH_USER", "bench")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        url = f"sqlite:///{tmp_path / 'bench.db'}"
        seed(url, args.systems, args.risks)
        build = build_time(url)
        root = tmp_path / "dashboards"
        root.mkdir()
        shutil.copy(REPO / "dashboards" / "portfolio.ipynb", root / "portfolio.ipynb")
        floor_notebook(root / "floor.ipynb")
        print(describe(url))
        print(f"building the portfolio page in the benchmark's process (what a preheated "
              f"kernel does before its viewer arrives): median {build * 1000:.0f} ms\n")
        preheated = bench(root, url, preheat=True, runs=args.runs, settle=args.settle,
                          label="preheated kernels")
        if args.compare_preheat:
            cold = bench(root, url, preheat=False, runs=args.runs, settle=1.0,
                         label="a kernel per view")
            print(f"preheated kernels: first render {preheated:.2f} s; without: {cold:.2f} s")


if __name__ == "__main__":
    main()
