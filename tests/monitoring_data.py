"""Helpers for the monitoring tests: a small organization, a plan and seeded samples.

Plain functions (fixtures live in conftest.py); imported as ``from monitoring_data import ...``.
"""

from __future__ import annotations

from typing import Any

from actors import acting

from workbench.model import AISystem, Person

PEOPLE = [
    {"id": "chloe", "name": "Chloe Lindqvist", "roles": ["admin", "governance_lead"]},
    {"id": "sven", "name": "Sven Eriksen", "roles": ["owner"]},
    {"id": "ravi", "name": "Ravi Patel", "roles": ["contributor"]},
    {"id": "tom", "name": "Tom Outsider", "roles": ["contributor"]},
    {"id": "elena", "name": "Elena Rossi", "roles": ["executive"]},
]
SYSTEM = "card-fraud"


def make_org(store) -> None:
    """People and the AI system card-fraud (owner sven, team ravi), saved as the tester."""
    store.save_many([(Person(**p), None) for p in PEOPLE])
    with acting("sven"):
        store.save(AISystem(
            id=SYSTEM, name="Sentinel card-fraud detection", purpose="Detect fraud.",
            owner="sven", business_unit="Money", lifecycle_stage="operate",
            org_roles=["provider", "deployer"], technique="trees",
            technique_family="classical_ml", automation_level="full",
            oversight_mode="on_the_loop", team=["ravi"]))


def plan_data(**changes: Any) -> dict[str, Any]:
    data = {
        "id": f"mp-{SYSTEM}", "system_id": SYSTEM, "title": "Weekly monitoring",
        "frequency_days": 7, "reviewer": "sven", "label_column": "y",
        "prediction_column": "pred", "score_column": "score", "override_column": "override",
        "on_breach": ["propose_risk", "raise_nonconformity", "notify"],
        "metrics": [
            {"metric": "accuracy", "threshold": 0.7, "rationale": "validation accuracy"},
            {"metric": "auc", "threshold": 0.7, "rationale": "validation AUC"},
            {"metric": "error_rate", "feature": "gender", "threshold": 0.4,
             "rationale": "no group worse than 40%"},
            {"metric": "fairness", "feature": "gender", "threshold": 0.2,
             "rationale": "parity"},
            {"metric": "psi", "feature": "amount", "threshold": 0.2, "rationale": "drift"},
            {"metric": "ks", "feature": "amount", "threshold": 0.15, "rationale": "drift"},
            {"metric": "wasserstein", "feature": "amount", "threshold": 20.0,
             "rationale": "drift"},
            {"metric": "prediction_drift", "threshold": 0.2, "rationale": "scores"},
            {"metric": "volume", "threshold": 0.5, "rationale": "volume"},
            {"metric": "override_rate", "threshold": 0.3, "rationale": "overrides"},
        ]}
    data.update(changes)
    return data


def sample(n: int = 800, *, seed: int = 0, shift: float = 0.0):
    """A seeded sample: ``amount`` shifted by ``shift`` standard deviations."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(int)
    score = np.clip(0.25 + 0.5 * y + rng.normal(0, 0.15, n), 0, 1)
    return pd.DataFrame({
        "amount": rng.normal(100 + 30 * shift, 30, n).round(2),
        "gender": rng.choice(["f", "m"], n),
        "y": y, "score": score.round(4), "pred": (score > 0.5).astype(int),
        "override": (rng.random(n) < 0.1).astype(int)})
