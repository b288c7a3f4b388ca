"""Fairness results as evidence in the store, the flags dashboards read, and proposed risks."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.fairness._compute import FairnessResult
    from workbench.store import Store, StoredVersion

__all__ = [
    "CONTROLS",
    "FLAG_COLUMNS",
    "evidence_id_for",
    "flags",
    "load_result",
    "proposed_risks",
    "record_evidence",
]

#: Annex A controls fairness evidence supports: verification and validation (A.6.2.4) and
#: assessing impact on individuals or groups (A.5.4).
CONTROLS = ["A.5.4", "A.6.2.4"]
#: Clause 9.1 (monitoring, measurement, analysis and evaluation).
CLAUSES = ["9.1"]
FLAG_COLUMNS = ["system_id", "evidence_id", "feature", "metric", "value", "threshold", "bound",
                "breach", "reliable", "rationale", "collected_at", "expired"]


def evidence_id_for(system_id: str, fingerprint: str) -> str:
    """``fairness-<system>-<first 12 hex of the data fingerprint>``: one record per data set."""
    return f"fairness-{system_id}"[:86] + f"-{fingerprint[:12]}"


def record_evidence(store: Store, result: FairnessResult, *, system_id: str,
                    title: str | None = None,
                    collected_at: dt.datetime | None = None, valid_days: int | None = 365,
                    uri: str = "", reason: str = "") -> StoredVersion:
    """Save a fairness result as evidence for A.6.2.4 and A.5.4, linked to the assessment.

    The evidence carries the data's SHA-256 fingerprint (also as its ``content_hash``), the
    sample size per group, every metric with its threshold, rationale and flag, and the
    warnings, in ``details``; it links to the system's latest impact assessment when there
    is one. Checking the same data again appends a new version of the same evidence record.

    Parameters
    ----------
    valid_days
        Days until the evidence expires (None: never).

    Raises
    ------
    NotFoundError
        No such AI system.
    """
    from workbench.impact.assess import latest_assessment
    from workbench.model import Evidence

    found = store.find("ai_system", system_id)
    if found is None:
        raise NotFoundError(f"no AI system {system_id!r} in the store; record fairness evidence "
                            "against a system of the inventory (`workbench systems list`)")
    system = found.record
    assessment = latest_assessment(store, system_id)
    when = collected_at or store.now()
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    features = ", ".join(result.group_sizes)
    n_breach = int(result.metrics["breach"].sum())
    details = result.details()
    details["impact_assessment"] = assessment.record_id if assessment else None
    if assessment is None:
        details["note"] = ("no impact assessment of this system yet; link one when it exists "
                           "(A.5.4 expects the assessment to consider these results)")
    evidence = Evidence(
        id=evidence_id_for(system_id, result.fingerprint),
        title=title or f"Fairness check of {system.name} by {features}",
        evidence_kind="fairness_metrics",
        description=result.summary(),
        uri=uri,
        content_hash=result.fingerprint,
        collected_by=store.acting_user(),
        collected_at=when,
        expires_at=(when.date() + dt.timedelta(days=valid_days)) if valid_days else None,
        control_ids=CONTROLS,
        clause_ids=CLAUSES,
        system_ids=[system_id],
        links=[{"kind": "impact_assessment", "id": assessment.record_id}] if assessment else [],
        details=details,
    )
    existing = store.find("evidence", evidence.id)
    why = reason or (f"fairness check: {n_breach} value(s) outside the thresholds" if n_breach
                     else "fairness check: within the thresholds")
    return store.save(evidence, base_version=existing.version if existing else None,
                      reason=why)


def flags(store: Store, *, as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per fairness evidence item and metric: value, threshold, breach, expiry.

    Returns
    -------
    pandas.DataFrame
        ``system_id``, ``evidence_id``, ``feature``, ``metric``, ``value``, ``threshold``,
        ``bound``, ``breach`` (bool), ``reliable`` (bool), ``rationale``, ``collected_at``,
        ``expired`` (bool, judged on ``as_of``, default today). Built from one register query.
    """
    import pandas as pd

    as_of = as_of or dt.date.today()
    ev = store.frame("evidence", meta=False)
    if ev.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    ev = ev[ev["evidence_kind"] == "fairness_metrics"]
    if ev.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    base = pd.DataFrame({
        "system_id": ev["system_ids"].map(lambda s: s[0] if s else None),
        "evidence_id": ev["id"],
        "collected_at": pd.to_datetime(ev["collected_at"], utc=True, format="ISO8601"),
        "expired": pd.to_datetime(ev["expires_at"], errors="coerce") < pd.Timestamp(as_of),
        "metrics": ev["details"].map(lambda d: (d or {}).get("metrics") or []),
    }).explode("metrics", ignore_index=True).dropna(subset=["metrics"])
    if base.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    rows = pd.json_normalize(base["metrics"].tolist())
    out = pd.concat([base.drop(columns="metrics").reset_index(drop=True), rows], axis=1)
    for col in ("threshold", "bound", "rationale", "reliable"):
        if col not in out:
            out[col] = None
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    out["threshold"] = pd.to_numeric(out["threshold"], errors="coerce")
    out["breach"] = out["breach"].fillna(False).astype(bool)
    out["reliable"] = out["reliable"].fillna(True).astype(bool)
    out["expired"] = out["expired"].fillna(False).astype(bool)
    return out[FLAG_COLUMNS].sort_values(["system_id", "evidence_id", "feature", "metric"]
                                         ).reset_index(drop=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


_SHORT = {"demographic_parity_difference": "dpd", "demographic_parity_ratio": "dpr",
          "equalized_odds_difference": "eod", "equalized_odds_ratio": "eor",
          "equal_opportunity_difference": "eopd", "equal_opportunity_ratio": "eopr"}


def proposed_risks(result: FairnessResult, *, system_id: str, owner: str,
                   evidence_id: str | None = None, identified_on: dt.date | None = None,
                   levels: int = 5, review_in_days: int = 30) -> list[dict[str, Any]]:
    """One proposed risk (the risk record's field names) per value outside a threshold.

    Observed in the data, the breach is rated *likely* (4 of 5) with a *moderate*
    consequence (3 of 5), mapped onto ``levels``; the status is ``identified``. Nothing is
    saved: review, then ``wb.impact.save_proposed_risk(store, proposal)``.
    """
    from workbench.impact.assess import scale_level
    from workbench.risk.model import proposed_risk

    if not owner:
        raise ValidationError("owner: give the login of the proposed risk owner")
    out = []
    for row in result.breaches.itertuples():
        sign = "<=" if row.bound == "max" else ">="
        where = f" (evidence {evidence_id})" if evidence_id else ""
        rid = f"risk-{system_id}"[:70] + f"-fairness-{_slug(row.feature)[:12]}-{_SHORT[row.metric]}"
        out.append(proposed_risk(
            risk_id=rid.strip("-"), system_id=system_id,
            title=(f"Fairness: {row.metric.replace('_', ' ')} by {row.feature} is "
                   f"{row.value:.3f} (threshold {sign} {row.threshold:g})"),
            description=(f"A fairness check of {result.sample_size:,} predictions{where} "
                         f"found {row.metric} for {row.feature} = {row.value:.3f}, outside "
                         f"the configured threshold ({sign} {row.threshold:g}). Rationale "
                         f"of the threshold: {row.rationale} Group sizes: "
                         f"{result.group_sizes.get(row.feature, {})}. Data fingerprint "
                         f"{result.fingerprint[:12]}."),
            risk_source="source.machine_learning", objective="objective.fairness",
            likelihood=scale_level(4, levels), consequence=scale_level(3, levels),
            controls=["A.5.4", "A.6.2.4", "A.7.4"], owner=owner, identified_on=identified_on,
            review_in_days=review_in_days))
    return out


def load_result(store: Store, evidence_id: str) -> FairnessResult:
    """Rebuild a :class:`FairnessResult` from fairness evidence in the store (as recorded).

    Raises
    ------
    NotFoundError
        No such evidence, or it holds no by-group figures.
    ValidationError
        The evidence is not a fairness check.
    """
    import pandas as pd

    from workbench.fairness._compute import FairnessResult
    from workbench.fairness._config import load_thresholds

    evidence = store.get("evidence", evidence_id).record
    if evidence.evidence_kind.value != "fairness_metrics" or "metrics" not in evidence.details:
        raise ValidationError(f"evidence {evidence_id!r} is not a fairness check "
                              f"({evidence.evidence_kind.value}); pick fairness_metrics evidence")
    d: dict[str, Any] = evidence.details
    config = load_thresholds({"min_group_size": {"value": d["min_group_size"],
                                                 "rationale": d.get("min_group_size_rationale")
                                                 or "as recorded with the evidence"},
                              "thresholds": d.get("thresholds", [])})
    metrics = pd.DataFrame(d["metrics"])
    metrics["value"] = metrics["value"].astype(float)
    metrics["threshold"] = pd.to_numeric(metrics["threshold"], errors="coerce")
    metrics["bound"] = metrics["bound"].fillna("")
    metrics["breach"] = metrics["breach"].astype(bool)
    by_group = pd.DataFrame(d["by_group"])
    for col in by_group.columns:
        if col not in ("feature", "group", "reliable", "count"):
            by_group[col] = pd.to_numeric(by_group[col], errors="coerce")
    if by_group.empty:
        raise NotFoundError(f"evidence {evidence_id!r} holds no by-group figures")
    # Stored JSON sorts keys; the feature order is the order the columns were given.
    order = list(d.get("columns", {}).get("sensitive") or []) or list(d["group_sizes"])
    sizes = {f: d["group_sizes"][f] for f in order if f in d["group_sizes"]}
    return FairnessResult(by_group=by_group, metrics=metrics, overall=d.get("overall", {}),
                          group_sizes=sizes, sample_size=d["sample_size"],
                          fingerprint=d["fingerprint"], config=config,
                          columns=d.get("columns", {}), pos_label=d.get("pos_label", 1),
                          source=d.get("source", ""), warnings=tuple(d.get("warnings", [])))
