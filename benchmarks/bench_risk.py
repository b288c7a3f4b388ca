"""Risk register benchmark.

At 1,000 AI systems and 25,000 risks, building the risk register DataFrame and the heatmap
figure from the store, against the floor measured in the same run: ``pandas.read_sql`` of the
same current risks from a flat table (one column per field) plus building an empty 5 x 5
plotly heatmap. Target: ratio <= 2.

Usage: python benchmarks/bench_risk.py [--runs N] [--risks N] [--systems N] [--database-url URL]
A PostgreSQL URL benchmarks the team store (the flat table goes into the same database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import interleaved, median, report, time_call

CONTROLS = ["A.5.4", "A.6.2.4", "A.6.2.6", "A.7.4", "A.8.2", "A.9.2", "A.10.3", "A.6.2.8"]
SOURCES = ["source.machine_learning", "source.level_of_automation",
           "source.complexity_of_environment", "source.technology_readiness"]
OBJECTIVES = ["objective.fairness", "objective.robustness", "objective.privacy",
              "objective.safety", "objective.transparency_and_explainability"]
STATUSES = ["identified", "assessed", "treated", "treated", "accepted", "closed"]
PEOPLE = [f"owner-{i:02d}" for i in range(20)]


def _risks(n: int, systems: list[str]):
    from workbench.risk import Risk

    start = dt.date(2026, 1, 1)
    for i in range(n):
        il, ic = 1 + i % 5, 1 + (i // 5) % 5
        rl, rc = max(1, il - i % 3), max(1, ic - (i // 3) % 2)
        identified = start + dt.timedelta(days=i % 200)
        status = STATUSES[i % len(STATUSES)]
        above = rl * rc >= 10
        yield Risk(
            id=f"risk-{i:06d}", system_id=systems[i % len(systems)],
            title=f"Risk {i}: model behaviour drifts for segment {i % 37}",
            description="Benchmark risk with a realistic amount of text in its description.",
            risk_source=SOURCES[i % len(SOURCES)], objective=OBJECTIVES[i % len(OBJECTIVES)],
            inherent_likelihood=il, inherent_consequence=ic, treatment="modify",
            controls=[CONTROLS[(i + k) % len(CONTROLS)] for k in range(1 + i % 3)],
            actions=[{"description": f"Action {k} for risk {i}", "owner": PEOPLE[(i + k) % 20],
                      "due": identified + dt.timedelta(days=30 * (k + 1)),
                      "done_on": identified + dt.timedelta(days=10) if k == 0 and i % 2 else None}
                     for k in range(i % 4)],
            residual_likelihood=rl, residual_consequence=rc, owner=PEOPLE[i % 20],
            status=status, identified_on=identified,
            next_review=identified + dt.timedelta(days=180),
            acceptance={"accepted_by": PEOPLE[i % 20], "accepted_on": identified,
                        "rationale": "Accepted for the benchmark"}
            if status == "accepted" and above else None)


def seed(url: str, n_systems: int, n_risks: int):
    import pandas as pd
    import sqlalchemy as sa

    from workbench.model import AISystem, Person
    from workbench.store import open_store

    store = open_store(url)
    systems = [f"system-{i:04d}" for i in range(n_systems)]
    records = list(_risks(n_risks, systems))
    # Seeded as "bench", the store's first admin and its governance lead.
    with store.seeding(), store.acting_as("bench"):
        store.save_many([(Person(id="bench", name="Bench", roles=["admin", "governance_lead"]),
                          None), *((Person(id=p, name=p), None) for p in PEOPLE)])
        store.save_many([(AISystem(
            id=s, name=f"System {s}", purpose="benchmark", owner=PEOPLE[i % 20],
            business_unit=f"Unit {i % 12}", lifecycle_stage="operate", org_roles=["provider"],
            technique="GBM", technique_family="classical_ml", automation_level="partial",
            oversight_mode="on_the_loop"), None) for i, s in enumerate(systems)])
        for start in range(0, n_risks, 5000):
            store.save_many([(r, None) for r in records[start:start + 5000]])
    # The floor's data: the same current risks as a flat table, one column per field.
    flat = pd.DataFrame([r.content() for r in records])
    for col in ("controls", "actions", "acceptance"):
        flat[col] = flat[col].map(json.dumps)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS bench_flat_risk")
    flat.to_sql("bench_flat_risk", store.engine, index=False, chunksize=5000)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM bench_flat_risk")).scalar() == n_risks
    return store


def bench(url: str, n_systems: int, n_risks: int, runs: int) -> None:
    import pandas as pd
    import plotly.graph_objects as go

    from workbench import risk as wr

    t0 = time.perf_counter()
    store = seed(url, n_systems, n_risks)
    print(f"seeded {n_systems:,} systems and {n_risks:,} risks in "
          f"{time.perf_counter() - t0:.1f} s ({store.dialect})\n")
    reg = wr.register(store)
    assert len(reg) == n_risks and int(wr.heatmap_matrix(reg).to_numpy().sum()) == n_risks

    def floor() -> float:
        def work() -> None:
            with store.engine.connect() as conn:
                pd.read_sql("SELECT * FROM bench_flat_risk", conn)
            go.Figure(go.Heatmap(z=[[0] * 5 for _ in range(5)]))
        return time_call(work)

    def measured() -> float:
        def work() -> None:
            df = wr.register(store)
            wr.heatmap_figure(df)
        return time_call(work)

    def from_store() -> float:
        return time_call(lambda: wr.heatmap_figure(store))

    def frame_only() -> float:
        return time_call(lambda: store.frame("risk"))

    name = f"register(store) + heatmap_figure [{n_risks:,} risks]"
    alone = f"heatmap_figure(store) [{n_risks:,} risks]"
    floor_name = "read_sql of flat rows + empty 5x5 heatmap"
    frame_name = 'store.frame("risk") alone (the store\'s part)'
    samples = interleaved({name: measured, alone: from_store, frame_name: frame_only,
                           floor_name: floor}, runs=runs)
    ratio = report(f"risk register and heatmap, {store.dialect}", name, floor_name, samples,
                   "<= 2")
    print(f"  -> {'OK' if ratio <= 2 else 'OVER TARGET'}\n")
    ratio = report(f"heatmap figure straight from the store, {store.dialect}", alone,
                   floor_name, samples, "<= 2")
    print(f"  -> {'OK' if ratio <= 2 else 'OVER TARGET'}\n")
    report("where the time goes: loading the risks, before any risk computation",
           frame_name, floor_name, samples, "context only")
    own = median(samples[name]) - median(samples[frame_name])
    print(f"  register computation + figure beyond store.frame: {own * 1000:.1f} ms\n")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS bench_flat_risk")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--risks", type=int, default=25_000)
    parser.add_argument("--systems", type=int, default=1_000)
    parser.add_argument("--database-url", default=os.environ.get("WORKBENCH_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    os.environ.setdefault("WORKBENCH_USER", "bench")
    with tempfile.TemporaryDirectory() as tmp:
        bench(args.database_url or f"sqlite:///{tmp}/bench.db", args.systems, args.risks,
              args.runs)


if __name__ == "__main__":
    main()
