"""Monitoring records: a plan per AI system (what is measured, against which threshold, how
often, who reviews, what a breach triggers) and the runs that measured it.

ISO/IEC 42001 9.1 and A.6.2.6; EU AI Act Art. 72 (post-market monitoring). Both are ordinary
versioned records: a new plan version changes what the next run measures, and every run names
the plan version it measured against.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from workbench.model._base import NUL_MESSAGE, NonEmptyStr, Part, Record, Reference, Slug
from workbench.model.core import StrEnum

__all__ = [
    "BREACH_ACTIONS",
    "DIRECTIONS",
    "METRIC_LABELS",
    "BreachAction",
    "Measurement",
    "Metric",
    "MetricKind",
    "MonitoringPlan",
    "MonitoringRun",
    "Outcome",
    "plan_id_for",
]


class MetricKind(StrEnum):
    """What a plan can measure."""

    accuracy = "accuracy"
    auc = "auc"
    error_rate = "error_rate"
    fairness = "fairness"
    psi = "psi"
    ks = "ks"
    wasserstein = "wasserstein"
    prediction_drift = "prediction_drift"
    volume = "volume"
    override_rate = "override_rate"


#: Short labels of the metrics, for tables and figures.
METRIC_LABELS: dict[str, str] = {
    "accuracy": "accuracy", "auc": "ROC AUC", "error_rate": "error rate",
    "fairness": "fairness gap", "psi": "PSI (data drift)",
    "ks": "Kolmogorov-Smirnov statistic (data drift)",
    "wasserstein": "Wasserstein distance (data drift)",
    "prediction_drift": "prediction drift (PSI of the scores)",
    "volume": "volume change (|n / n_reference - 1|)",
    "override_rate": "human override rate",
}
#: Metrics where a value *below* the threshold is the breach; every other one breaches above.
_MIN_METRICS = frozenset({"accuracy", "auc"})
#: The fairness measures a plan may name (differences: 0 is parity; see wb.fairness).
FAIRNESS_MEASURES = ("demographic_parity_difference", "equal_opportunity_difference",
                     "equalized_odds_difference")
DIRECTIONS = ("min", "max")
#: Metrics that need a feature (an input column, or a sensitive column for fairness).
_NEEDS_FEATURE = frozenset({"fairness", "psi", "ks", "wasserstein"})
#: Metrics whose value lies between 0 and 1 (besides the shares), and what they measure.
_UNIT_METRICS = {
    "ks": "the largest gap between the two cumulative distributions",
    "fairness": "a gap between the groups' rates",
}
#: Drift metrics that order the values, so they need a numeric feature (psi takes categories).
ORDERED_DRIFT = frozenset({"ks", "wasserstein"})


class BreachAction(StrEnum):
    """What a breach triggers."""

    propose_risk = "propose_risk"
    raise_nonconformity = "raise_nonconformity"
    open_incident = "open_incident"
    notify = "notify"


BREACH_ACTIONS = tuple(a.value for a in BreachAction)


class Outcome(StrEnum):
    ok = "ok"
    breach = "breach"


def plan_id_for(system_id: str) -> str:
    """The id of the monitoring plan of ``system_id`` (one plan per system, versioned)."""
    return f"mp-{system_id}"


class Metric(Part):
    """One measurement of a plan, its threshold and why that threshold."""

    metric: MetricKind
    feature: str = Field("", description="input feature (drift), sensitive feature (fairness, "
                         "error rate by group)")
    measure: str = Field("", description="fairness measure (e.g. "
                         "demographic_parity_difference)")
    threshold: float
    rationale: NonEmptyStr = Field(description="why this threshold")

    @property
    def direction(self) -> str:
        """``min``: a value below the threshold breaches; ``max``: above."""
        return "min" if self.metric.value in _MIN_METRICS else "max"

    @property
    def key(self) -> str:
        """``metric[:feature][:measure]``, unique within a plan."""
        return ":".join(p for p in (self.metric.value, self.feature, self.measure) if p)

    @model_validator(mode="after")
    def _check(self) -> Metric:
        kind = self.metric.value
        if kind in _NEEDS_FEATURE and not self.feature:
            raise ValueError(f"{kind} needs a feature (the column it is measured on)")
        if kind == "fairness":
            if not self.measure:
                object.__setattr__(self, "measure", FAIRNESS_MEASURES[0])
            elif self.measure not in FAIRNESS_MEASURES:
                raise ValueError(f"unknown fairness measure {self.measure!r}; use one of "
                                 f"{', '.join(FAIRNESS_MEASURES)}")
        elif self.measure:
            raise ValueError(f"only a fairness metric takes a measure (got {self.measure!r} "
                             f"for {kind})")
        if self.threshold != self.threshold or self.threshold in (float("inf"), float("-inf")):
            raise ValueError("the threshold must be a finite number")
        if kind in ("accuracy", "auc", "error_rate", "override_rate") \
                and not 0 <= self.threshold <= 1:
            raise ValueError(f"a {kind} threshold is a share between 0 and 1, got "
                             f"{self.threshold}")
        if kind in _UNIT_METRICS and not 0 <= self.threshold <= 1:
            raise ValueError(f"{self.key}: a {kind} threshold lies between 0 and 1 "
                             f"({_UNIT_METRICS[kind]}), got {self.threshold:g}")
        if self.threshold < 0:
            raise ValueError(f"a {kind} threshold cannot be negative")
        return self


class MonitoringPlan(Record, kind="monitoring_plan", label="monitoring plan"):
    """What is monitored on one AI system, how often, by whom, and what a breach triggers."""

    system_id: Slug = Field(description="the AI system monitored")
    title: str = ""
    frequency_days: int = Field(ge=1, le=366, description="days between runs")
    reviewer: Slug = Field(description="login of the person who reviews the runs")
    label_column: str = Field("", description="labelled outcome (0/1) column")
    prediction_column: str = Field("", description="predicted label (0/1) column")
    score_column: str = Field("", description="model score column (AUC, prediction drift)")
    override_column: str = Field("", description="0/1 column: a person overrode the decision")
    metrics: list[Metric] = Field(default_factory=list)
    on_breach: list[BreachAction] = Field(default_factory=lambda: [BreachAction.notify])
    notes: str = ""

    @field_validator("metrics")
    @classmethod
    def _some_metrics(cls, value: list[Metric]) -> list[Metric]:
        if not value:
            raise ValueError("a monitoring plan measures at least one metric")
        keys = [m.key for m in value]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"measured twice: {', '.join(dupes)}")
        return value

    @model_validator(mode="after")
    def _columns(self) -> MonitoringPlan:
        if self.id != plan_id_for(self.system_id):
            raise ValueError(f"the plan of {self.system_id!r} is "
                             f"{plan_id_for(self.system_id)!r} (one plan per system)")
        kinds = {m.metric.value for m in self.metrics}
        needs = {
            "label_column": kinds & {"accuracy", "auc", "error_rate", "fairness"},
            "prediction_column": kinds & {"accuracy", "error_rate", "fairness"},
            "score_column": kinds & {"auc", "prediction_drift"},
            "override_column": kinds & {"override_rate"},
        }
        for column, wanted in needs.items():
            if wanted and not getattr(self, column):
                raise ValueError(f"{column} is required to measure {', '.join(sorted(wanted))}")
        return self

    def references(self) -> list[Reference]:
        return [Reference("system_id", "ai_system", self.system_id)]

    def columns(self) -> list[str]:
        """Every column a run reads from the current and reference data."""
        cols = [self.label_column, self.prediction_column, self.score_column,
                self.override_column, *(m.feature for m in self.metrics)]
        return list(dict.fromkeys(c for c in cols if c))


class Measurement(Part):
    """One value a run measured, with the threshold it was judged on."""

    metric: MetricKind
    feature: str = ""
    group: str = ""
    measure: str = ""
    value: float
    threshold: float
    direction: Literal["min", "max"] = "max"
    breached: bool

    # A run holds many measurements: only the free-text fields need the NUL check (the
    # others are numbers, booleans or fixed words, checked by their types).
    @field_validator("feature", "group", "measure")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if "\x00" in value:
            raise ValueError(NUL_MESSAGE)
        return value

    @field_validator("value", "threshold")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number, got {value}")
        return value


class MonitoringRun(Record, kind="monitoring_run", label="monitoring run"):
    """One run of a monitoring plan: what was measured on which data, and the outcome."""

    system_id: Slug
    plan_id: Slug
    plan_version: int = Field(ge=1)
    run_at: dt.datetime
    outcome: Outcome
    measurements: list[Measurement]
    current_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    reference_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    current_rows: int = Field(ge=1)
    reference_rows: int = Field(ge=1)
    raised: list[str] = Field(default_factory=list,
                              description="records a breach raised or updated (kind:id)")
    notifications: list[str] = Field(default_factory=list)

    def references(self) -> list[Reference]:
        return [Reference("system_id", "ai_system", self.system_id),
                Reference("plan_id", "monitoring_plan", self.plan_id)]

    def display_name(self) -> str:
        return f"{self.system_id} monitoring run {self.run_at:%Y-%m-%d}"

