"""Where each AI system's monitoring stands, and each system's measurements over time.

:func:`status_frame` is the portfolio view: per AI system, ``ok``, ``breach`` (the last run
breached a threshold), ``overdue`` (no run within the plan's frequency, plus a day's grace)
or ``no_plan``. It reads only the few fields it needs from every run, in SQL, so it stays
fast with years of runs. :func:`timeline_frame` is one system's measurements, one row each.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from workbench.model.core import StrEnum
from workbench.monitoring.model import METRIC_LABELS, plan_id_for

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store

__all__ = ["GRACE", "STATE_COLOURS", "STATE_LABELS", "STATUS_COLUMNS", "TIMELINE_COLUMNS", "State",
           "plan_frame", "recent_outcomes", "status_frame", "timeline_frame"]

#: How late a run may be before the plan is overdue.
GRACE = dt.timedelta(days=1)


class State(StrEnum):
    ok = "ok"
    breach = "breach"
    overdue = "overdue"
    no_plan = "no_plan"


STATE_LABELS = {"ok": "OK", "breach": "Breach", "overdue": "Overdue", "no_plan": "No plan"}
STATE_COLOURS = {"ok": "#2e7d32", "breach": "#c62828", "overdue": "#ef6c00",
                 "no_plan": "#757575"}
STATUS_COLUMNS = ("system_id", "system_name", "state", "last_run_at", "next_due",
                  "last_outcome", "frequency_days", "reviewer", "runs", "breach_runs",
                  "plan_version")
TIMELINE_COLUMNS = ("run_id", "run_at", "outcome", "plan_version", "metric", "feature",
                    "group", "measure", "key", "label", "value", "threshold", "direction",
                    "breached")


def _utc(now: dt.datetime | dt.date | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.timezone.utc)
    if not isinstance(now, dt.datetime):
        return dt.datetime(now.year, now.month, now.day, 23, 59, 59, tzinfo=dt.timezone.utc)
    return now if now.tzinfo else now.replace(tzinfo=dt.timezone.utc)


def status_frame(store: Store, *, now: dt.datetime | dt.date | None = None,
                 systems: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per AI system (retired ones left out) with its monitoring state.

    Parameters
    ----------
    store
        The workbench store.
    now
        When overdue is judged (a date means the end of that day, UTC); default now.
    systems
        The AI system register if the caller already read it (columns ``id``, ``name``,
        ``status``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STATUS_COLUMNS`; ``state`` is one of :class:`State`, ``last_run_at``
        and ``next_due`` are UTC timestamps (NaT without a plan or run).
    """
    import pandas as pd

    when = pd.Timestamp(_utc(now))
    if systems is None:
        systems = store.frame("ai_system", meta=False)
    systems = systems[systems["status"].astype(str) != "retired"] if not systems.empty \
        else systems
    out = pd.DataFrame({"system_id": systems["id"].astype(str).to_numpy(),
                        "system_name": systems["name"].astype(str).to_numpy()})
    plans = store.fields("monitoring_plan", ["system_id", "frequency_days", "reviewer"])
    if not plans.empty:
        versions = store.frame("monitoring_plan")[["id", "_version", "_saved_at"]]
        plans = plans.merge(versions, on="id", how="left")
        plans = plans[plans["id"] == "mp-" + plans["system_id"].astype(str)]
    else:
        plans = pd.DataFrame(columns=["id", "system_id", "frequency_days", "reviewer",
                                      "_version", "_saved_at"])
    runs = store.fields("monitoring_run", ["system_id", "run_at", "outcome"])
    runs["run_at"] = pd.to_datetime(runs["run_at"], utc=True, format="ISO8601")
    runs = runs[runs["run_at"] <= when]  # judged as of ``now``: later runs did not happen yet
    runs = runs.assign(breach=(runs["outcome"] == "breach").astype(int))
    per = runs.groupby("system_id", sort=False).agg(
        runs=("id", "size"), breach_runs=("breach", "sum"), last_run_at=("run_at", "max"))
    if not runs.empty:
        last = runs.sort_values("run_at").drop_duplicates("system_id", keep="last")
        per = per.join(last.set_index("system_id")["outcome"].rename("last_outcome"))
    else:
        per["last_outcome"] = pd.Series(dtype=str)
    out = out.merge(plans[["system_id", "frequency_days", "reviewer", "_version", "_saved_at"]],
                    on="system_id", how="left")
    out = out.merge(per, left_on="system_id", right_index=True, how="left")
    out["runs"] = pd.to_numeric(out["runs"]).fillna(0).astype(int)
    out["breach_runs"] = pd.to_numeric(out["breach_runs"]).fillna(0).astype(int)
    out["last_run_at"] = pd.to_datetime(out["last_run_at"], utc=True)
    out["_saved_at"] = pd.to_datetime(out["_saved_at"], utc=True)
    has_plan = out["frequency_days"].notna()
    freq = pd.to_timedelta(pd.to_numeric(out["frequency_days"]).fillna(0), unit="D")
    since = out["last_run_at"].where(out["last_run_at"].notna(), out["_saved_at"])
    out["next_due"] = (since + freq).where(has_plan)
    state = pd.Series("no_plan", index=out.index, dtype=object)
    state[has_plan] = out.loc[has_plan, "last_outcome"].fillna("ok")
    state[has_plan & (out["next_due"] + GRACE < when)] = "overdue"
    out["state"] = state
    out["frequency_days"] = pd.to_numeric(out["frequency_days"]).astype("Int64")
    out["plan_version"] = out["_version"].astype("Int64")
    out["reviewer"] = out["reviewer"].astype(object).where(has_plan, None)
    return out[list(STATUS_COLUMNS)].reset_index(drop=True)


