"""Explanations as evidence in the store (A.6.2.7 technical documentation, A.8.2 information
for users), and the explanation evidence of a system read back."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from workbench.explain._compute import ExplanationResult
    from workbench.model import Evidence
    from workbench.store import Store, StoredVersion

__all__ = [
    "CONTROLS",
    "evidence_id_for",
    "explanation_evidence",
    "latest_explanation",
    "load_details",
    "record_evidence",
]

#: Annex A controls explanation evidence supports: technical documentation (A.6.2.7) and
#: system documentation and information for users (A.8.2).
CONTROLS = ["A.6.2.7", "A.8.2"]


def evidence_id_for(system_id: str, result: ExplanationResult) -> str:
    """``explain-<system>-<model id 8>-<data fingerprint 8>``: one record per model and data."""
    model = "".join(ch for ch in result.model_id.lower() if ch.isalnum())[:8] or "model"
    return f"explain-{system_id}"[:80] + f"-{model}-{result.data_fingerprint[:8]}"


def explanation_evidence(store: Store, result: ExplanationResult, *, system_id: str,
                         title: str | None = None, collected_at: dt.datetime | None = None,
                         valid_days: int | None = 365, uri: str = "") -> Evidence:
    """The evidence record of an explanation (not saved; see :func:`record_evidence`).

    Its ``details`` hold every figure and setting (:meth:`ExplanationResult.details`), the
    model and data fingerprints and the sample size; ``content_hash`` is the SHA-256 of the
    two fingerprints, so the same model on the same data is the same evidence. It links to the
    system's latest impact assessment when there is one.

    Raises
    ------
    NotFoundError
        No such AI system.
    """
    from workbench.identity import current_user
    from workbench.impact.assess import latest_assessment
    from workbench.model import Evidence

    found = store.find("ai_system", system_id)
    if found is None:
        raise NotFoundError(f"no AI system {system_id!r} in the store; record explanation "
                            "evidence against a system of the inventory (`workbench systems "
                            "list`)")
    if valid_days is not None and valid_days < 1:
        raise ValidationError(f"valid_days must be at least 1 (got {valid_days})")
    assessment = latest_assessment(store, system_id)
    when = collected_at or dt.datetime.now(dt.timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    model_key = result.model.get("sha256") or f"declared:{result.model.get('declared_version')}"
    digest = hashlib.sha256(f"{model_key}:{result.data_fingerprint}".encode()).hexdigest()
    details = result.details()
    details["impact_assessment"] = assessment.record_id if assessment else None
    return Evidence(
        id=evidence_id_for(system_id, result),
        title=title or f"Explanation of {found.record.name} (model {result.model_id})",
        evidence_kind="explanation", description=result.summary(), uri=uri,
        content_hash=digest, collected_by=current_user(store), collected_at=when,
        expires_at=(when.date() + dt.timedelta(days=valid_days)) if valid_days else None,
        control_ids=CONTROLS, system_ids=[system_id],
        links=[{"kind": "impact_assessment", "id": assessment.record_id}] if assessment else [],
        details=details)


def record_evidence(store: Store, result: ExplanationResult, *, system_id: str,
                    title: str | None = None, valid_days: int | None = 365, uri: str = "",
                    reason: str = "") -> StoredVersion:
    """Save an explanation as evidence for A.6.2.7 and A.8.2 (a new version when the same
    model was already explained on the same data).

    Raises
    ------
    NotFoundError
        No such AI system. Nothing is saved.
    """
    evidence = explanation_evidence(store, result, system_id=system_id, title=title,
                                    valid_days=valid_days, uri=uri)
    existing = store.find("evidence", evidence.id)
    return store.save(evidence, base_version=existing.version if existing else None,
                      reason=reason or f"explanation of model {result.model_id} on "
                      f"{result.sample_size:,} rows")


def latest_explanation(store: Store, system_id: str, *, as_of: dt.date | None = None
                       ) -> StoredVersion | None:
    """The system's most recent explanation evidence that has not expired (None if none)."""
    import pandas as pd

    ev = store.frame("evidence", meta=False)
    if ev.empty:
        return None
    mine = ev[(ev["evidence_kind"] == "explanation")
              & ev["system_ids"].map(lambda s: system_id in (s or []))]
    today = pd.Timestamp(as_of or dt.date.today())
    expires = pd.to_datetime(mine["expires_at"], errors="coerce")
    mine = mine[expires.isna() | (expires >= today)]
    if mine.empty:
        return None
    when = pd.to_datetime(mine["collected_at"], utc=True, format="ISO8601")
    top = mine.assign(_when=when).sort_values(["_when", "id"]).iloc[-1]
    return store.get("evidence", str(top["id"]))


def load_details(store: Store, evidence_id: str) -> dict[str, Any]:
    """The figures of explanation evidence as recorded (``details``).

    Raises
    ------
    NotFoundError
        No such evidence.
    ValidationError
        The evidence is not an explanation.
    """
    evidence = store.get("evidence", evidence_id).record
    if evidence.evidence_kind.value != "explanation":
        raise ValidationError(f"evidence {evidence_id!r} is not an explanation "
                              f"({evidence.evidence_kind.value}); pick explanation evidence")
    return dict(evidence.details)
