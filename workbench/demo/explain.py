"""Demo models, their explanation evidence and model cards, for the Larkspur Group.

Two real scikit-learn models are trained in code on seeded synthetic applicants (nothing is
downloaded, no figure is written by hand): ClearCredit's gradient-boosted repayment model
and TalentMatch's CV-screening pipeline (one-hot education, gradient-boosted trees). Each is
explained on held-out rows with :func:`workbench.explain.explain` and recorded as evidence;
each system's model card is filled from its records, its written parts completed, submitted
and approved by the system owner and the AI governance lead. Later, TalentMatch is explained
again on a newer sample of applications, so its card shows as stale, naming the newer evidence.

Runs after the oversight seeder (its go-live edits are the system versions the cards record)
and before the readiness seeder.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from workbench.demo.clock import at

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.model import Record
    from workbench.store import Store, StoredVersion

__all__ = ["CARDS", "MODELS", "demo_model", "seed", "synthetic_applicants"]

#: Per system: the seed of its data, the target, sensitive columns, the data scientist who
#: explains it, days before ``as_of``, and plain names of the features.
MODELS: dict[str, dict[str, Any]] = {
    "credit-scoring": {
        "seed": 14201, "target": "repaid", "outcome": "repayment", "by": "ravi", "ago": 21,
        "labels": {"income": "annual income (EUR)", "debt_to_income": "debt-to-income ratio",
                   "credit_history_years": "years of credit history",
                   "late_payments_12m": "late payments in the last 12 months",
                   "utilisation": "share of credit limits in use",
                   "existing_loans": "loans already held",
                   "employment_years": "years with the current employer"}},
    "cv-screening": {
        "seed": 14202, "target": "shortlisted", "outcome": "being shortlisted", "by": "alice",
        "ago": 30, "again": ("ravi", 4, 14203),
        "labels": {"skills_match": "share of the vacancy's skills found in the CV",
                   "years_experience": "years of relevant experience",
                   "education": "highest education",
                   "career_break_years": "years of career breaks",
                   "certifications": "professional certifications",
                   "languages": "languages spoken", "referral": "referred by an employee"}},
}
SENSITIVE = ["gender", "age_band"]
_EDUCATION = ["secondary", "vocational", "bachelor", "master"]

#: The written parts of each card (what a person adds to what the records fill).
CARDS: dict[str, dict[str, str]] = {
    "credit-scoring": {
        "accuracy_statement": "On held-out applications the model ranks repayment well (ROC "
        "AUC in the metrics above); approval decisions use the score with a cut-off reviewed "
        "quarterly. Accuracy and selection rates are monitored by gender and age band; a gap "
        "outside the fairness thresholds triggers a review before the next release.",
        "limitations_notes": "Applicants with thin credit files (under two years of history) "
        "are scored less reliably and are always referred to an underwriter.",
        "interpretation_notes": "Underwriters read the score as a repayment probability. Every "
        "declined applicant receives the three factors that weighed most (wb.explain.decision), "
        "in plain language, with the right to ask for a human review.",
        "input_data_notes": "Income in euros per year; ratios between 0 and 1; counts as whole "
        "numbers. Applications with missing bureau data are not scored.",
        "planned_changes": "Quarterly retraining on the latest 24 months of outcomes; a "
        "retrained model replaces this one only after validation and a new model card.",
        "human_oversight": "Low-risk applications are approved automatically; every decline and "
        "every score near the cut-off goes to an underwriter, who can override the model. The "
        "credit risk team reviews overrides monthly and can switch the model off.",
        "computational_resources": "CPU inference in the credit decision service; retraining "
        "on one 8-core node.",
        "expected_lifetime": "Three years from the 2026 Q2 release, reviewed every year.",
        "maintenance": "Monthly monitoring of score distribution, approval rates and repayment "
        "outcomes; quarterly retraining; annual independent model validation.",
        "logging": "Every scored application, its inputs, score, decision and any underwriter "
        "override are logged with the model version and kept for seven years; the decision "
        "log retention configuration is recorded as evidence.",
        "standards_applied": "ISO/IEC 42001:2023 (AI management system); ISO/IEC 23894 "
        "guidance on AI risk management; internal model risk management standard v4.",
        "declaration_of_conformity": "To be drawn up before 2 August 2026 (reference "
        "LM-DoC-2026-01).",
    },
    "cv-screening": {
        "accuracy_statement": "On held-out applications the ranking agrees with recruiters' "
        "shortlisting decisions at the accuracy shown above; figures by gender and age band are "
        "reviewed every quarter, and rankings are never used to reject an applicant without "
        "recruiter review.",
        "limitations_notes": "Career breaks lower the score although they say little about "
        "suitability; recruiters are told to discount them.",
        "interpretation_notes": "Recruiters see the ranking with the three factors that weighed "
        "most for each applicant; applicants can ask for the explanation of their ranking.",
        "input_data_notes": "Features are parsed from the CV and the vacancy profile; a CV the "
        "parser cannot read is reviewed by hand, not ranked.",
        "planned_changes": "Retraining twice a year on recruiter outcomes.",
        "human_oversight": "Recruiters review every application the ranking puts forward and "
        "may review any other; no application is rejected by the system. The HR director "
        "reviews fairness figures each quarter.",
        "computational_resources": "CPU inference in the applicant tracking system.",
        "expected_lifetime": "Until the 2027 vacancy framework, reviewed yearly.",
        "maintenance": "Quarterly fairness checks by gender and age band; parser tests on each "
        "release; retraining twice a year.",
        "logging": "Rankings, their inputs and the recruiter's decision are logged per "
        "application with the model version and kept for the legal retention period.",
        "standards_applied": "ISO/IEC 42001:2023; ISO/IEC 42005 for the impact assessment.",
        "declaration_of_conformity": "In preparation (reference PC-DoC-2026-02).",
    },
}


# --------------------------------------------------------------------------- data and models


def synthetic_applicants(system_id: str, rows: int = 3000, seed: int | None = None
                         ) -> pd.DataFrame:
    """Seeded synthetic applicants of a demo system: its model features, ``gender``,
    ``age_band`` and the outcome (``repaid`` or ``shortlisted``), drawn from a stated model
    of the world. The same arguments always give the same rows.

    Raises
    ------
    NotFoundError
        No synthetic applicants for this system (there are for credit-scoring and
        cv-screening).
    """
    import numpy as np
    import pandas as pd

    from workbench.errors import NotFoundError

    spec = MODELS.get(system_id)
    if spec is None:
        raise NotFoundError(f"no synthetic applicants for {system_id!r}; use one of "
                            f"{', '.join(MODELS)}")
    rng = np.random.default_rng(spec["seed"] if seed is None else seed)
    gender = rng.choice(["female", "male"], size=rows)
    age = rng.choice(["under 30", "30-49", "50 and over"], size=rows, p=[0.3, 0.45, 0.25])
    older = np.select([age == "under 30", age == "30-49"], [0.0, 1.0], 2.0)
    female = (gender == "female").astype(float)
    if system_id == "credit-scoring":
        income = np.round(np.exp(rng.normal(10.35 + 0.06 * older - 0.05 * female, 0.45,
                                            rows)), -2)
        history = np.clip(rng.normal(5 + 3 * older, 4, rows), 0, 40).round(1)
        df = pd.DataFrame({
            "income": income,
            "debt_to_income": np.clip(rng.beta(2, 5, rows), 0.01, 0.95).round(3),
            "credit_history_years": history,
            "late_payments_12m": rng.poisson(0.45, rows),
            "utilisation": np.clip(rng.beta(2, 3, rows), 0, 1).round(3),
            "existing_loans": rng.integers(0, 5, rows),
            "employment_years": np.clip(rng.normal(2 + 5 * older, 3, rows), 0, 45).round(1),
        })
        logit = (1.3 + 0.9 * np.log(df["income"] / 32000) - 3.2 * df["debt_to_income"]
                 - 0.95 * df["late_payments_12m"] + 0.05 * df["credit_history_years"]
                 - 1.4 * df["utilisation"] - 0.12 * df["existing_loans"]
                 + 0.02 * df["employment_years"])
    else:
        experience = np.clip(rng.normal(2 + 9 * older, 4, rows), 0, 45).round(1)
        df = pd.DataFrame({
            "skills_match": np.clip(rng.beta(3, 3, rows), 0, 1).round(3),
            "years_experience": experience,
            "education": rng.choice(_EDUCATION, size=rows, p=[0.2, 0.3, 0.35, 0.15]),
            "career_break_years": np.clip(rng.exponential(0.4 + 0.9 * female, rows), 0,
                                          8).round(1),
            "certifications": rng.poisson(1.2, rows),
            "languages": 1 + rng.poisson(0.8, rows),
            "referral": (rng.random(rows) < 0.12).astype(int),
        })
        edu = df["education"].map(dict(zip(_EDUCATION, [-0.6, -0.1, 0.3, 0.5])))
        logit = (-2.4 + 4.2 * df["skills_match"] + 0.07 * np.minimum(experience, 15)
                 - 0.3 * df["career_break_years"] + 0.25 * df["certifications"] + edu
                 + 0.7 * df["referral"] + 0.1 * (df["languages"] - 1))
    outcome = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    df["gender"] = gender
    df["age_band"] = age
    df[spec["target"]] = outcome
    return df


def demo_model(system_id: str, *, rows: int = 3000, holdout: int = 1000
               ) -> tuple[Any, pd.DataFrame]:
    """Train the demo model of ``system_id`` on seeded synthetic applicants.

    Returns
    -------
    (model, holdout)
        The fitted scikit-learn model (about a second to train) and ``holdout`` rows it was
        not trained on, with the target and sensitive columns.
    """
    from sklearn.ensemble import GradientBoostingClassifier

    spec = MODELS.get(system_id)
    data = synthetic_applicants(system_id, rows + holdout)
    train, test = data.iloc[:rows], data.iloc[rows:].reset_index(drop=True)
    features = [c for c in data.columns if c not in (*SENSITIVE, spec["target"])]
    boost = GradientBoostingClassifier(n_estimators=60, max_depth=3, learning_rate=0.1,
                                       random_state=spec["seed"])
    if system_id == "cv-screening":
        from sklearn.compose import ColumnTransformer
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder

        encode = ColumnTransformer([("education", OneHotEncoder(categories=[_EDUCATION]),
                                     ["education"])], remainder="passthrough")
        model: Any = Pipeline([("encode", encode), ("model", boost)])
    else:
        model = boost
    model.fit(train[features], train[spec["target"]])
    return model, test


# --------------------------------------------------------------------------- saving


def _save(store: Store, record: Record, *, by: str, reason: str, when: dt.datetime,
          base_version: int | None = None) -> StoredVersion:
    """Every record this seeder writes is saved here, as the demo person ``by`` at ``when``."""
    with store.acting_as(by, at=when):
        return store.save(record, base_version=base_version, reason=reason)


def _sign(store: Store, card_id: str, *, requester: str,
          signers: list[tuple[str, str]], at: dt.datetime) -> None:
    """Request sign-off of a card as ``requester`` and approve as each (login, signer)."""
    from workbench.oversight import decide, request

    with store.acting_as(requester, at=at):
        request(store, "model_card", card_id, note="model card for approval")
    for n, (login, signer) in enumerate(signers, start=1):
        with store.acting_as(login, at=at + dt.timedelta(hours=n)):
            decide(store, "model_card", card_id, "approve", role=signer, comment="Reviewed.")


def _at(as_of: dt.date, days_before: int, minutes: int = 90) -> dt.datetime:
    """The story's time: 10:30 UTC ``days_before`` days before ``as_of`` (plus minutes)."""
    return at(as_of, days_before, minutes)


