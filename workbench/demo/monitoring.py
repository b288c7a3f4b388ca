"""Demo monitoring: plans and a year of weekly runs for three Larkspur systems.

Each week's sample is drawn from a seeded numpy simulation of the system in production and
measured by the real :func:`workbench.monitoring.run` against the system's validation sample,
so every value, breach and raised record is computed, not written by hand. The story:

- ClearCredit (credit-scoring): from week 30, a cost-of-living shock lowers applicants'
  incomes and raises their debt-to-income ratios: data drift (PSI, KS, Wasserstein) and then
  prediction drift breach; the breach proposes a monitoring risk, updated while it persists.
- TalentMatch (cv-screening): from week 38, a new job-board feed under-ranks CVs with career
  breaks, which women hold more often: the demographic parity gap and the error rate of one
  group breach; the breach raises a nonconformity (and opens an incident where the
  ``incident`` kind is registered).
- Sentinel (card-fraud): steady, with the holiday-season volume peak; its runs stopped three
  weeks ago, so its weekly plan is overdue.

Runs after the model cards (45) and before the readiness seeder (50).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from workbench.demo.clock import at

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from workbench.store import Store

__all__ = ["PLANS", "WEEKS", "demo_samples", "seed", "simulate"]

#: Weekly runs over the past year.
WEEKS = 52
#: Weeks (0 = a year ago) from which each story's event runs.
DRIFT_FROM, FAIRNESS_FROM = 30, 38
#: card-fraud's last run was this many weeks before ``as_of``.
FRAUD_STOPPED_WEEKS_AGO = 3

_R = "based on the validation sample's spread and the tolerance agreed at go-live"

PLANS: dict[str, dict[str, Any]] = {
    "credit-scoring": dict(
        title="ClearCredit post-market monitoring", frequency_days=7, reviewer="grace",
        label_column="repaid", prediction_column="approved", score_column="score",
        override_column="overridden", on_breach=["propose_risk", "notify"],
        metrics=[
            dict(metric="accuracy", threshold=0.70, rationale="validation accuracy 0.78; more "
                 "than 8 points below it is a material loss of performance"),
            dict(metric="auc", threshold=0.72, rationale="validation AUC 0.80; the credit "
                 "policy requires 0.72 or more"),
            dict(metric="fairness", feature="gender", measure="demographic_parity_difference",
                 threshold=0.10, rationale="the organization's fairness threshold for "
                 "approval rates (thresholds.yaml)"),
            dict(metric="fairness", feature="age_band", measure="equal_opportunity_difference",
                 threshold=0.12, rationale="approval of creditworthy applicants may not depend "
                 "on age"),
            *[dict(metric=m, feature=f, threshold=t, rationale=_R)
              for f in ("income", "debt_to_income")
              for m, t in (("psi", 0.2), ("ks", 0.12))],
            dict(metric="wasserstein", feature="debt_to_income", threshold=0.05,
                 rationale="five points of debt-to-income shift the cut-off population"),
            dict(metric="prediction_drift", threshold=0.2, rationale="PSI above 0.2 is a "
                 "significant shift of the score distribution"),
            dict(metric="volume", threshold=0.5, rationale="half again or half as many "
                 "applications signals a channel change"),
            dict(metric="override_rate", threshold=0.15, rationale="underwriters overriding "
                 "more than 15% of decisions signals the model no longer fits"),
        ]),
    "cv-screening": dict(
        title="TalentMatch monitoring", frequency_days=7, reviewer="farid",
        label_column="hired_later", prediction_column="shortlisted", score_column="score",
        override_column="overridden", on_breach=["raise_nonconformity", "open_incident",
                                                 "notify"],
        metrics=[
            dict(metric="accuracy", threshold=0.70, rationale="validation accuracy 0.80"),
            dict(metric="error_rate", feature="gender", threshold=0.30, rationale="no group's "
                 "error rate may exceed 30%"),
            dict(metric="fairness", feature="gender", measure="demographic_parity_difference",
                 threshold=0.10, rationale="shortlisting rates by gender (EU AI Act high-risk, "
                 "employment)"),
            dict(metric="fairness", feature="age_band", measure="demographic_parity_difference",
                 threshold=0.12, rationale="shortlisting rates by age band"),
            dict(metric="psi", feature="skills_match", threshold=0.2, rationale=_R),
            dict(metric="psi", feature="career_break_years", threshold=0.2, rationale=_R),
            dict(metric="prediction_drift", threshold=0.2, rationale="significant shift of "
                 "the ranking scores"),
            dict(metric="override_rate", threshold=0.25, rationale="recruiters override up to "
                 "a quarter of shortlists by design"),
        ]),
    "card-fraud": dict(
        title="Sentinel weekly monitoring", frequency_days=7, reviewer="sven",
        label_column="fraud", prediction_column="held", score_column="score",
        override_column="released", on_breach=["notify"],
        metrics=[
            dict(metric="auc", threshold=0.85, rationale="validation AUC 0.93; below 0.85 "
                 "the fraud losses exceed the business case"),
            dict(metric="psi", feature="amount", threshold=0.25, rationale=_R),
            dict(metric="ks", feature="hour", threshold=0.15, rationale=_R),
            dict(metric="prediction_drift", threshold=0.25, rationale="significant shift of "
                 "the fraud scores"),
            dict(metric="volume", threshold=0.6, rationale="the holiday peak stays under +60%"),
            dict(metric="override_rate", threshold=0.4, rationale="analysts release most "
                 "held transactions after a call"),
        ]),
}
_SEEDS = {"credit-scoring": 4701, "cv-screening": 4702, "card-fraud": 4703}
_RUNNER = "ravi"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return 1 / (1 + np.exp(-x))


def simulate(system_id: str, week: int | None, rng: np.random.Generator) -> pd.DataFrame:
    """One week of a system's production sample (``week=None``: the validation sample)."""
    import numpy as np
    import pandas as pd

    base = week is None
    w = -1 if base else week
    if system_id == "credit-scoring":
        n = 1500 if base else int(rng.normal(1200, 80))
        shock = 0.0 if w < DRIFT_FROM else min(1.0, (w - DRIFT_FROM + 1) / 6)
        gender = rng.choice(["female", "male"], n)
        age = rng.choice(["18-29", "30-49", "50+"], n, p=[0.3, 0.45, 0.25])
        income = rng.lognormal(10.4 - 0.25 * shock, 0.35, n)
        dti = np.clip(rng.normal(0.32 + 0.12 * shock, 0.1, n), 0, 1)
        history = rng.gamma(3, 2.5, n)
        util = np.clip(rng.beta(2, 3, n), 0, 1)
        latent = (0.9 * (np.log(income) - 10.4) / 0.35 - 2.2 * (dti - 0.32) / 0.1 * 0.4
                  + 0.15 * history - 1.2 * util + rng.normal(0, 1, n))
        score = _sigmoid(0.9 * (np.log(income) - 10.4) / 0.35 - 0.9 * (dti - 0.32) / 0.1
                         + 0.15 * history - 1.2 * util + 0.3)
        repaid = (latent > -0.5).astype(int)
        approved = (score > 0.5).astype(int)
        overridden = (rng.random(n) < np.where(np.abs(score - 0.5) < 0.1, 0.25, 0.04)
                      ).astype(int)
        return pd.DataFrame({"income": income.round(0), "debt_to_income": dti.round(4),
                             "credit_history_years": history.round(1),
                             "utilisation": util.round(4), "gender": gender, "age_band": age,
                             "score": score.round(5), "approved": approved, "repaid": repaid,
                             "overridden": overridden})
    if system_id == "cv-screening":
        n = 1200 if base else int(rng.normal(900, 60))
        feed = w >= FAIRNESS_FROM
        gender = rng.choice(["female", "male"], n)
        age = rng.choice(["18-29", "30-49", "50+"], n, p=[0.35, 0.45, 0.2])
        breaks = np.where(gender == "female", rng.exponential(1.2, n), rng.exponential(0.5, n))
        skills = np.clip(rng.beta(4, 3, n), 0, 1)
        experience = rng.gamma(2.5, 2.4, n)
        quality = 3 * (skills - 0.57) + 0.12 * (experience - 6) + rng.normal(0, 0.35, n)
        hired = (quality > 0.4).astype(int)
        penalty = 1.5 * breaks if feed else 0.08 * breaks
        score = _sigmoid(3 * (skills - 0.57) + 0.12 * (experience - 6) - penalty + 0.4
                         + rng.normal(0, 0.25, n))
        shortlisted = (score > 0.55).astype(int)
        overridden = (rng.random(n) < 0.12).astype(int)
        return pd.DataFrame({"skills_match": skills.round(4),
                             "years_experience": experience.round(1),
                             "career_break_years": breaks.round(2), "gender": gender,
                             "age_band": age, "score": score.round(5),
                             "shortlisted": shortlisted, "hired_later": hired,
                             "overridden": overridden})
    # card-fraud: steady, with a holiday-season peak in volume and amounts
    season = 0.0 if base else max(0.0, 1 - abs(w - 40) / 5)
    n = 2000 if base else int(rng.normal(1600 * (1 + 0.45 * season), 60))
    amount = rng.lognormal(3.6 + 0.15 * season, 1.0, n)
    hour = rng.integers(0, 24, n)
    fraud = (rng.random(n) < 0.04).astype(int)
    score = np.clip(_sigmoid(-3.5 + 4.5 * fraud + 0.3 * (np.log(amount) - 3.6)
                             + rng.normal(0, 1, n)), 0, 1)
    held = (score > 0.5).astype(int)
    released = (held & (rng.random(n) < 0.3)).astype(int)
    return pd.DataFrame({"amount": amount.round(2), "hour": hour, "score": score.round(5),
                         "held": held, "fraud": fraud, "released": released})


