"""The Statement of Applicability: drafted from the risk register, completed by a person,
approved through sign-off, printed as auditors expect it.

- :func:`draft_soa` proposes the 38 entries: controls chosen in risk treatments are included
  with the risks as justification; the others are left for a person to decide and justify.
  Decisions already made in a saved SoA are kept.
- :func:`save_soa`, :func:`update_entry` and :func:`submit_soa` validate and append versions.
- :func:`soa_table` is the SoA as reports show it: the *approved* version by default (a stale
  or missing approval is shown as such), with the risks each control treats (derived from the
  register) and its evidence (expired evidence shown as expired).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError, ValidationError
from workbench.model import validate_record
from workbench.readiness.model import (
    SOA_ID,
    Implementation,
    SoAEntry,
    SoAStatus,
    StatementOfApplicability,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store, StoredVersion

__all__ = [
    "SOA_COLUMNS",
    "draft_soa",
    "risks_by_control",
    "save_soa",
    "soa_issues",
    "soa_table",
    "soa_version",
    "submit_soa",
    "update_entry",
]

SOA_COLUMNS = [
    "control_id", "objective_id", "objective_title", "title", "applicable", "justification",
    "implementation", "owner", "risks", "evidence", "expired_evidence", "notes",
]
#: How many risks a drafted justification names before "and N more".
_NAMED_RISKS = 6
_UNSET = object()


def risks_by_control(register: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """Control id -> ``(risk id, title)`` of the open risks whose treatment uses it."""
    if register.empty:
        return {}
    live = register[register["status"] != "closed"][["id", "title", "controls"]]
    exploded = live.explode("controls").dropna(subset=["controls"]).sort_values("id")
    out: dict[str, list[tuple[str, str]]] = {}
    for control, group in exploded.groupby("controls", sort=False):
        out[str(control)] = list(zip(group["id"], group["title"], strict=True))
    return out


def _justify(risks: list[tuple[str, str]]) -> str:
    named = "; ".join(f"{rid} ({title})" for rid, title in risks[:_NAMED_RISKS])
    more = f"; and {len(risks) - _NAMED_RISKS} more" if len(risks) > _NAMED_RISKS else ""
    plural = "s" if len(risks) != 1 else ""
    return f"Selected to treat {len(risks)} risk{plural}: {named}{more}."


def _default_owner(store: Store, login: str) -> str:
    """The acting user when they are a person in the store, else an AI governance lead."""
    if store.exists("person", login):
        return login
    people = store.frame("person", meta=False)
    leads = sorted(people.loc[people["roles"].map(lambda r: "governance_lead" in (r or [])),
                              "id"]) if not people.empty else []
    return leads[0] if leads else login


def draft_soa(store: Store, *, owner: str | None = None, soa_id: str = SOA_ID,
              today: dt.date | None = None) -> StatementOfApplicability:
    """Draft the Statement of Applicability from the risk register (not saved).

    Controls chosen in the treatment of open risks are included, justified by those risks.
    Every other control is left undecided for a person to include or exclude, with a
    justification either way. Entries a person already decided in the saved SoA are kept as
    they are (re-drafting never overwrites a decision).

    Parameters
    ----------
    owner
        Who maintains the SoA (default: the saved SoA's owner, else the acting user when they
        are a person in the store, else the AI governance lead).

    Returns
    -------
    StatementOfApplicability
        A draft: ``status`` draft, every Annex A control listed once.
    """
    from workbench import catalog, risk
    from workbench.identity import current_user

    register = risk.register(store, as_of=today)
    used = risks_by_control(register)
    saved = store.find("soa", soa_id)
    existing = saved.record if saved is not None else None
    entries = []
    for control_id in catalog.control_ids():
        kept = existing.entry(control_id) if existing is not None else None
        if kept is not None and kept.decided:
            entries.append(kept)
        elif control_id in used:
            entries.append(SoAEntry(control_id=control_id, applicable=True,
                                    justification=_justify(used[control_id]),
                                    implementation=kept.implementation if kept else None,
                                    owner=kept.owner if kept else None,
                                    evidence_ids=list(kept.evidence_ids) if kept else []))
        else:
            entries.append(kept or SoAEntry(control_id=control_id))
    if owner is None:
        owner = existing.owner if existing else _default_owner(store, current_user(store))
    data = {"id": soa_id, "owner": owner, "status": SoAStatus.draft, "entries": entries}
    if existing is not None:
        data.update(title=existing.title, scope_id=existing.scope_id, notes=existing.notes)
    elif store.exists("aims_scope", "aims-scope"):
        data["scope_id"] = "aims-scope"
    return validate_record(StatementOfApplicability, data)


def save_soa(store: Store, soa: StatementOfApplicability | Mapping[str, Any], *,
             base_version: int | None = None, reason: str = "") -> StoredVersion:
    """Validate and save a version of the Statement of Applicability.

    Raises
    ------
    ValidationError
        A control listed twice or missing, an id that is not an Annex A control, a control
        included or excluded without a justification, an unknown owner or evidence id, or
        (submitted) a control left undecided. Nothing is saved.
    ConflictError
        Someone saved the SoA since ``base_version``.
    """
    record = validate_record(StatementOfApplicability, soa)
    return store.save(record, base_version=base_version,
                      reason=reason or f"Statement of Applicability {record.status.value}")


def _current(store: Store, soa_id: str) -> StoredVersion:
    found = store.find("soa", soa_id)
    if found is None:
        raise NotFoundError(f"no Statement of Applicability {soa_id!r} yet: draft one with "
                            "`workbench soa draft --save` (or wb.readiness.draft_soa)")
    return found


def update_entry(store: Store, control_id: str, *, applicable: Any = _UNSET,
                 justification: Any = _UNSET, implementation: Any = _UNSET,
                 owner: Any = _UNSET, evidence_ids: Any = _UNSET, notes: Any = _UNSET,
                 soa_id: str = SOA_ID, base_version: int | None = None, reason: str = ""
                 ) -> StoredVersion:
    """Change one control's entry (only the fields given) and save a new version.

    ``base_version`` defaults to the latest version. An excluded control loses its
    implementation status. Changing whether a control applies needs a justification in the
    same call (the one it had justified the opposite decision).

    Raises
    ------
    ValidationError
        ``control_id`` is not an Annex A control, or the entry would be invalid.
    NotFoundError
        There is no SoA yet.
    ConflictError
        The SoA changed since ``base_version``.
    """
    from workbench import catalog

    catalog.check_control_id(control_id)
    current = _current(store, soa_id)
    soa: StatementOfApplicability = current.record
    changes = {k: v for k, v in (("applicable", applicable), ("justification", justification),
                                 ("implementation", implementation), ("owner", owner),
                                 ("evidence_ids", evidence_ids), ("notes", notes))
               if v is not _UNSET}
    if changes.get("applicable") is False and "implementation" not in changes:
        changes["implementation"] = None
    entries = [e.model_dump() for e in soa.entries]
    index = next(i for i, e in enumerate(entries) if e["control_id"] == control_id)
    was = entries[index].get("applicable")
    if ("applicable" in changes and "justification" not in changes and was is not None
            and bool(changes["applicable"]) != bool(was)
            and str(entries[index].get("justification") or "").strip()):
        now = "excluding" if not changes["applicable"] else "including"
        raise ValidationError(
            f"invalid entry {control_id}: {now} it needs its own justification (give "
            f"justification, --justification in the CLI); the current one justifies "
            f"{'including' if was else 'excluding'} it",
            [("justification", "required when applicability changes")])
    entries[index].update(changes)
    data = {**soa.model_dump(), "entries": entries}
    try:
        record = validate_record(StatementOfApplicability, data)
    except ValidationError as exc:
        prefix = f"entries.{index}."
        errors = [(f.removeprefix(prefix), m) for f, m in exc.errors]
        summary = "; ".join(m for _, m in errors)
        raise ValidationError(f"invalid entry {control_id}: {summary}", errors) from None
    return store.save(record, base_version=base_version or current.version,
                      reason=reason or f"{control_id} updated")


def submit_soa(store: Store, *, soa_id: str = SOA_ID, base_version: int | None = None
               ) -> StoredVersion:
    """Mark the SoA submitted (every control decided and justified); then request sign-off.

    Raises
    ------
    ValidationError
        Controls are still undecided, or included controls lack an implementation status;
        the message names them.
    """
    current = _current(store, soa_id)
    if current.record.status is SoAStatus.submitted:
        raise ValidationError(
            f"the SoA {soa_id!r} is already submitted ({current.describe()}); nothing new was "
            f"saved: request its sign-off with `workbench signoff request soa {soa_id}`",
            [("status", "already submitted")])
    data = {**current.record.model_dump(), "status": SoAStatus.submitted}
    return save_soa(store, data, base_version=base_version or current.version,
                    reason="submitted for sign-off")


def soa_version(store: Store, *, soa_id: str = SOA_ID, which: str | int = "approved"
                ) -> tuple[StoredVersion, dict[str, Any]]:
    """The version of the SoA to show, and what people must know about it.

    ``which`` is ``"approved"`` (the approved version, as reports show it; the current one
    marked *not approved* when nothing was approved), ``"current"`` or a version number.
    The info dict has ``state``, ``shown_version``, ``current_version``,
    ``approved_version``, ``approved_by``, ``approved_at``, ``stale``, ``changed_fields``,
    ``approved`` (whether the shown version is approved) and ``banner`` (one sentence).
    """
    from workbench import oversight

    current = _current(store, soa_id)
    status = oversight.status(store, "soa", soa_id)
    info: dict[str, Any] = {
        "soa_id": soa_id, "state": status.state, "current_version": current.version,
        "approved_version": status.approved_version, "approved_by": status.approved_by,
        "approved_at": status.approved_at, "stale": status.stale,
        "changed_fields": status.changed_fields, "pending_with": status.pending_with}
    if which == "current":
        shown = current
    elif which == "approved":
        shown = (store.get("soa", soa_id, status.approved_version)
                 if status.approved_version is not None else current)
    else:
        try:
            shown = store.get("soa", soa_id, int(which))
        except (TypeError, ValueError):
            raise ValidationError(f"which must be 'approved', 'current' or a version number, "
                                  f"got {which!r}") from None
    approved = status.approved_version is not None and shown.version == status.approved_version
    if status.state == "approved" and shown.content_hash == current.content_hash:
        approved = True
    info.update(shown_version=shown.version, approved=approved,
                banner=_banner(info, shown.version, approved))
    return shown, info


def _state_phrase(info: dict[str, Any]) -> str:
    """How the current version's sign-off reads in a sentence."""
    state = info["state"]
    if state == "pending":
        waiting = ", ".join(info.get("pending_with") or []) or "its signers"
        return f"awaits sign-off by {waiting}"
    if state == "stale":
        return "has no sign-off request since it changed"
    if state == "outdated":
        return ("changed after its sign-off was requested: the request is for an earlier "
                "version, so request sign-off again")
    return {"rejected": "was rejected", "changes_requested": "was sent back for changes",
            "approved": "is approved"}.get(state, "has no sign-off request")