def recent_outcomes(store: Store, *, last: int = 12,
                    now: dt.datetime | dt.date | None = None) -> dict[str, list[bool]]:
    """System id -> whether each of its last ``last`` runs breached, oldest first (one
    narrow query over every run)."""
    import pandas as pd

    runs = store.fields("monitoring_run", ["system_id", "run_at", "outcome"])
    runs["run_at"] = pd.to_datetime(runs["run_at"], utc=True, format="ISO8601")
    runs = runs[runs["run_at"] <= pd.Timestamp(_utc(now))].sort_values("run_at", kind="stable")
    tail = runs.groupby("system_id", sort=False).tail(last)
    breach = (tail["outcome"] == "breach").to_numpy()
    out: dict[str, list[bool]] = {}
    for sid, flag in zip(tail["system_id"], breach, strict=True):
        out.setdefault(str(sid), []).append(bool(flag))
    return out


def timeline_frame(store: Store, system_id: str) -> pd.DataFrame:
    """Every measurement of ``system_id``'s monitoring runs, oldest first (one row each).

    Columns :data:`TIMELINE_COLUMNS`; ``key`` names the series (``psi:income``,
    ``error_rate:gender`` with its ``group``), ``label`` says it in words.
    """
    import numpy as np
    import pandas as pd

    runs = [v.content for v in store.latest("monitoring_run", id_prefix=f"mr-{system_id}-")]
    runs = [r for r in runs if r.get("system_id") == system_id]
    names: dict[tuple[str, str, str], tuple[str, str]] = {}

    def name(metric: str, feature: str, measure: str) -> tuple[str, str]:
        """``(key, label)`` of a series, worked out once per series (not per row)."""
        found = names.get((metric, feature, measure))
        if found is None:
            key = ":".join(p for p in (metric, feature, measure) if p)
            label = METRIC_LABELS.get(metric, metric)
            if feature:
                grouped = bool(measure) or metric == "error_rate"
                label += f" by {feature}" if grouped else f": {feature}"
            if measure:
                label += f" ({measure.replace('_', ' ')})"
            found = names[(metric, feature, measure)] = (key, label)
        return found

    ms = [m for r in runs for m in r["measurements"]]
    counts = [len(r["measurements"]) for r in runs]
    series = [name(m["metric"], m["feature"], m["measure"]) for m in ms]
    times = pd.to_datetime(pd.Series([r["run_at"] for r in runs], dtype=object), utc=True,
                           format="ISO8601")
    df = pd.DataFrame({
        "run_id": np.repeat(np.array([r["id"] for r in runs], dtype=object), counts),
        "run_at": times.to_numpy().repeat(counts) if runs else times.to_numpy(),
        "outcome": np.repeat(np.array([r["outcome"] for r in runs], dtype=object), counts),
        "plan_version": np.repeat(np.array([r["plan_version"] for r in runs], dtype="int64"),
                                  counts),
        "metric": [m["metric"] for m in ms], "feature": [m["feature"] for m in ms],
        "group": [m["group"] for m in ms], "measure": [m["measure"] for m in ms],
        "key": [k for k, _ in series], "label": [lbl for _, lbl in series],
        "value": np.array([m["value"] for m in ms], dtype=float),
        "threshold": np.array([m["threshold"] for m in ms], dtype=float),
        "direction": [m["direction"] for m in ms],
        "breached": np.array([m["breached"] for m in ms], dtype=bool)})
    df["run_at"] = pd.to_datetime(df["run_at"], utc=True)
    if not df["run_at"].is_monotonic_increasing:  # run ids sort by time; this is a safeguard
        df = df.sort_values("run_at", kind="stable").reset_index(drop=True)
    return df


def plan_frame(store: Store, system_id: str) -> pd.DataFrame:
    """The metrics of ``system_id``'s plan in force, one row each."""
    import pandas as pd

    found = store.find("monitoring_plan", plan_id_for(system_id))
    cols = ["metric", "feature", "measure", "direction", "threshold", "rationale"]
    if found is None:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame([{"metric": m.metric.value, "feature": m.feature,
                          "measure": m.measure, "direction": m.direction,
                          "threshold": m.threshold, "rationale": m.rationale}
                         for m in found.record.metrics], columns=cols)