def seed(store: Store, as_of: dt.date) -> dict[str, int]:
    """Save the demo monitoring plans and a year of weekly runs (deterministic)."""
    import numpy as np

    from workbench import monitoring

    runs = raised = 0
    for system_id, spec in PLANS.items():
        system = store.get("ai_system", system_id).record
        plan = monitoring.MonitoringPlan(id=monitoring.plan_id_for(system_id),
                                         system_id=system_id, **spec)
        with store.acting_as("alice", at=at(as_of, 7 * WEEKS + 3, 30)):
            monitoring.save_plan(store, plan, reason="monitoring plan agreed at go-live "
                                 f"review with {system.owner}")
        rng = np.random.default_rng(_SEEDS[system_id])
        reference = simulate(system_id, None, rng)
        last = WEEKS - (FRAUD_STOPPED_WEEKS_AGO if system_id == "card-fraud" else 0)
        for week in range(last):
            current = simulate(system_id, week, rng)
            days_before = 7 * (WEEKS - week) - 6
            with store.acting_as(_RUNNER, at=at(as_of, days_before, 45)):
                result = monitoring.run(store, system_id, current=current, reference=reference)
            runs += 1
            raised += sum(1 for v in result.saved[1:] if v.version == 1)
    return {"monitoring plans": len(PLANS), "monitoring runs": runs,
            "records raised by monitoring breaches": raised}


def demo_samples(system_id: str, *, week: int = WEEKS - 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(current, reference)`` samples of a demo system: week ``week`` of the simulation
    (0 = a year ago) and its validation sample; for notebooks run without data files."""
    import numpy as np

    from workbench.errors import NotFoundError

    if system_id not in PLANS:
        raise NotFoundError(f"no demo monitoring data for {system_id!r}; give current_path "
                            f"and reference_path (demo systems: {', '.join(PLANS)})")
    rng = np.random.default_rng(_SEEDS[system_id] + 1000 + week)
    return simulate(system_id, week, rng), simulate(system_id, None, rng)
