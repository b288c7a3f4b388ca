"""Across systems: the EU AI Act portfolio, and the facts sign-off rules read."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from workbench.impact.classify import classify, provider_roles
from workbench.impact.model import submission_gaps
from workbench.registers import problems_of, read_register, with_problems

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store, StoredVersion

__all__ = ["PORTFOLIO_COLUMNS", "assessments", "portfolio", "signoff_facts"]

PORTFOLIO_COLUMNS = [
    "system_id", "system_name", "owner", "business_unit", "roles", "tier", "gpai",
    "obligations", "missing", "assessment_id", "assessment_status", "assessed_on",
    "assessor", "review_due", "overdue_review", "approval", "triggered",
]


def assessments(store: Store) -> pd.DataFrame:
    """Every assessment's latest version, newest first per system (one query).

    An assessment whose stored version fails its checks is left out; the returned frame
    names it (``wb.registers.problems_of(frame)``).
    """
    df = read_register(store, "impact_assessment").frame
    if df.empty:
        return df
    return df.sort_values(["system_id", "assessed_on", "_saved_at"],
                          ascending=[True, False, False]).reset_index(drop=True)


def _approval(store: Store) -> dict[str, str]:
    """Sign-off state per assessment id, when the sign-off feature is installed."""
    from workbench.errors import NotFoundError

    try:
        from workbench import oversight  # type: ignore[attr-defined]

        frame = oversight.status_frame(store, kind="impact_assessment")
    except (ImportError, AttributeError, NotFoundError):
        return {}
    if frame is None or frame.empty:
        return {}
    return dict(zip(frame["record_id"].astype(str), frame["state"].astype(str)))


def portfolio(store: Store, *, as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per AI system with its EU AI Act tier and its assessment's state.

    Parameters
    ----------
    as_of
        The day ``overdue_review`` is judged on (default today).

    Returns
    -------
    pandas.DataFrame
        ``system_id``, ``system_name``, ``owner``, ``business_unit``, ``roles``, ``tier``
        (``undetermined`` without an assessment), ``gpai``, ``obligations`` (list),
        ``missing`` (number of open questions), ``assessment_id``, ``assessment_status``
        (``draft``, ``submitted`` or ``none``), ``assessed_on``, ``assessor``,
        ``review_due``, ``overdue_review`` (bool) and ``approval`` (the sign-off state when
        the sign-off feature is installed, else ``none``). Built from two register queries;
        the tier is computed from the answers, never stored. A system or assessment whose
        stored version fails its checks is left out and named in the frame's problems
        (``wb.registers.problems_of``).
    """
    import pandas as pd

    as_of = as_of or dt.date.today()
    systems = read_register(store, "ai_system", meta=False).frame
    if systems.empty:
        return with_problems(pd.DataFrame(columns=PORTFOLIO_COLUMNS), problems_of(systems))
    latest = assessments(store)
    problems = problems_of(systems, latest)
    if not latest.empty:
        # the assessment in force: the latest one that is not a draft, else the latest draft
        # (a reassessment started does not undo the submitted one before it)
        latest = latest.assign(_draft=latest["status"].astype(str) == "draft").sort_values(
            ["system_id", "_draft"], kind="stable").drop_duplicates("system_id", keep="first")
        latest = latest[["system_id", "id", "status", "assessed_on", "assessor", "review_due",
                         "answers"]].rename(columns={"id": "assessment_id",
                                                     "status": "assessment_status"})
    else:
        latest = pd.DataFrame(columns=["system_id", "assessment_id", "assessment_status",
                                       "assessed_on", "assessor", "review_due", "answers"])
    df = systems[["id", "name", "owner", "business_unit", "org_roles"]].rename(
        columns={"id": "system_id", "name": "system_name"}).merge(
        latest, on="system_id", how="left")
    results = [classify(a, org_roles=r) if isinstance(a, dict) else None
               for a, r in zip(df["answers"], df["org_roles"])]
    df["roles"] = [provider_roles(r) for r in df["org_roles"]]
    df["tier"] = [c.tier if c else "undetermined" for c in results]
    df["gpai"] = [c.gpai if c else "undetermined" for c in results]
    df["obligations"] = [list(c.obligations) if c else [] for c in results]
    df["missing"] = [len(c.missing) if c else 0 for c in results]
    df["triggered"] = [list(c.triggered) if c else [] for c in results]
    df["assessment_status"] = df["assessment_status"].fillna("none").astype(str)
    df["assessment_id"] = df["assessment_id"].astype(object).where(df["assessment_id"].notna(),
                                                                   None)
    due = pd.to_datetime(df["review_due"], errors="coerce")
    df["review_due"] = due.dt.date.astype(object).where(due.notna(), None)
    done = pd.to_datetime(df["assessed_on"], errors="coerce")
    df["assessed_on"] = done.dt.date.astype(object).where(done.notna(), None)
    df["assessor"] = df["assessor"].astype(object).where(df["assessor"].notna(), None)
    df["overdue_review"] = (due.notna() & (due < pd.Timestamp(as_of))).astype(bool)
    approval = _approval(store)
    df["approval"] = df["assessment_id"].map(lambda i: approval.get(i, "none") if i else "none")
    return with_problems(df[PORTFOLIO_COLUMNS].reset_index(drop=True), problems)


def signoff_facts(store: Store, stored_version: StoredVersion) -> dict[str, Any]:
    """Facts the sign-off policy reads about one version of an impact assessment.

    Returns
    -------
    dict
        ``system_id``, ``system_name``, ``system_owner``, ``eu_tier``, ``high_risk``
        (bool), ``gpai``, ``assessor``, ``status``, ``review_due`` (ISO date or None) and
        ``complete`` (bool: the version passes the submit check, so it can be counted).
        The tier is computed from that version's answers and the system's roles.
    """
    record = stored_version.record
    found = store.find("ai_system", record.system_id)
    system = found.record if found is not None else None
    result = classify(record.answers, org_roles=system.org_roles) if system else None
    return {
        "system_id": record.system_id,
        "system_name": system.name if system else record.system_id,
        "system_owner": system.owner if system else None,
        "eu_tier": result.tier if result else "undetermined",
        "high_risk": bool(result and result.tier == "high_risk"),
        "gpai": result.gpai if result else "undetermined",
        "assessor": record.assessor,
        "status": record.status.value,
        "review_due": record.review_due.isoformat() if record.review_due else None,
        "complete": not submission_gaps(record),
    }
