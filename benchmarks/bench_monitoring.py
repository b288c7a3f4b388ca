"""Monitoring at scale: 1,000 AI systems x 52 weekly runs x 20 measurements (~1M values).

The store is built through the library's bulk path (``store.seeding()`` and ``save_many`` in
chunks: every record validated, hashed and chained like any save). Then, against floors
measured in the same run (medians of interleaved runs):

- one system's timeline (``wb.monitoring.timeline_frame``: its 52 runs exploded to one row
  per measurement) against ``pandas.read_sql`` of the same rows: that system's measurements,
  one row each with the same fields, exploded and extracted by the database (``json_each``),
  from the run records selected by the same id range. For scale, the timeline is also set
  against ``read_sql`` of just the 52 run records' JSON text, unparsed (no target: it yields
  neither the rows nor the fields). Each sample times 20 calls, the calls being a few ms;
- the portfolio status (``wb.monitoring.status_frame``: state, last run and next due of every
  system) against ``pandas.read_sql`` of the same rows and fields (system, time and outcome of
  every run, extracted by the database as the status frame has them extracted).

Target: ratio <= 2 for each.

Usage: python benchmarks/bench_monitoring.py [--runs N] [--systems N] [--weeks N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import interleaved, median, report, time_call  # noqa: E402

FEATURES = ("income", "debt_to_income", "utilisation", "tenure")
CHUNK = 5000


def _metrics() -> list[dict]:
    """20 measurements per run: accuracy, AUC, error rate of 2 groups, a fairness gap, PSI,
    KS and Wasserstein of 4 features, prediction drift, volume and override rate."""
    out = [dict(metric="accuracy", threshold=0.7, rationale="validation"),
           dict(metric="auc", threshold=0.7, rationale="validation"),
           dict(metric="error_rate", feature="gender", threshold=0.35, rationale="groups"),
           dict(metric="fairness", feature="gender", threshold=0.1, rationale="parity")]
    for f in FEATURES:
        out += [dict(metric="psi", feature=f, threshold=0.2, rationale="drift"),
                dict(metric="ks", feature=f, threshold=0.12, rationale="drift"),
                dict(metric="wasserstein", feature=f, threshold=0.1, rationale="drift")]
    out += [dict(metric="prediction_drift", threshold=0.2, rationale="scores"),
            dict(metric="volume", threshold=0.5, rationale="volume"),
            dict(metric="override_rate", threshold=0.2, rationale="overrides")]
    return out


def build(url: str, systems: int, weeks: int) -> None:
    import numpy as np

    from workbench.model import AISystem, Person
    from workbench.monitoring import Measurement, MonitoringPlan, MonitoringRun
    from workbench.store import open_store

    rng = np.random.default_rng(7)
    metrics = _metrics()
    plan_rows = [(m["metric"], m.get("feature", ""), m.get("measure", "")) for m in metrics]
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(weeks=weeks)
    store = open_store(url)
    with store.seeding(), store.acting_as("bench", at=start - dt.timedelta(days=30)):
        store.save_many([(Person(id="bench", name="Bench", roles=["admin", "governance_lead"]),
                          None)], reason="benchmark")
        ids = [f"system-{i:05d}" for i in range(systems)]
        store.save_many([(AISystem(
            id=sid, name=f"System {i}", purpose="p", owner="bench", business_unit="Ops",
            lifecycle_stage="operate", org_roles=["deployer"], technique="t",
            technique_family="classical_ml", automation_level="partial",
            oversight_mode="on_the_loop"), None) for i, sid in enumerate(ids)],
            reason="benchmark scale data")
        plans = [MonitoringPlan(id=f"mp-{sid}", system_id=sid, frequency_days=7, reviewer="bench",
                                label_column="y", prediction_column="p", score_column="s",
                                override_column="o", metrics=metrics) for sid in ids]
        for i in range(0, len(plans), CHUNK):
            store.save_many([(p, None) for p in plans[i:i + CHUNK]], reason="benchmark")
        thresholds = np.array([m["threshold"] for m in metrics])
        mins = np.array([m["metric"] in ("accuracy", "auc") for m in metrics])
        batch = []
        for w in range(weeks):
            values = np.round(rng.gamma(2.0, thresholds / 3, size=(systems, len(metrics))), 6)
            values[:, mins] = np.round(rng.normal(0.8, 0.05, size=(systems, int(mins.sum()))), 6)
            breached = np.where(mins, values < thresholds, values > thresholds)
            when = start + dt.timedelta(weeks=w)
            for s, sid in enumerate(ids):
                ms = []
                for j, (metric, feature, measure) in enumerate(plan_rows):
                    rows = [("f", 0), ("m", 1)] if metric == "error_rate" else [("", 0)]
                    for group, k in rows:
                        v = float(values[s, j]) + 0.01 * k
                        ms.append(Measurement.model_construct(
                            metric=metric, feature=feature, group=group, measure=measure,
                            value=v, threshold=float(thresholds[j]),
                            direction="min" if mins[j] else "max",
                            breached=bool(breached[s, j])))
                outcome = "breach" if any(m.breached for m in ms) else "ok"
                # built unchecked here; the store validates every record it saves
                batch.append(MonitoringRun.model_construct(
                    id=f"mr-{sid}-{when:%Y%m%dt%H%M%S%f}", system_id=sid, plan_id=f"mp-{sid}",
                    plan_version=1, run_at=when, outcome=outcome, measurements=ms,
                    current_sha256="a" * 64, reference_sha256="b" * 64, current_rows=1000,
                    reference_rows=1000))
                if len(batch) >= CHUNK:
                    store.save_many([(r, None) for r in batch], reason="benchmark scale data")
                    batch = []
        if batch:
            store.save_many([(r, None) for r in batch], reason="benchmark scale data")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--systems", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=52)
    args = parser.parse_args()
    os.environ.setdefault("WORKBENCH_USER", "bench")

    import pandas as pd
    import sqlalchemy as sa

    from workbench import monitoring
    from workbench.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        began = time.perf_counter()
        build(url, args.systems, args.weeks)
        store = open_store(url, create=False)
        runs = store.count("monitoring_run")
        print(f"built {args.systems:,} systems, {runs:,} runs, "
              f"{runs * 20:,} measurements in "
              f"{time.perf_counter() - began:.0f} s\n")
        engine = sa.create_engine(url)
        target = f"system-{args.systems // 2:05d}"

        lo = f"mr-{target}-"
        ids = {"lo": lo, "hi": lo + "\U0010ffff"}  # a range on the id index, as the store does
        rows_q = sa.text(
            "SELECT r.record_id AS run_id, json_extract(r.content, '$.run_at') AS run_at, "
            "json_extract(r.content, '$.outcome') AS outcome, "
            "json_extract(r.content, '$.plan_version') AS plan_version, "
            + ", ".join(f"json_extract(m.value, '$.{f}') AS \"{f}\"" for f in (
                "metric", "feature", "group", "measure", "value", "threshold", "direction",
                "breached")) +
            " FROM record_versions r, json_each(r.content, '$.measurements') m "
            "WHERE r.kind = 'monitoring_run' AND r.record_id >= :lo AND r.record_id < :hi "
            "ORDER BY r.record_id, m.key")
        blobs_q = sa.text("SELECT record_id, version, content FROM record_versions "
                          "WHERE kind = 'monitoring_run' AND record_id >= :lo AND "
                          "record_id < :hi")
        calls = 20
        expected = len(pd.read_sql(rows_q, engine, params=ids))

        def timeline() -> float:
            def work() -> None:
                for _ in range(calls):
                    df = monitoring.timeline_frame(store, target)
                assert len(df) == expected, (len(df), expected)
            return time_call(work) / calls

        def timeline_floor() -> float:
            return time_call(lambda: [pd.read_sql(rows_q, engine, params=ids)
                                      for _ in range(calls)]) / calls

        def timeline_blobs() -> float:
            return time_call(lambda: [pd.read_sql(blobs_q, engine, params=ids)
                                      for _ in range(calls)]) / calls

        def status() -> float:
            def work() -> None:
                df = monitoring.status_frame(store)
                assert len(df) == args.systems, len(df)
            return time_call(work)

        def status_floor() -> float:
            q = sa.text("SELECT record_id, version, json_extract(content, '$.system_id'), "
                        "json_extract(content, '$.run_at'), json_extract(content, '$.outcome') "
                        "FROM record_versions WHERE kind = 'monitoring_run'")
            return time_call(lambda: pd.read_sql(q, engine))

        samples = interleaved({"timeline_frame (one system)": timeline,
                               "read_sql of its measurement rows": timeline_floor,
                               "read_sql of its run JSON, unparsed": timeline_blobs},
                              runs=args.runs)
        r1 = report(f"one system's timeline ({args.weeks} runs, {expected:,} measurements)",
                    "timeline_frame (one system)", "read_sql of its measurement rows",
                    samples, "<= 2")
        print(f"  -> {'OK' if r1 <= 2 else 'OVER TARGET'}")
        blobs = median(samples["read_sql of its run JSON, unparsed"])
        print(f"  for scale: read_sql of the {args.weeks} run records' JSON text, unparsed: "
              f"{blobs * 1000:.1f} ms (timeline / that = "
              f"{median(samples['timeline_frame (one system)']) / blobs:.2f}; no target)\n")
        samples = interleaved({"status_frame (portfolio)": status,
                               "read_sql of the same run fields": status_floor},
                              runs=args.runs)
        r2 = report(f"portfolio monitoring status ({args.systems:,} systems, {runs:,} runs)",
                    "status_frame (portfolio)", "read_sql of the same run fields", samples,
                    "<= 2")
        print(f"  -> {'OK' if r2 <= 2 else 'OVER TARGET'}")
        store.close()
        engine.dispose()


if __name__ == "__main__":
    main()
