"""Foundation benchmarks.

1. ``import workbench`` against bare ``python -c pass`` (target: adds <= 0.15 s).
2. Loading a 25,000-record register into a DataFrame with ``store.frame("evidence")`` against
   ``pandas.read_sql`` of the same rows from a flat table in the same database
   (target: ratio <= 2).

Usage: python benchmarks/bench_foundation.py [--runs N] [--records N] [--database-url URL]
A PostgreSQL URL benchmarks the team store (the flat table goes into the same database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import interleaved, median, report, time_call, time_command


def bench_import(runs: int) -> None:
    py = sys.executable
    samples = interleaved({
        "python -c 'import workbench'": lambda: time_command([py, "-c", "import workbench"]),
        "python -c pass": lambda: time_command([py, "-c", "pass"]),
    }, runs=runs)
    added = median(samples["python -c 'import workbench'"]) - median(samples["python -c pass"])
    report("import workbench", "python -c 'import workbench'", "python -c pass", samples,
           "adds <= 0.15 s")
    print(f"  import adds {added:.3f} s  -> {'OK' if added <= 0.15 else 'OVER TARGET'}\n")


def _evidence(n: int, systems: list[str]):
    from workbench.model import Evidence

    controls = ["A.6.2.4", "A.6.2.6", "A.7.4", "A.5.4", "A.8.2", "A.6.2.8"]
    base = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    for i in range(n):
        yield Evidence(
            id=f"ev-{i:06d}", title=f"Validation run {i}", evidence_kind="test_result",
            description="Nightly validation of ranking quality by segment",
            uri=f"https://evidence.example/runs/{i}", collected_by="alice",
            collected_at=base + dt.timedelta(minutes=i), expires_at=dt.date(2027, 1, 1),
            control_ids=[controls[i % 6], controls[(i + 1) % 6]],
            system_ids=[systems[i % len(systems)]], details={"auc": 0.8 + (i % 10) / 100})


def seed_register(url: str, n: int):
    import pandas as pd
    import sqlalchemy as sa

    from workbench.model import AISystem, Person
    from workbench.store import open_store

    store = open_store(url)
    systems = [f"system-{i:04d}" for i in range(50)]
    records = list(_evidence(n, systems))
    # Seeded as alice, the store's first admin and its governance lead.
    with store.seeding(), store.acting_as("alice"):
        store.save(Person(id="alice", name="Alice", roles=["admin", "governance_lead"]))
        store.save_many([(AISystem(
            id=s, name=s, purpose="benchmark", owner="alice", business_unit="Ops",
            lifecycle_stage="operate", org_roles=["provider"], technique="GBM",
            technique_family="classical_ml", automation_level="partial",
            oversight_mode="on_the_loop"), None) for s in systems])
        for start in range(0, n, 5000):
            store.save_many([(r, None) for r in records[start:start + 5000]])
    # The floor: the same current rows as a flat table, one column per field.
    flat = pd.DataFrame([r.content() for r in records])
    for col in ("control_ids", "clause_ids", "system_ids", "links", "details"):
        flat[col] = flat[col].map(json.dumps)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS bench_flat_evidence")
    flat.to_sql("bench_flat_evidence", store.engine, index=False, chunksize=5000)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM bench_flat_evidence")).scalar() == n
    return store


def bench_register(url: str, n: int, runs: int) -> None:
    import pandas as pd

    store = seed_register(url, n)
    assert len(store.frame("evidence")) == n

    def floor() -> float:
        with store.engine.connect() as conn:
            return time_call(lambda: pd.read_sql("SELECT * FROM bench_flat_evidence", conn))

    samples = interleaved({
        f'store.frame("evidence") [{n:,} records]': lambda: time_call(
            lambda: store.frame("evidence")),
        "pandas.read_sql of the flat table": floor,
    }, runs=runs)
    ratio = report(f"register load, {store.dialect}", f'store.frame("evidence") [{n:,} records]',
                   "pandas.read_sql of the flat table", samples, "<= 2")
    print(f"  -> {'OK' if ratio <= 2 else 'OVER TARGET'}\n")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS bench_flat_evidence")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--records", type=int, default=25_000)
    parser.add_argument("--database-url", default=os.environ.get("WORKBENCH_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    os.environ.setdefault("WORKBENCH_USER", "bench")
    bench_import(max(args.runs, 15))
    with tempfile.TemporaryDirectory() as tmp:
        bench_register(args.database_url or f"sqlite:///{tmp}/bench.db", args.records, args.runs)


if __name__ == "__main__":
    main()
