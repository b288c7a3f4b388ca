"""Nonconformity to closure (ISO/IEC 42001 10.2): one function per step of the lifecycle.

raised -> corrected -> root_cause -> actions_planned -> in_progress -> effectiveness_reviewed
-> closed, or cancelled (with a reason) from any open stage. Each step reads the latest
version, refuses a step out of order with a one-line :class:`~workbench.errors.ValidationError`
(nothing is written) and saves a new version through the store, as the acting user. The
effectiveness review is made by someone other than the owners of the corrective actions; a
nonconformity is cancelled only by whoever raised it or the governance lead, never by an owner
of its corrective actions, nor by the team of its AI systems unless they raised it themselves,
nor ever by that team when an audit or a monitoring run of the system raised it.

Step dates are never later than today nor before the nonconformity was raised, and follow the
workflow: an action is done on or after the last effectiveness review, the effectiveness is
reviewed on or after the day the last action was done, the nonconformity is closed on or after
its effectiveness review.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from workbench.dates import past_or_today
from workbench.errors import PermissionDeniedError, ValidationError
from workbench.model._base import validate_record
from workbench.readiness.model import NCStage, Nonconformity

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store, StoredVersion

__all__ = [
    "NEXT_STEP",
    "cancel",
    "cancellers",
    "close",
    "complete_action",
    "effectiveness_reviewers",
    "nonconformities_frame",
    "plan_action",
    "raise_nc",
    "record_correction",
    "record_root_cause",
    "review_effectiveness",
    "suggest_nc_id",
]

#: What to do next at each open stage (used in refusals and listings).
NEXT_STEP: dict[NCStage, str] = {
    NCStage.raised: "record its correction (record_correction; workbench nc update ID "
                    "--correction TEXT)",
    NCStage.corrected: "determine its root cause (record_root_cause; --root-cause TEXT)",
    NCStage.root_cause: "plan corrective actions (plan_action; --action TEXT --owner LOGIN "
                        "--due DATE)",
    NCStage.actions_planned: "complete its corrective actions (complete_action; --done N)",
    NCStage.in_progress: "complete its actions, then review their effectiveness "
                         "(review_effectiveness; --effective/--not-effective --review TEXT)",
    NCStage.effectiveness_reviewed: "close it (close; --close)",
}


def _today(store: Store, on: dt.date | None) -> dt.date:
    return on if on is not None else store.now().date()


def _step_day(store: Store, nc: Nonconformity, on: Any, field: str,
              after: Iterable[tuple[dt.date | None, str]] = ()) -> dt.date:
    """The day of a step (default today): not in the future, not before the nonconformity
    was raised, nor before any of ``after`` (a day and what happened on it)."""
    when = past_or_today(store, on, field)
    later = [(day, what) for day, what in [(nc.raised_on, "the nonconformity was raised"),
                                           *after] if day is not None and when < day]
    if later:  # name the latest of the steps it would precede
        day, what = max(later, key=lambda pair: pair[0])
        raise ValidationError(f"{field}: {when} is before {what} ({day})",
                              [(field, "out of order")])
    return when


def _text(value: str | None, field: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"{field}: {what} is required", [(field, "required")])
    return text


def suggest_nc_id(store: Store, prefix: str = "nc") -> str:
    """The next free id of the form ``nc-N``."""
    taken = {v.record_id for v in store.latest("nonconformity")}
    n = 1
    while f"{prefix}-{n}" in taken:
        n += 1
    return f"{prefix}-{n}"


def raise_nc(store: Store, *, title: str, description: str, source: str = "other",
             severity: str = "minor", id: str | None = None,  # noqa: A002 - the record's id
             system_ids: Iterable[str] = (), clause_ids: Iterable[str] = (),
             control_ids: Iterable[str] = (), audit_programme_id: str | None = None,
             audit_id: str = "", raised_on: dt.date | None = None,
             reason: str = "") -> StoredVersion:
    """Raise a nonconformity (stage *raised*), as the acting user.

    Returns the saved version; a bad field raises a one-line ``ValidationError`` (an unknown
    system, clause or control included) and nothing is saved.
    """
    nc_id = id or suggest_nc_id(store)
    raised = past_or_today(store, raised_on, "raised_on")
    if store.find("nonconformity", nc_id) is not None:
        raise ValidationError(f"id: nonconformity {nc_id!r} already exists; choose another id "
                              "or update it", [("id", "already exists")])
    record = validate_record(Nonconformity, {
        "id": nc_id, "title": title, "description": description,
        "raised_on": raised, "raised_by": store.acting_user(),
        "source": source, "severity": severity, "system_ids": list(system_ids),
        "clause_ids": list(clause_ids), "control_ids": list(control_ids),
        "audit_programme_id": audit_programme_id, "audit_id": audit_id,
        "stage": NCStage.raised})
    return store.save(record, reason=reason or f"nonconformity raised ({record.source.value})")


def _step(store: Store, nc_id: str, allowed: Iterable[NCStage], doing: str
          ) -> tuple[StoredVersion, Nonconformity]:
    current = store.get("nonconformity", nc_id)
    nc: Nonconformity = current.record
    stage = nc.stage or nc.derived_stage()
    allowed = tuple(allowed)
    if stage not in allowed:
        nxt = NEXT_STEP.get(stage)
        hint = f"; next: {nxt}" if nxt else " and can no longer change"
        raise ValidationError(f"nonconformity {nc_id} is {stage.value.replace('_', ' ')}: "
                              f"cannot {doing} now{hint}", [("stage", stage.value)])
    return current, nc


def _save(store: Store, current: StoredVersion, nc: Nonconformity, changes: Mapping[str, Any],
          reason: str) -> StoredVersion:
    record = validate_record(Nonconformity, {**nc.model_dump(), **changes})
    if not nc.system_ids and not record.system_ids:
        _no_system_refusal(store, current, record)
    return store.save(record, base_version=current.version, reason=reason)


def _no_system_refusal(store: Store, current: StoredVersion, record: Nonconformity) -> None:
    """Refuse in plain words an acting user who may not update a nonconformity that names no
    AI system (no system team can work it: only the governance lead and auditors may)."""
    if not store.refusals([(record, current.version)]):
        return
    people = _people(store)

    def holders(role: str) -> str:
        return ", ".join(sorted(p["id"] for p in people if role in (p.get("roles") or [])))

    leads, auditors = holders("governance_lead"), holders("auditor")
    raise PermissionDeniedError(
        f"{store.acting_user()} may not update nonconformity {record.id}: {record.id} names no "
        f"AI system, so only the AI governance lead ({leads or 'nobody yet'}) or an auditor "
        f"({auditors or 'nobody yet'}) may update it")


def record_correction(store: Store, nc_id: str, correction: str, *,
                      reason: str = "") -> StoredVersion:
    """Record the immediate correction (containment): *raised* -> *corrected*."""
    current, nc = _step(store, nc_id, [NCStage.raised], "record a correction")
    text = _text(correction, "correction", "the correction (what was done to contain it)")
    return _save(store, current, nc, {"correction": text, "stage": NCStage.corrected},
                 reason or "correction recorded")


def record_root_cause(store: Store, nc_id: str, root_cause: str, *,
                      reason: str = "") -> StoredVersion:
    """Record the root cause: *corrected* -> *root_cause*."""
    current, nc = _step(store, nc_id, [NCStage.corrected], "record the root cause")
    text = _text(root_cause, "root_cause", "the root cause")
    return _save(store, current, nc, {"root_cause": text, "stage": NCStage.root_cause},
                 reason or "root cause determined")


def plan_action(store: Store, nc_id: str, description: str, *, owner: str, due: dt.date,
                reason: str = "") -> StoredVersion:
    """Add a corrective action with its owner and due date (after the root cause is known)."""
    current, nc = _step(store, nc_id, [NCStage.root_cause, NCStage.actions_planned,
                                       NCStage.in_progress], "plan a corrective action")
    text = _text(description, "description", "the action's description")
    if due < nc.raised_on:
        raise ValidationError(f"due: the action is due ({due}) before the nonconformity was "
                              f"raised ({nc.raised_on})", [("due", "before raised_on")])
    actions = [*[a.model_dump() for a in nc.corrective_actions],
               {"description": text, "owner": owner, "due": due}]
    stage = NCStage.in_progress if nc.stage is NCStage.in_progress else \
        NCStage.actions_planned
    return _save(store, current, nc, {"corrective_actions": actions, "stage": stage},
                 reason or f"corrective action planned for {owner}, due {due}")


def complete_action(store: Store, nc_id: str, number: int, *, done_on: dt.date | None = None,
                    reason: str = "") -> StoredVersion:
    """Mark corrective action ``number`` (1 for the first) done: -> *in_progress*."""
    current, nc = _step(store, nc_id, [NCStage.actions_planned, NCStage.in_progress],
                        "complete an action")
    count = len(nc.corrective_actions)
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= count:
        raise ValidationError(f"action: nonconformity {nc_id} has {count} corrective "
                              f"action{'s' if count != 1 else ''}; give a number from 1 to "
                              f"{count} (got {number!r})", [("action", "no such action")])
    action = nc.corrective_actions[number - 1]
    if action.done_on is not None:
        raise ValidationError(f"action: action {number} of nonconformity {nc_id} was already "
                              f"done on {action.done_on}", [("action", "already done")])
    # an action still open was planned after the last (not effective) review, if any
    when = _step_day(store, nc, done_on, "done_on", [
        (nc.effectiveness_reviewed_on, "the last effectiveness review")])
    actions = [a.model_dump() for a in nc.corrective_actions]
    actions[number - 1]["done_on"] = when
    return _save(store, current, nc, {"corrective_actions": actions,
                                      "stage": NCStage.in_progress},
                 reason or f"corrective action {number} done")


def _people(store: Store) -> list[dict[str, Any]]:
    return [v.content for v in store.latest("person") if v.content.get("active", True)]


def effectiveness_reviewers(store: Store, nc: Nonconformity) -> list[str]:
    """Who may review the effectiveness of ``nc``'s actions: the governance lead, auditors and
    the owners and teams of its AI systems, except the owners of its corrective actions."""
    owners = {a.owner for a in nc.corrective_actions}
    team: set[str] = set()
    for sid in nc.system_ids:
        found = store.find("ai_system", sid)
        if found is not None:
            team |= {found.content.get("owner") or "", *(found.content.get("team") or [])}
    out = []
    for person in _people(store):
        roles = set(person.get("roles") or [])
        if roles & {"governance_lead", "auditor"} or (
                person["id"] in team and roles & {"owner", "assessor", "contributor"}):
            out.append(person["id"])
    return sorted(set(out) - owners)


def review_effectiveness(store: Store, nc_id: str, *, effective: bool, review: str,
                         on: dt.date | None = None, reason: str = "") -> StoredVersion:
    """Record whether the corrective actions worked, by someone who owns none of them.

    Effective: -> *effectiveness_reviewed* (then :func:`close`). Not effective: back to
    *root_cause*, to plan further actions (the review stays in the history).
    """
    current, nc = _step(store, nc_id, [NCStage.in_progress], "review effectiveness")
    pending = [i for i, a in enumerate(nc.corrective_actions, 1) if a.done_on is None]
    if pending:
        raise ValidationError(f"nonconformity {nc_id}: complete corrective action"
                              f"{'s' if len(pending) > 1 else ''} "
                              f"{', '.join(map(str, pending))} before reviewing effectiveness",
                              [("corrective_actions", "not done")])
    who = store.acting_user()
    owners = sorted({a.owner for a in nc.corrective_actions})
    if who in owners:
        may = effectiveness_reviewers(store, nc)
        raise PermissionDeniedError(
            f"{who} owns a corrective action of nonconformity {nc_id} and may not review its "
            f"effectiveness (segregation of duties); it may be reviewed by "
            f"{', '.join(may) or 'nobody yet (add a governance lead or auditor)'}")
    text = _text(review, "effectiveness_review", "the effectiveness review (how it was "
                 "checked)")
    when = _step_day(store, nc, on, "effectiveness_reviewed_on", [
        *((a.done_on, f"corrective action {i} was done")
          for i, a in enumerate(nc.corrective_actions, 1)),
        (nc.effectiveness_reviewed_on, "the previous effectiveness review")])
    return _save(store, current, nc, {
        "effectiveness_review": text, "effective": bool(effective),
        "effectiveness_reviewed_by": who, "effectiveness_reviewed_on": when,
        "stage": NCStage.effectiveness_reviewed if effective else NCStage.root_cause},
        reason or ("corrective actions reviewed: effective" if effective else
                   "corrective actions reviewed: not effective; further action needed"))


def close(store: Store, nc_id: str, *, on: dt.date | None = None,
          reason: str = "") -> StoredVersion:
    """Close a nonconformity whose actions were reviewed effective."""
    current, nc = _step(store, nc_id, [NCStage.effectiveness_reviewed], "close it")
    when = _step_day(store, nc, on, "closed_on", [
        (nc.effectiveness_reviewed_on, "its effectiveness was reviewed")])
    return _save(store, current, nc, {"stage": NCStage.closed, "closed_on": when},
                 reason or "nonconformity closed")


def _audit_raised(nc: Nonconformity) -> bool:
    return bool(nc.audit_id) or nc.source.value in ("internal_audit", "external_audit")


def _run_raised(nc: Nonconformity) -> bool:
    """Raised by a monitoring run of one of its systems (``nc-monitoring-<system>``, or a
    recurrence ``nc-monitoring-<system>-YYYYMMDD[-n]``): the run's finding, not a person's."""
    return nc.source.value == "monitoring" and any(
        re.fullmatch(rf"nc-monitoring-{re.escape(sid)}(-\d{{8}}(-\d+)?)?", nc.id)
        for sid in nc.system_ids)


def _system_teams(store: Store, nc: Nonconformity) -> dict[str, str]:
    """Each owner or team member of the nonconformity's AI systems -> one such system."""
    out: dict[str, str] = {}
    for sid in nc.system_ids:
        found = store.find("ai_system", sid)
        if found is not None:
            for login in [found.content.get("owner"), *(found.content.get("team") or [])]:
                if login:
                    out.setdefault(login, sid)
    return out