def _banner(info: dict[str, Any], shown: int, approved: bool) -> str:
    when = f" on {info['approved_at']:%Y-%m-%d}" if info.get("approved_at") else ""
    by = ", ".join(info.get("approved_by") or [])
    if approved and info["state"] == "approved":
        return f"Approved: version {shown} by {by}{when}."
    if approved:
        changed = ", ".join(info["changed_fields"]) or "its content"
        return (f"STALE: version {shown} was approved by {by}{when}; version "
                f"{info['current_version']} changed {changed} and {_state_phrase(info)} (a "
                "stale approval does not count).")
    if shown != info["current_version"]:
        return f"NOT APPROVED: version {shown} was never approved."
    return f"NOT APPROVED: version {shown} {_state_phrase(info)}."


def soa_table(store: Store, *, soa_id: str = SOA_ID, which: str | int = "approved",
              today: dt.date | None = None) -> pd.DataFrame:
    """The Statement of Applicability, one row per Annex A control, as auditors read it.

    Parameters
    ----------
    which
        ``"approved"`` (default: the approved version; if none is approved the current one,
        flagged), ``"current"`` or a version number.
    today
        The day evidence expiry is judged on.

    Returns
    -------
    pandas.DataFrame
        :data:`SOA_COLUMNS`: ``applicable`` is yes, no or "to decide"; ``risks`` the open risks
        whose treatment uses the control (from the register); ``evidence`` valid evidence
        linked to the control (tagged with it or linked in the entry); ``expired_evidence``
        the expired ones. ``attrs["soa"]`` holds the version shown, its sign-off state and a
        ``banner`` sentence (approved, stale or not approved).
    """
    import pandas as pd

    from workbench import catalog, risk

    shown, info = soa_version(store, soa_id=soa_id, which=which)
    soa: StatementOfApplicability = shown.record
    today = today or dt.date.today()
    controls = catalog.controls().set_index("id")
    used = risks_by_control(risk.register(store, as_of=today))
    ev = store.frame("evidence", meta=False)
    expires = pd.to_datetime(ev["expires_at"], errors="coerce")
    ev = ev.assign(expired=expires.notna() & (expires < pd.Timestamp(today)),
                   expires=expires.dt.date.astype(object))
    tagged = ev[["id", "control_ids"]].explode("control_ids").dropna(subset=["control_ids"])
    by_control = tagged.groupby("control_ids")["id"].agg(set).to_dict()
    by_id = ev.set_index("id")
    rows = []
    for entry in soa.entries:
        linked = set(by_control.get(entry.control_id, set()))
        linked |= {e for e in entry.evidence_ids if e in by_id.index}
        ids = sorted(linked)
        valid = [e for e in ids if not by_id.at[e, "expired"]]
        old = [f"{e} (expired {by_id.at[e, 'expires']})" for e in ids if by_id.at[e, "expired"]]
        ctl = controls.loc[entry.control_id]
        rows.append({
            "control_id": entry.control_id, "objective_id": ctl["objective_id"],
            "objective_title": ctl["objective_title"], "title": ctl["title"],
            "applicable": {True: "yes", False: "no", None: "to decide"}[entry.applicable],
            "justification": entry.justification,
            "implementation": entry.implementation.value if entry.implementation else "",
            "owner": entry.owner or "", "risks": [r for r, _ in used.get(entry.control_id, [])],
            "evidence": valid, "expired_evidence": old, "notes": entry.notes})
    table = pd.DataFrame(rows, columns=SOA_COLUMNS)
    table.attrs["soa"] = {**info, "title": soa.title, "owner": soa.owner,
                          "status": soa.status.value, "scope_id": soa.scope_id or ""}
    return table


