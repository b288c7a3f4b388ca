"""Monitoring AI systems over time (ISO/IEC 42001 9.1 and A.6.2.6; EU AI Act Art. 72).

A :class:`MonitoringPlan` per AI system says what is measured (performance on labelled
outcomes, fairness per sensitive feature, data drift per input feature, prediction drift,
volume, human overrides), each with a threshold and its rationale, how often, who reviews and
what a breach triggers. :func:`run` measures the plan on a current sample against a
reference sample and records a :class:`MonitoringRun`; :func:`status_frame` shows, per
system, whether monitoring is ok, in breach, overdue or unplanned; :func:`timeline_frame` is
one system's measurements over time.

Importing this package is light; pandas and scipy load when something is measured.

Examples
--------
>>> import workbench as wb
>>> from workbench import monitoring
>>> store = wb.open_store()                                                  # doctest: +SKIP
>>> monitoring.run(store, "credit-scoring", current=cur, reference=ref)      # doctest: +SKIP
>>> monitoring.status_frame(store)                                           # doctest: +SKIP
"""

from __future__ import annotations

from workbench.monitoring.metrics import fingerprint, ks, psi, read_frame, wasserstein
from workbench.monitoring.model import (
    BREACH_ACTIONS,
    FAIRNESS_MEASURES,
    METRIC_LABELS,
    BreachAction,
    Measurement,
    Metric,
    MetricKind,
    MonitoringPlan,
    MonitoringRun,
    plan_id_for,
)
from workbench.monitoring.runs import (
    RunResult,
    current_plan,
    raised_ids,
    run,
    save_plan,
    signoff_facts,
)
from workbench.monitoring.status import (
    GRACE,
    STATE_COLOURS,
    STATE_LABELS,
    STATUS_COLUMNS,
    TIMELINE_COLUMNS,
    State,
    plan_frame,
    recent_outcomes,
    status_frame,
    timeline_frame,
)

__all__ = [
    "BREACH_ACTIONS",
    "FAIRNESS_MEASURES",
    "GRACE",
    "METRIC_LABELS",
    "STATE_COLOURS",
    "STATE_LABELS",
    "STATUS_COLUMNS",
    "TIMELINE_COLUMNS",
    "BreachAction",
    "Measurement",
    "Metric",
    "MetricKind",
    "MonitoringPlan",
    "MonitoringRun",
    "RunResult",
    "State",
    "current_plan",
    "fingerprint",
    "ks",
    "plan_frame",
    "plan_id_for",
    "psi",
    "read_frame",
    "recent_outcomes",
    "raised_ids",
    "run",
    "save_plan",
    "signoff_facts",
    "status_frame",
    "timeline_frame",
    "wasserstein",
]