def _why_not_cancel(store: Store, nc: Nonconformity, who: str) -> str:
    """Why ``who`` may not cancel ``nc`` (empty when they may)."""
    found = store.find("person", who)
    person = found.content if found is not None else {}
    lead = "governance_lead" in (person.get("roles") or []) and person.get("active", True)
    return cancel_refusal(nc, who, _system_teams(store, nc), lead=bool(lead))


def cancel_refusal(nc: Nonconformity, who: str, teams: Mapping[str, str], *,
                   lead: bool) -> str:
    """Why ``who`` may not cancel ``nc``, given the owners and teams of its AI systems
    (``login -> system``) and whether ``who`` is an active governance lead (empty: they may)."""
    owned = [i for i, a in enumerate(nc.corrective_actions, 1) if a.owner == who]
    if owned:
        return (f"they own its corrective action{'s' if len(owned) > 1 else ''} "
                f"{', '.join(map(str, owned))}")
    system = teams.get(who)
    if system is not None:
        if _audit_raised(nc):
            return (f"an audit raised it and they are on the team of the audited AI system "
                    f"{system}")
        if _run_raised(nc):
            return (f"a monitoring run raised it and they are on the team of the monitored AI "
                    f"system {system}")
    if who == nc.raised_by:
        return ""
    if system is not None and lead:  # a lead on the team dismisses no finding about their work
        return f"they are on the team of its AI system {system} and did not raise it"
    if lead:
        return ""
    return "they neither raised it nor are the governance lead"