def soa_issues(store: Store, *, soa_id: str = SOA_ID, today: dt.date | None = None
               ) -> pd.DataFrame:
    """What a reviewer should look at before approving the current SoA.

    Returns
    -------
    pandas.DataFrame
        ``control_id``, ``issue``: undecided controls, controls excluded although risk
        treatments use them, included controls without an owner or implementation status,
        controls marked implemented that the readiness rules do not find met, and expired
        evidence.
    """
    import pandas as pd

    from workbench.readiness.engine import assess

    table = soa_table(store, soa_id=soa_id, which="current", today=today)
    result = assess(store, today=today, only=list(table["control_id"]), verify=False)
    status = dict(zip(result.requirements["id"], result.requirements["status"], strict=True))
    reason = dict(zip(result.requirements["id"], result.requirements["reason"], strict=True))
    issues = []
    for row in table.itertuples():
        if row.applicable == "to decide":
            issues.append((row.control_id, ("not decided yet: include or exclude it, with a "
                           "justification")))
        elif row.applicable == "no" and row.risks:
            issues.append((row.control_id, (f"excluded, but the treatment of {len(row.risks)} "
                           f"risks uses it ({', '.join(row.risks)})")))
        elif row.applicable == "yes":
            if not row.implementation:
                issues.append((row.control_id, "included without an implementation status"))
            if not row.owner:
                issues.append((row.control_id, "included without an owner"))
            if row.implementation == Implementation.implemented.value and \
                    status.get(row.control_id) != "met":
                issues.append((row.control_id, (f"marked implemented, but the records show it "
                               f"{status.get(row.control_id, 'missing')}: "
                               f"{reason.get(row.control_id, '')}")))
            if row.expired_evidence:
                issues.append((row.control_id, (f"expired evidence: "
                               f"{', '.join(row.expired_evidence)}")))
    return pd.DataFrame(issues, columns=["control_id", "issue"])
