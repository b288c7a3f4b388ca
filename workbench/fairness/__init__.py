"""Fairness evidence from a model's predictions, on Fairlearn's ``MetricFrame``.

Given labels, predictions and one or more sensitive features (and optionally scores),
:func:`assess` computes selection rate, accuracy and true/false positive rates by group, and
the demographic parity difference and ratio, equalized odds difference and ratio and equal
opportunity difference and ratio per feature (Fairlearn's names). It compares them with
thresholds that are configuration with a stated rationale (:func:`load_thresholds`), not
verdicts. :func:`record_evidence` stores the result as evidence for controls A.6.2.4 and
A.5.4, linked to the system's impact assessment, with the SHA-256 fingerprint of the data and
the sample size per group. A value outside a threshold proposes a risk
(:func:`proposed_risks`). :func:`flags` is the table dashboards read.

Importing this package is light; pandas, scikit-learn and fairlearn load on first use.

Examples
--------
>>> import workbench as wb
>>> result = wb.fairness.assess([1, 0, 1, 0] * 10, [1, 0, 0, 0] * 10,
...                             {"group": ["a", "a", "b", "b"] * 10}, min_group_size=5)
>>> float(result.metrics.set_index("metric").loc["demographic_parity_difference", "value"])
0.5
"""

from __future__ import annotations

import importlib
from typing import Any

from workbench.fairness._config import (
    AGGREGATE_METRICS,
    FairnessConfig,
    Threshold,
    load_thresholds,
    thresholds_config,
)

__all__ = [
    "AGGREGATE_METRICS",
    "CONTROLS",
    "GROUP_METRICS",
    "FairnessConfig",
    "FairnessResult",
    "FairnessWarning",
    "Threshold",
    "assess",
    "by_group_html",
    "check",
    "check_file",
    "evidence_id_for",
    "fingerprint",
    "flags",
    "group_figure",
    "load_result",
    "load_thresholds",
    "metrics_html",
    "proposed_risks",
    "read_predictions",
    "record_evidence",
    "report_html",
    "threshold_lines",
    "thresholds_config",
]

_LAZY = {
    "FairnessResult": "workbench.fairness._compute",
    "FairnessWarning": "workbench.fairness._compute",
    "GROUP_METRICS": "workbench.fairness._compute",
    "assess": "workbench.fairness._compute",
    "check": "workbench.fairness._compute",
    "check_file": "workbench.fairness._compute",
    "fingerprint": "workbench.fairness._compute",
    "read_predictions": "workbench.fairness._compute",
    "CONTROLS": "workbench.fairness._evidence",
    "evidence_id_for": "workbench.fairness._evidence",
    "flags": "workbench.fairness._evidence",
    "load_result": "workbench.fairness._evidence",
    "proposed_risks": "workbench.fairness._evidence",
    "record_evidence": "workbench.fairness._evidence",
    "by_group_html": "workbench.fairness._views",
    "group_figure": "workbench.fairness._views",
    "metrics_html": "workbench.fairness._views",
    "report_html": "workbench.fairness._views",
    "threshold_lines": "workbench.fairness._views",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'workbench.fairness' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
