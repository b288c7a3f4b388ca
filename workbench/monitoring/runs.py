"""Saving monitoring plans and recording monitoring runs.

A run measures every metric of the plan's current version on a current sample against a
reference sample and records a ``monitoring_run``. A breach does what the plan says: it
proposes a risk, raises a nonconformity, opens an incident (when the ``incident`` kind is
registered) and notifies the dashboard. The records a breach raises have one id per system
and action, so a breach that persists updates them (a new version) instead of raising a new
one at every run. A record whose handling is finished (a closed risk or incident, a closed or
cancelled nonconformity) is never edited: a breach after it is a recurrence and raises a new
record, ``<id>-YYYYMMDD``, that names the closed one. Everything a run writes is saved
atomically: all of it, or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError, ValidationError
from workbench.model import validate_record
from workbench.monitoring.model import (
    BreachAction,
    Measurement,
    MonitoringPlan,
    MonitoringRun,
    plan_id_for,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.model import Record
    from workbench.store import Store, StoredVersion

__all__ = ["RunResult", "current_plan", "raised_ids", "run", "save_plan", "signoff_facts"]


@dataclass
class RunResult:
    """What a run measured and, unless it was a dry run, what it saved."""

    run: MonitoringRun
    plan: MonitoringPlan
    dry_run: bool
    #: records a breach raises or updates, as they would be (or were) saved
    raised: list[Record] = field(default_factory=list)
    saved: list[StoredVersion] = field(default_factory=list)
    #: ``kind:id`` -> the version an update is based on, for each record of ``raised`` that
    #: an earlier breach raised and is still open (the others are new records)
    updates: dict[str, int] = field(default_factory=dict)
    #: ``kind:id`` of the updates whose content would not change (no new version is saved)
    unchanged: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return self.run.outcome.value

    @property
    def breaches(self) -> list[Measurement]:
        return [m for m in self.run.measurements if m.breached]

    def frame(self) -> pd.DataFrame:
        """The measurements, one row each."""
        import pandas as pd

        return pd.DataFrame([m.model_dump() for m in self.run.measurements])

    def lines(self) -> list[str]:
        """A short text account of the run (for the command line)."""
        r = self.run
        head = (f"{r.system_id}: {r.outcome.value} ({len(self.breaches)} of "
                f"{len(r.measurements)} measurements breached) at {r.run_at:%Y-%m-%d %H:%M} "
                f"UTC, plan {r.plan_id} v{r.plan_version}, {r.current_rows:,} current / "
                f"{r.reference_rows:,} reference rows")
        out = [head + (" [dry run: nothing saved]" if self.dry_run else "")]
        for m in self.breaches:
            where = "/".join(p for p in (m.feature, m.group, m.measure) if p)
            sign = "<" if m.direction == "min" else ">"
            out.append(f"  breach: {m.metric}{' ' + where if where else ''} = {m.value:.4g} "
                       f"{sign} threshold {m.threshold:g}")
        out += [f"  {self._done(ref)}" for ref in r.raised]
        return out

    def _done(self, ref: str) -> str:
        """What the run did (or, in a dry run, would do) to the raised record ``ref``."""
        base = self.updates.get(ref)
        if base is None:
            return f"{'would raise' if self.dry_run else 'raised'}: {ref}"
        if ref in self.unchanged:
            return (f"{'would leave' if self.dry_run else 'left'} unchanged: {ref} "
                    f"(version {base})")
        if self.dry_run:
            return f"would update: {ref} (version {base} -> {base + 1})"
        saved = next((v for v in self.saved if f"{v.kind}:{v.record_id}" == ref), None)
        return f"updated: {ref} (version {base} -> {saved.version if saved else base + 1})"


def save_plan(store: Store, plan: MonitoringPlan | Mapping[str, Any], *,
              base_version: int | None = None, reason: str = "",
              system_id: str | None = None) -> StoredVersion:
    """Validate a monitoring plan (its system and reviewer must exist) and save it.

    Parameters
    ----------
    store
        The workbench store.
    plan
        The plan, or a mapping of its fields.
    base_version
        The version it replaces (``None`` creates the plan).
    reason
        Why the plan changes.
    system_id
        The AI system the plan is meant for (e.g. the one named on the command line): a plan
        whose ``system_id`` or ``id`` names another system is refused rather than saved over
        that system's plan.

    Returns
    -------
    StoredVersion
        The new version; when the plan is the same as the latest version, nothing is written
        and that version is returned (the acting user must still be allowed to change it).

    Raises
    ------
    ValidationError
        An invalid plan, an unknown reviewer, or a plan of another system than
        ``system_id``. Nothing is written.
    PermissionDeniedError
        The acting user may not save the plan (even when it would not change).
    """
    if system_id is not None:
        _check_system(plan, system_id)
    plan = validate_record(MonitoringPlan, plan)
    if store.find("person", plan.reviewer) is None:
        raise ValidationError(f"invalid monitoring plan {plan.id!r}: reviewer: no person "
                              f"{plan.reviewer!r} in the store",
                              [("reviewer", "no such person")])
    found = store.find(MonitoringPlan.kind, plan.id)
    if found is not None and found.content == plan.content():
        _may_change(store, plan, found)
    return store.save(plan, base_version=base_version, reason=reason)


def _may_change(store: Store, plan: MonitoringPlan, found: StoredVersion) -> None:
    """Refuse an acting user who may not change ``plan``, although saving it as it is writes
    nothing (the store checks permissions only for what it writes)."""
    from workbench.errors import PermissionDeniedError

    refused = store.refusals([(plan, found.version)], unchanged=True)
    if refused:
        raise PermissionDeniedError(refused[0][1])


def _check_system(plan: MonitoringPlan | Mapping[str, Any], system_id: str) -> None:
    """Refuse a plan whose ``system_id`` or ``id`` names another system than ``system_id``."""
    data = plan.content() if isinstance(plan, MonitoringPlan) else plan
    named, plan_id = data.get("system_id"), data.get("id")
    if named not in (None, "") and named != system_id:
        raise ValidationError(f"the monitoring plan is for system {named!r} (its system_id), "
                              f"not {system_id!r}; correct its system_id, or save it as the "
                              f"plan of {named!r}", [("system_id", "another system")])
    expected = plan_id_for(system_id)
    if plan_id not in (None, "") and plan_id != expected:
        raise ValidationError(f"the monitoring plan has id {plan_id!r}, but the plan of "
                              f"{system_id!r} is {expected!r} (one plan per system); correct "
                              "its id", [("id", "another plan")])


def current_plan(store: Store, system_id: str) -> tuple[MonitoringPlan, int]:
    """The plan in force for ``system_id`` and its version; one line when there is none."""
    if store.find("ai_system", system_id) is None:
        raise NotFoundError(f"no AI system {system_id!r} in the store (`workbench systems "
                            "list` shows the inventory)")
    found = store.find("monitoring_plan", plan_id_for(system_id))
    if found is None:
        raise NotFoundError(f"AI system {system_id!r} has no monitoring plan "
                            f"({plan_id_for(system_id)!r}); save one first")
    plan = found.record
    if not plan.metrics:  # pragma: no cover - the model refuses it; older data might not
        raise ValidationError(f"monitoring plan {plan.id!r} measures no metric; add one")
    return plan, found.version


def raised_ids(system_id: str) -> dict[str, tuple[str, str]]:
    """Breach action -> ``(kind, id)`` of the record it raises for ``system_id``."""
    return {
        BreachAction.propose_risk.value: ("risk", f"monitoring-{system_id}"),
        BreachAction.raise_nonconformity.value: ("nonconformity", f"nc-monitoring-{system_id}"),
        BreachAction.open_incident.value: ("incident", f"inc-monitoring-{system_id}"),
    }


def _describe(breaches: list[Measurement], when: dt.datetime) -> str:
    parts = []
    for m in breaches[:8]:
        where = "/".join(p for p in (m.feature, m.group, m.measure) if p)
        sign = "below" if m.direction == "min" else "above"
        parts.append(f"{m.metric}{' (' + where + ')' if where else ''} {m.value:.4g} {sign} "
                     f"{m.threshold:g}")
    more = f" and {len(breaches) - 8} more" if len(breaches) > 8 else ""
    return f"Monitoring run of {when:%Y-%m-%d}: " + "; ".join(parts) + more + "."


def _is_closed(kind: str, content: dict[str, Any]) -> bool:
    """A raised record whose handling is finished: a closed risk or incident, a closed or
    cancelled nonconformity."""
    if kind == "nonconformity":
        return content.get("stage") in ("closed", "cancelled") or bool(content.get("closed_on"))
    return content.get("status") == "closed"


def _about(content: dict[str, Any], system_id: str) -> bool:
    return content.get("system_id") == system_id or system_id in (content.get("system_ids")
                                                                  or [])


def _raised_before(found: list[StoredVersion], base_id: str, system_id: str
                   ) -> list[StoredVersion]:
    """Of ``found`` (records whose id starts with ``base_id``), what earlier breaches of
    ``system_id`` raised: the record ``base_id`` and its recurrences ``base_id-YYYYMMDD[-n]``,
    oldest first (another system whose id merely extends this one's is not confused with
    it)."""
    pattern = re.compile(re.escape(base_id) + r"(-\d{8}(-\d+)?)?")
    return sorted((v for v in found
                   if pattern.fullmatch(v.record_id) and (v.record_id == base_id
                                                          or _about(v.content, system_id))),
                  key=lambda v: (v.record_id != base_id, v.record_id))


def _target(store: Store, kind: str, base_id: str, system_id: str, today: dt.date
            ) -> tuple[str, StoredVersion | None, StoredVersion | None]:
    """``(id, open record, closed predecessor)`` for a breach: the record raised earlier
    while it is still open (a persisting breach updates it), else a new record. A closed one
    is never edited: the breach recurred, so a new record (``base_id-YYYYMMDD``) names the
    one it follows."""
    found = store.latest(kind, id_prefix=base_id)
    before = _raised_before(found, base_id, system_id)
    taken = {v.record_id for v in found}
    for v in reversed(before):
        if not _is_closed(kind, v.content):
            return v.record_id, v, None
    if not before:
        return base_id, None, None
    new_id, n = f"{base_id}-{today:%Y%m%d}", 1
    while new_id in taken:
        n += 1
        new_id = f"{base_id}-{today:%Y%m%d}-{n}"
    return new_id, None, before[-1]


#: The note a recurrence's description ends with (kept when a later run updates it).
_RECURS = re.compile(r" Recurs after \S+ was closed(?: on \S+)?\.$")


def _with_history(store: Store, kind: str, base_id: str, fresh: dict[str, Any],
                  keep: tuple[str, ...], today: dt.date) -> tuple[Record, int | None]:
    """``fresh`` as a new record, or as a new version of the one raised earlier and still
    open (keeping the fields a person may have edited since: ``keep``)."""
    from workbench.model import model_for

    cls = model_for(kind)
    system_id = fresh.get("system_id") or (fresh.get("system_ids") or [""])[0]
    record_id, found, closed = _target(store, kind, base_id, system_id, today)
    fresh = {**fresh, "id": record_id}
    if closed is not None:
        when = closed.content.get("closed_on") or ""  # kept by nonconformities only
        fresh["description"] = (f"{fresh['description']} Recurs after {closed.record_id} was "
                                f"closed{' on ' + when if when else ''}.")
    if found is None:
        return validate_record(cls, fresh), None
    before = found.content
    merged = {**before, **fresh, **{k: before[k] for k in keep if k in before}}
    note = _RECURS.search(str(before.get("description") or ""))
    if note and "description" in fresh and note.group(0) not in str(merged["description"]):
        merged["description"] = f"{merged['description']}{note.group(0)}"  # still a recurrence
    return validate_record(cls, merged), found.version


def _raise(store: Store, plan: MonitoringPlan, run: MonitoringRun, system: Any
           ) -> list[tuple[Record, int | None]]:
    from workbench.features import record_kinds

    breaches = [m for m in run.measurements if m.breached]
    today = run.run_at.date()
    text = _describe(breaches, run.run_at)
    ids = raised_ids(plan.system_id)
    out: list[tuple[Record, int | None]] = []
    actions = {a.value for a in plan.on_breach}
    owner = system.owner
    if BreachAction.propose_risk.value in actions:
        fairness = any(m.metric in ("fairness", "error_rate") and m.group or
                       m.metric == "fairness" for m in breaches)
        fresh = dict(id=ids["propose_risk"][1], system_id=plan.system_id,
                     title=f"Monitoring thresholds breached on {system.name}"[:200],
                     description=text, risk_source="source.machine_learning",
                     objective="objective.fairness" if fairness else "objective.robustness",
                     inherent_likelihood=3, inherent_consequence=3, treatment="modify",
                     controls=["A.6.2.6"], residual_likelihood=3, residual_consequence=3,
                     owner=owner, status="identified", identified_on=today,
                     next_review=today + dt.timedelta(days=30), acceptance=None)
        out.append(_with_history(store, "risk", ids["propose_risk"][1], fresh,
                                 keep=("identified_on", "owner", "actions", "controls",
                                       "next_review", "treatment"), today=today))
    if BreachAction.raise_nonconformity.value in actions:
        fresh = dict(id=ids["raise_nonconformity"][1],
                     title=f"Monitoring thresholds breached on {system.name}"[:200],
                     description=text, raised_on=today, raised_by=store.acting_user(),
                     source="monitoring", severity="minor", clause_ids=["9.1"],
                     control_ids=["A.6.2.6"], system_ids=[plan.system_id])
        out.append(_with_history(store, "nonconformity", ids["raise_nonconformity"][1], fresh,
                                 keep=("raised_on", "raised_by", "correction", "root_cause",
                                       "corrective_actions"), today=today))
    if BreachAction.open_incident.value in actions and "incident" in record_kinds():
        fresh = dict(id=ids["open_incident"][1], system_id=plan.system_id,
                     title=f"Monitoring thresholds breached on {system.name}"[:200],
                     detected_on=today, description=text, harm="to be assessed",
                     affected_persons="to be assessed", severity="medium",
                     source="monitoring", monitoring_run_id=run.id,
                     opened_by=store.acting_user())
        out.append(_with_history(store, "incident", ids["open_incident"][1], fresh,
                                 keep=("detected_on", "severity", "harm", "affected_persons",
                                       "serious", "death", "widespread_or_critical_infra",
                                       "reported_on", "reported_to", "status",
                                       "nonconformity_id", "risk_ids", "aware_on",
                                       "opened_by", "complaint_ref", "closure_note"),
                                 today=today))
    return out


def run(store: Store, system_id: str, *, current: pd.DataFrame, reference: pd.DataFrame,
        dry_run: bool = False) -> RunResult:
    """Measure ``system_id``'s monitoring plan on ``current`` against ``reference``.

    Parameters
    ----------
    store
        The workbench store.
    system_id
        The AI system; its plan (``mp-<system_id>``, latest version) says what to measure.
    current, reference
        The recent sample and the reference (e.g. validation) sample, with the same columns.
    dry_run
        Measure and decide, but save nothing.

    Returns
    -------
    RunResult
        The run record, the records a breach raised (or updated) and what was saved.

    Raises
    ------
    NotFoundError
        No such system, or it has no monitoring plan.
    ValidationError
        The data cannot be measured (empty, missing or mismatched columns, missing or
        infinite values in a measured column, ks or wasserstein on a feature that is not
        numeric, a fairness gap with fewer than two groups to compare, a value that is not a
        finite number). Nothing is written.
    """
    from workbench.monitoring.metrics import fingerprint, measure

    plan, version = current_plan(store, system_id)
    measurements = measure(plan, current, reference)
    when = store.now()
    breached = any(m.breached for m in measurements)
    run_id = f"mr-{system_id}-{when:%Y%m%dt%H%M%S%f}"[:100]
    record = MonitoringRun(
        id=run_id, system_id=system_id, plan_id=plan.id, plan_version=version, run_at=when,
        outcome="breach" if breached else "ok", measurements=measurements,
        current_sha256=fingerprint(current), reference_sha256=fingerprint(reference),
        current_rows=len(current), reference_rows=len(reference))
    raised: list[tuple[Record, int | None]] = []
    if breached:
        system = store.get("ai_system", system_id).record
        raised = _raise(store, plan, record, system)
        notes = []
        if BreachAction.notify.value in {a.value for a in plan.on_breach}:
            notes.append(f"dashboard: {system_id} breached {sum(m.breached for m in measurements)}"
                         f" threshold(s); reviewer {plan.reviewer}")
        record = record.model_copy(update={
            "raised": [f"{r.kind}:{r.id}" for r, _ in raised], "notifications": notes})
    updates = {f"{r.kind}:{r.id}": base for r, base in raised if base is not None}
    unchanged = [f"{r.kind}:{r.id}" for r, base in raised if base is not None
                 and store.get(r.kind, r.id, base).content == r.content()]
    result = RunResult(run=record, plan=plan, dry_run=dry_run, raised=[r for r, _ in raised],
                       updates=updates, unchanged=unchanged)
    if dry_run:
        return result
    reason = f"monitoring run: {record.outcome.value}"
    result.saved = store.save_many([(record, None), *raised], reason=reason)
    return result


def signoff_facts(store: Store, stored_version: StoredVersion) -> dict[str, Any]:
    """Facts about a monitoring plan version for sign-off policy conditions: ``system_id``,
    ``system_owner``, ``frequency_days``, ``metrics`` (how many) and ``on_breach``."""
    if stored_version.kind != MonitoringPlan.kind:
        raise NotFoundError(f"signoff_facts of monitoring takes a monitoring plan version, got "
                            f"{stored_version.kind!r}")
    plan: MonitoringPlan = stored_version.record
    system = store.find("ai_system", plan.system_id)
    return {"system_id": plan.system_id,
            "system_owner": system.content.get("owner") if system else None,
            "frequency_days": plan.frequency_days, "metrics": len(plan.metrics),
            "on_breach": [a.value for a in plan.on_breach]}
