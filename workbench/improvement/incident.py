"""The AI incident register (ISO/IEC 42001 A.8.4; EU AI Act Art. 73): open an incident,
record its report, link it to a nonconformity and the risks it touches, close it.

The days an incident was detected, the organization became aware of it and it was reported
are never later than today; a closed incident can no longer change (it is neither closed again
nor relinked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from workbench.dates import past_or_today
from workbench.errors import ValidationError
from workbench.improvement.model import Incident, IncidentStatus
from workbench.model._base import validate_record

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store, StoredVersion

__all__ = [
    "close_incident",
    "incidents_frame",
    "link_incident",
    "open_incident",
    "report_incident",
]


def _next_id(store: Store, detected_on: dt.date) -> str:
    taken = {v.record_id for v in store.latest("incident")}
    n = 1
    while f"inc-{detected_on:%Y}-{n}" in taken:
        n += 1
    return f"inc-{detected_on:%Y}-{n}"


def open_incident(store: Store, *, system_id: str, title: str, description: str,
                  detected_on: dt.date | None = None, aware_on: dt.date | None = None,
                  severity: str = "medium", serious: bool = False, death: bool = False,
                  widespread_or_critical_infra: bool = False, harm: str = "",
                  affected_persons: str = "", source: str = "other",
                  monitoring_run_id: str = "", complaint_ref: str = "",
                  risk_ids: Iterable[str] = (), nonconformity_id: str | None = None,
                  id: str | None = None,  # noqa: A002 - the record's id
                  reason: str = "") -> StoredVersion:
    """Open an AI incident, as the acting user; its reporting deadline is computed.

    Call it with ``source="monitoring", monitoring_run_id=...`` from a monitoring breach, or
    ``source="complaint", complaint_ref=...`` for a complaint. Returns the saved version; bad
    input raises a one-line ``ValidationError`` and nothing is saved.
    """
    detected = past_or_today(store, detected_on, "detected_on")
    if aware_on is not None:
        aware_on = past_or_today(store, aware_on, "aware_on")
    inc_id = id or _next_id(store, detected)
    if store.find("incident", inc_id) is not None:
        raise ValidationError(f"id: AI incident {inc_id!r} already exists",
                              [("id", "already exists")])
    record = validate_record(Incident, {
        "id": inc_id, "system_id": system_id, "title": title, "description": description,
        "detected_on": detected, "aware_on": aware_on, "severity": severity,
        "serious": serious, "death": death,
        "widespread_or_critical_infra": widespread_or_critical_infra, "harm": harm,
        "affected_persons": affected_persons, "source": source,
        "monitoring_run_id": monitoring_run_id, "complaint_ref": complaint_ref,
        "risk_ids": list(risk_ids), "nonconformity_id": nonconformity_id,
        "opened_by": store.acting_user(), "status": IncidentStatus.open})
    if record.monitoring_run_id:
        _check_monitoring_run(store, record)
    _check_same_system(store, record, record.nonconformity_id, record.risk_ids)
    return store.save(record, reason=reason or f"AI incident opened ({record.source.value})")


def _check_monitoring_run(store: Store, record: Incident) -> None:
    """Refuse a monitoring run that is not in the store, or is of another AI system (the
    store checks the other references when it saves)."""
    from workbench.errors import NotFoundError

    run_id = record.monitoring_run_id
    try:
        found = store.find("monitoring_run", run_id)
    except NotFoundError:  # monitoring is not installed: no run can be in the store
        found = None
    where = f"AI incident {record.id!r}: monitoring_run_id"
    if found is None:
        raise ValidationError(f"{where} refers to monitoring run {run_id!r}, which is not in the "
                              "store; create it first or fix monitoring_run_id",
                              [("monitoring_run_id", f"unknown monitoring run {run_id!r}")])
    run_system = found.content.get("system_id")
    if run_system != record.system_id:
        raise ValidationError(f"{where} refers to monitoring run {run_id!r}, which is of AI "
                              f"system {run_system!r}, not {record.system_id!r}; fix "
                              "monitoring_run_id or system_id",
                              [("monitoring_run_id", "a run of another AI system")])


def _not_closed(store: Store, incident_id: str, doing: str) -> None:
    """Refuse to change a closed incident (its handling is finished)."""
    current: Incident = store.get("incident", incident_id).record
    if current.status is IncidentStatus.closed:
        raise ValidationError(f"AI incident {incident_id} is closed and can no longer change: "
                              f"cannot {doing} (closure note: {current.closure_note!r}); "
                              "open a new incident if it recurs",
                              [("status", current.status.value)])


def _update(store: Store, incident_id: str, changes: dict[str, Any], reason: str
            ) -> StoredVersion:
    current = store.get("incident", incident_id)
    record = validate_record(Incident, {**current.record.model_dump(), **changes})
    return store.save(record, base_version=current.version, reason=reason)


def report_incident(store: Store, incident_id: str, *, reported_to: str,
                    reported_on: dt.date | None = None, reason: str = "") -> StoredVersion:
    """Record that the incident was reported: when (default today) and to whom."""
    current: Incident = store.get("incident", incident_id).record
    if current.status is not IncidentStatus.open:
        raise ValidationError(f"AI incident {incident_id} is {current.status.value}; it was "
                              f"reported on {current.reported_on}" if current.reported_on
                              else f"AI incident {incident_id} is {current.status.value}",
                              [("status", current.status.value)])
    to = (reported_to or "").strip()
    if not to:
        raise ValidationError("reported_to: say to whom it was reported (e.g. the market "
                              "surveillance authority)", [("reported_to", "required")])
    when = past_or_today(store, reported_on, "reported_on")
    late = current.report_deadline is not None and when > current.report_deadline
    return _update(store, incident_id, {"reported_on": when, "reported_to": to,
                                        "status": IncidentStatus.reported},
                   reason or f"reported to {to}" + (f" after the deadline "
                                                   f"({current.report_deadline})" if late
                                                   else ""))


def link_incident(store: Store, incident_id: str, *, nonconformity_id: str | None = None,
                  risk_ids: Iterable[str] | None = None, reason: str = "") -> StoredVersion:
    """Link the incident to the nonconformity it raised and the risks it touches (the risk
    ids given replace the linked ones); a closed incident is refused."""
    _not_closed(store, incident_id, "change its links")
    changes: dict[str, Any] = {}
    if nonconformity_id is not None:
        changes["nonconformity_id"] = nonconformity_id
    if risk_ids is not None:
        changes["risk_ids"] = list(dict.fromkeys(risk_ids))
    if not changes:
        raise ValidationError("give a nonconformity id or risk ids to link",
                              [("nonconformity_id", "required")])
    _check_same_system(store, store.get("incident", incident_id).record,
                       changes.get("nonconformity_id"), changes.get("risk_ids") or [])
    return _update(store, incident_id, changes, reason or "links updated")


def _check_same_system(store: Store, incident: Incident, nc_id: str | None,
                       risk_ids: Iterable[str]) -> None:
    """Refuse a link to a nonconformity or risk that shares no AI system with the incident
    (an unknown id is left to the store, which names it)."""
    targets = ([("nonconformity", nc_id)] if nc_id else []) + [("risk", r) for r in risk_ids]
    for kind, rid in targets:
        found = store.find(kind, rid)
        if found is None:
            continue
        content = found.content
        systems = [s for s in [content.get("system_id"), *(content.get("system_ids") or [])]
                   if s]
        if incident.system_id not in systems:
            field = "nonconformity_id" if kind == "nonconformity" else "risk_ids"
            about = ", ".join(dict.fromkeys(systems)) or "no AI system"
            raise ValidationError(
                f"{field}: AI incident {incident.id} is about AI system {incident.system_id}, "
                f"but {kind} {rid} is about {about}; link only a {kind} of "
                f"{incident.system_id}", [(field, "another AI system")])


def close_incident(store: Store, incident_id: str, *, note: str,
                   reason: str = "") -> StoredVersion:
    """Close an incident (a serious one only once reported); a closed one is refused."""
    _not_closed(store, incident_id, "close it again")
    text = (note or "").strip()
    if not text:
        raise ValidationError("note: say how the incident was resolved",
                              [("closure_note", "required")])
    return _update(store, incident_id, {"status": IncidentStatus.closed, "closure_note": text},
                   reason or "AI incident closed")


_COLUMNS = ["id", "system_id", "title", "severity", "serious", "detected_on", "aware_on",
            "deadline_rule", "report_deadline", "reported_on", "reported_to", "status",
            "source", "nonconformity_id", "risk_ids", "overdue", "reported_late",
            "days_left"]


def incidents_frame(store: Store, *, today: dt.date | None = None) -> pd.DataFrame:
    """One row per incident; ``overdue`` when a report is due, not made and the deadline has
    passed, ``reported_late`` when it was made after the deadline, ``days_left`` until the
    deadline of a report not made yet. A record failing its checks is named, not fatal."""
    import pandas as pd

    from workbench.registers import parsed_versions, with_problems

    today = today or store.now().date()
    good, problems = parsed_versions(store.latest("incident"))
    rows = []
    for version in good:
        inc: Incident = version.record
        due = inc.report_deadline
        pending = due is not None and inc.reported_on is None
        rows.append({
            "id": inc.id, "system_id": inc.system_id, "title": inc.title,
            "severity": inc.severity.value, "serious": inc.serious,
            "detected_on": inc.detected_on, "aware_on": inc.aware_on or inc.detected_on,
            "deadline_rule": inc.deadline_rule, "report_deadline": due,
            "reported_on": inc.reported_on, "reported_to": inc.reported_to,
            "status": inc.status.value, "source": inc.source.value,
            "nonconformity_id": inc.nonconformity_id, "risk_ids": list(inc.risk_ids),
            "overdue": bool(pending and today > due),
            "reported_late": bool(due is not None and inc.reported_on is not None
                                  and inc.reported_on > due),
            "days_left": (due - today).days if pending else None})
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    frame = frame.astype({"days_left": "Int64", "overdue": bool, "reported_late": bool,
                          "serious": bool})
    return with_problems(frame, problems)