def _explain(store: Store, system_id: str, model: Any, data: pd.DataFrame, *, by: str,
             at: dt.datetime, title: str) -> StoredVersion:
    from workbench import explain

    spec = MODELS[system_id]
    result = explain.explain(model, data, target=spec["target"], sensitive=SENSITIVE,
                             n_repeats=5, random_state=0, grid_resolution=10, pd_rows=300,
                             shap=False, model_version="2026.2")
    evidence = explain.explanation_evidence(store, result, system_id=system_id, title=title,
                                            collected_at=at, uri=f"https://docs.larkspur."
                                            f"example/ai/{system_id}/explanation")
    return _save(store, evidence.model_copy(update={"collected_by": by}), by=by, when=at,
                 reason=f"explanation of model {result.model_id}")


def seed(store: Store, as_of: dt.date) -> dict[str, int]:
    """Seed the demo models' explanation evidence and model cards (deterministic)."""
    import warnings

    from workbench.explain import card as C
    from workbench.fairness import FairnessWarning
    from workbench.model import validate_record

    evidence = cards = 0
    owners = {"credit-scoring": "grace", "cv-screening": "farid"}
    for system_id, spec in MODELS.items():
        by, ago = spec["by"], spec["ago"]
        model, holdout = demo_model(system_id)
        with warnings.catch_warnings():  # small groups are noted in the evidence itself
            warnings.simplefilter("ignore", FairnessWarning)
            _explain(store, system_id, model, holdout, by=by, at=_at(as_of, ago),
                     title="Explanation of the 2026.2 model on held-out applications")
        evidence += 1
        filled = C.fill(store, system_id, today=as_of)
        card = validate_record(type(filled), {**filled.model_dump(), **CARDS[system_id]})
        _save(store, card, by=by, when=_at(as_of, ago, 120), reason="model card filled and written")
        submitted, version = C.submitted_card(store, system_id, today=as_of)
        _save(store, submitted, by=by, base_version=version, when=_at(as_of, ago, 150),
              reason="model card submitted for sign-off")
        _sign(store, card.id, requester=by, at=_at(as_of, ago - 1),
              signers=[(owners[system_id], "system_owner"), ("chloe", "governance_lead")])
        cards += 1
        again = spec.get("again")
        if again:  # a newer explanation: the approved card is now stale
            who, days, sample_seed = again
            newer = synthetic_applicants(system_id, 800, seed=sample_seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FairnessWarning)
                _explain(store, system_id, model, newer, by=who, at=_at(as_of, days),
                         title="Explanation of the 2026.2 model on 2026 Q3 applications")
            evidence += 1
    return {"explanation evidence items": evidence, "model cards": cards}