_REVIEW_FIELDS = ("effectiveness_review", "effective", "effectiveness_reviewed_by",
                  "effectiveness_reviewed_on")


def save_guard(view: Any, actor: str, change: Any) -> str:
    """The nonconformity rules a permission grant cannot express, checked on every save (a
    plain ``store.save`` and an import as well as the workflow): only whoever raised it or the
    governance lead cancels it, never an owner of its actions nor the team of its AI systems
    unless they raised it (never, for an audit's or a monitoring run's finding); the
    effectiveness review is recorded by its reviewer, who owns no action.

    ``view`` is the saving transaction's :class:`workbench.permissions.AccessView`; returns the
    one-line refusal, or ``""``.
    """
    parsed = change.parsed(Nonconformity)
    if parsed is None:  # an invalid record is refused by validation, not here
        return ""
    nc, before = parsed
    what = f"nonconformity {change.record_id!r}"
    if nc.stage is NCStage.cancelled and (before is None or before.stage is not NCStage.cancelled):
        teams: dict[str, str] = {}
        for sid, people in view.system_people(nc.system_ids).items():
            for login in people:
                teams.setdefault(login, sid)
        person = view.person(actor) or {}
        lead = "governance_lead" in {str(getattr(r, "value", r)) for r in
                                     person.get("roles") or []} and person.get("active", True)
        why = cancel_refusal(before or nc, actor, teams, lead=bool(lead))
        if why:
            return f"{actor} may not cancel {what}: {why}"
    reviewer = nc.effectiveness_reviewed_by
    changed = before is None or any(getattr(nc, f) != getattr(before, f)
                                    for f in _REVIEW_FIELDS)
    if reviewer and changed:
        owners = {a.owner for a in nc.corrective_actions}
        if reviewer in owners:
            return (f"{reviewer} owns a corrective action of {what} and may not review its "
                    "effectiveness (segregation of duties)")
        if before is not None and reviewer != actor:
            return (f"{actor} may not record an effectiveness review of {what} in "
                    f"{reviewer}'s name; the reviewer records it")
    return ""


