"""Explanations computed from the model, per-decision explanations, and model cards
(ISO/IEC 42001 A.6.2.7 and A.8.2; EU AI Act Art. 13, Art. 86 and Annex IV).

- :func:`explain` - for a fitted scikit-learn estimator and a data frame: permutation
  importance with its spread, partial dependence of the most important features,
  performance overall and by group (via :mod:`workbench.fairness`), calibration, and SHAP
  values when the optional ``shap`` package is installed (``[explain]`` extra). The result
  carries the model's and the data's fingerprints and the sample size;
  :func:`record_evidence` stores it as evidence for A.6.2.7 and A.8.2.
- :func:`importance` - permutation importance alone (``sklearn.inspection``).
- :func:`decision` - one decision explained in plain language for the person concerned: the
  top factors with their direction and size, the method used and its limits.
- Model cards (:class:`ModelCard`): :func:`fill` from the inventory, the impact assessment,
  fairness, monitoring and explanation evidence; :func:`write` the human parts;
  :func:`submit` for sign-off; :func:`card_state` says whether it is stale and why.

Importing this package is light: scikit-learn, pandas and plotly load on first use.

Examples
--------
With a fitted ``model`` and a held-out frame ``holdout``::

    result = wb.explain.explain(model, holdout, target="repaid", sensitive=["gender"])
    wb.explain.record_evidence(store, result, system_id="credit-scoring")
    print(wb.explain.decision(model, holdout.iloc[0], reference=holdout).text())
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "CONTROLS",
    "METHODS",
    "CardState",
    "ColumnMismatchError",
    "DecisionExplanation",
    "ExplainInputError",
    "ExplanationResult",
    "ModelCallError",
    "ModelCard",
    "NonNumericColumnError",
    "NotAnEstimatorError",
    "SingleClassError",
    "SourceChange",
    "card_frame",
    "card_html",
    "card_id_for",
    "card_state",
    "card_view",
    "current_sources",
    "data_fingerprint",
    "decision",
    "evidence_id_for",
    "explain",
    "explanation_evidence",
    "fill",
    "importance",
    "latest_explanation",
    "load_details",
    "model_fingerprint",
    "record_evidence",
    "refill",
    "save_card",
    "sections",
    "shap_available",
    "submit",
    "write",
]

_LAZY = {
    "ColumnMismatchError": "workbench.explain._checks",
    "ExplainInputError": "workbench.explain._checks",
    "ModelCallError": "workbench.explain._checks",
    "NonNumericColumnError": "workbench.explain._checks",
    "NotAnEstimatorError": "workbench.explain._checks",
    "SingleClassError": "workbench.explain._checks",
    "data_fingerprint": "workbench.explain._checks",
    "model_fingerprint": "workbench.explain._checks",
    "ExplanationResult": "workbench.explain._compute",
    "explain": "workbench.explain._compute",
    "importance": "workbench.explain._compute",
    "shap_available": "workbench.explain._compute",
    "METHODS": "workbench.explain._decision",
    "DecisionExplanation": "workbench.explain._decision",
    "decision": "workbench.explain._decision",
    "CONTROLS": "workbench.explain._evidence",
    "evidence_id_for": "workbench.explain._evidence",
    "explanation_evidence": "workbench.explain._evidence",
    "latest_explanation": "workbench.explain._evidence",
    "load_details": "workbench.explain._evidence",
    "record_evidence": "workbench.explain._evidence",
    "ModelCard": "workbench.explain.model",
    "card_id_for": "workbench.explain.model",
    "sections": "workbench.explain.model",
    "CardState": "workbench.explain.card",
    "SourceChange": "workbench.explain.card",
    "card_frame": "workbench.explain.card",
    "card_state": "workbench.explain.card",
    "current_sources": "workbench.explain.card",
    "fill": "workbench.explain.card",
    "refill": "workbench.explain.card",
    "save_card": "workbench.explain.card",
    "submit": "workbench.explain.card",
    "write": "workbench.explain.card",
    "card_html": "workbench.explain.card_views",
    "card_view": "workbench.explain.card_views",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'workbench.explain' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