def cancellers(store: Store, nc: Nonconformity) -> list[str]:
    """Who may cancel ``nc``: whoever raised it and the governance lead, except the owners of
    its corrective actions and, when an audit raised it, the owners and teams of its AI
    systems (the audited may not dismiss the audit's finding)."""
    people = {p["id"] for p in _people(store)}
    return sorted(p for p in people if not _why_not_cancel(store, nc, p))


def cancel(store: Store, nc_id: str, *, reason: str) -> StoredVersion:
    """Cancel an open nonconformity (raised in error, a duplicate): the reason is required.

    Only whoever raised it or the governance lead cancels it, never an owner of one of its
    corrective actions nor the owner or team of its AI systems unless they raised it (never,
    for one an audit or a monitoring run raised) (:func:`cancellers`); anyone else is refused
    with a ``PermissionDeniedError``.
    """
    current, nc = _step(store, nc_id, [s for s in NCStage if s.is_open], "cancel it")
    who = store.acting_user()
    why = _why_not_cancel(store, nc, who)
    if why:
        may = cancellers(store, nc)
        raise PermissionDeniedError(
            f"{who} may not cancel nonconformity {nc_id}: {why}; it may be cancelled by "
            f"{', '.join(may) or 'nobody yet (add a governance lead)'}")
    text = _text(reason, "reason", "the reason for cancelling")
    return _save(store, current, nc, {"stage": NCStage.cancelled, "cancel_reason": text},
                 f"nonconformity cancelled: {text}")


# -- the register ----------------------------------------------------------------------------------
_COLUMNS = ["id", "title", "stage", "severity", "source", "raised_on", "raised_by",
            "system_ids", "audit_programme_id", "audit_id", "actions", "actions_done",
            "overdue_actions", "next_due", "overdue", "effective",
            "effectiveness_reviewed_by", "closed_on", "open", "next_step"]


def nonconformities_frame(store: Store, *, today: dt.date | None = None) -> pd.DataFrame:
    """One row per nonconformity with its stage and ``overdue`` (an open action past due).

    A record that fails its checks is left out and named in the frame's problems
    (:func:`workbench.registers.problems_of`), never fatal.
    """
    import pandas as pd

    from workbench.registers import parsed_versions, with_problems

    today = _today(store, today)
    good, problems = parsed_versions(store.latest("nonconformity"))
    rows = []
    for version in good:
        nc: Nonconformity = version.record
        stage = nc.stage or nc.derived_stage()
        open_actions = [a for a in nc.corrective_actions if a.done_on is None]
        late = [a for a in open_actions if a.due < today] if stage.is_open else []
        rows.append({
            "id": nc.id, "title": nc.title, "stage": stage.value, "severity": nc.severity.value,
            "source": nc.source.value, "raised_on": nc.raised_on, "raised_by": nc.raised_by,
            "system_ids": list(nc.system_ids), "audit_programme_id": nc.audit_programme_id,
            "audit_id": nc.audit_id, "actions": len(nc.corrective_actions),
            "actions_done": len(nc.corrective_actions) - len(open_actions),
            "overdue_actions": len(late),
            "next_due": min((a.due for a in open_actions), default=None),
            "overdue": bool(late), "effective": nc.effective,
            "effectiveness_reviewed_by": nc.effectiveness_reviewed_by,
            "closed_on": nc.closed_on, "open": stage.is_open,
            "next_step": NEXT_STEP.get(stage, "").split(" (")[0]})
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    frame = frame.astype({"overdue": bool, "open": bool, "actions": int, "actions_done": int,
                          "overdue_actions": int})
    return with_problems(frame, problems)

