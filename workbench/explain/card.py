"""Filling, checking and submitting model cards; whether a card is stale, and why.

A card is filled from the current version of each of its *sources*: the organization, the AI
system, its owner, its latest impact assessment, and its latest unexpired explanation,
fairness, monitoring (A.6.2.6) and logging (A.6.2.8) evidence. The card keeps the version and
content hash of each source. When the sources a fill would pick today differ from those
recorded (a source edited, newer evidence, evidence expired), the card is **stale**, with
each change named, the same way an approval goes stale when its record changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError, ValidationError
from workbench.explain.model import (
    CardStatus,
    ModelCard,
    SourceRef,
    card_id_for,
    check_fields,
    written_fields,
)
from workbench.model import validate_record

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.oversight import SignOffStatus
    from workbench.store import Store, StoredVersion

__all__ = [
    "CARD_FRAME_COLUMNS",
    "ROLES",
    "CardState",
    "SourceChange",
    "card_frame",
    "all_sources",
    "card_state",
    "current_sources",
    "fill",
    "refill",
    "save_card",
    "signoff_facts",
    "source_changes",
    "submit",
    "submitted_card",
    "write",
]

#: Source roles in the order a card lists them, with how people read them.
ROLES: dict[str, str] = {
    "organization": "organization", "ai_system": "AI system", "owner": "system owner",
    "impact_assessment": "impact assessment", "explanation": "explanation evidence",
    "fairness": "fairness evidence", "monitoring": "monitoring evidence",
    "logging": "logging evidence"}
CARD_FRAME_COLUMNS = ["system_id", "card_id", "version", "status", "signoff", "approved",
                      "stale", "changes", "explanation_id", "model_version"]
Frames = Callable[[str], "pd.DataFrame"]


# --------------------------------------------------------------------------- sources


def _ref(role: str, kind: str, row: Any) -> SourceRef:
    return SourceRef(role=role, kind=kind, id=str(row["id"]), version=int(row["_version"]),
                     content_hash=str(row["_hash"]))


def _latest_per(df: pd.DataFrame, key: str, order: list[str]) -> pd.DataFrame:
    """The last row of each ``key`` by ``order`` (one sort, no loop)."""
    return df.sort_values(order).drop_duplicates(key, keep="last")


def all_sources(store: Store, *, today: dt.date | None = None, frames: Frames | None = None
                ) -> dict[str, list[SourceRef]]:
    """For every AI system, the records its card would be filled from today (see
    :func:`current_sources`), computed for all systems at once with pandas."""
    import pandas as pd

    frame = frames or store.frame
    today = today or dt.date.today()
    systems = frame("ai_system")
    out: dict[str, list[SourceRef]] = {str(i): [] for i in systems["id"]}
    if systems.empty:
        return out
    orgs = frame("organization")
    if not orgs.empty:
        org = _ref("organization", "organization", orgs.sort_values("id").iloc[0])
        for refs in out.values():
            refs.append(org)
    for _, row in systems.iterrows():
        out[str(row["id"])].append(_ref("ai_system", "ai_system", row))
    people = frame("person")
    if not people.empty:
        owners = systems[["id", "owner"]].merge(people, left_on="owner", right_on="id",
                                                suffixes=("_system", ""))
        for _, row in owners.iterrows():
            out[str(row["id_system"])].append(_ref("owner", "person", row))
    ia = frame("impact_assessment")
    if not ia.empty:
        latest = _latest_per(ia.assign(_on=ia["assessed_on"].astype(str)), "system_id",
                             ["_on", "_saved_at"])
        for _, row in latest.iterrows():
            if str(row["system_id"]) in out:
                out[str(row["system_id"])].append(_ref("impact_assessment",
                                                       "impact_assessment", row))
    ev = frame("evidence")
    if not ev.empty:
        expires = pd.to_datetime(ev["expires_at"], errors="coerce")
        ev = ev[expires.isna() | (expires >= pd.Timestamp(today))]
        ev = ev.assign(_when=pd.to_datetime(ev["collected_at"], utc=True, format="ISO8601"),
                       _system=ev["system_ids"]).explode("_system").dropna(subset=["_system"])
        controls = ev["control_ids"].map(lambda c: set(c or []))
        kinds = ev["evidence_kind"].astype(str)
        roles = {"explanation": kinds == "explanation",
                 "fairness": kinds == "fairness_metrics",
                 "monitoring": controls.map(lambda c: "A.6.2.6" in c),
                 "logging": (kinds == "log") | controls.map(lambda c: "A.6.2.8" in c)}
        for role, mask in roles.items():
            for _, row in _latest_per(ev[mask.astype(bool)], "_system",
                                      ["_when", "id"]).iterrows():
                if str(row["_system"]) in out:
                    out[str(row["_system"])].append(_ref(role, "evidence", row))
    order = list(ROLES)
    return {k: sorted(v, key=lambda s: order.index(s.role)) for k, v in out.items()}


def current_sources(store: Store, system_id: str, *, today: dt.date | None = None,
                    frames: Frames | None = None) -> list[SourceRef]:
    """The records a card of ``system_id`` would be filled from today, with their versions:
    the organization, the AI system, its owner, its latest impact assessment, and its latest
    unexpired explanation, fairness, monitoring (A.6.2.6) and logging (A.6.2.8) evidence.

    ``frames`` (``kind -> store.frame(kind)``, e.g. the readiness engine's cached registers)
    avoids reading a register twice.

    Raises
    ------
    NotFoundError
        No such AI system.
    """
    found = all_sources(store, today=today, frames=frames)
    if system_id not in found:
        raise NotFoundError(f"no AI system {system_id!r} in the store; `workbench systems list` "
                            "shows the ids")
    return found[system_id]


@dataclass(frozen=True)
class SourceChange:
    """One difference between the sources a card was filled from and those of today."""

    role: str
    change: str  # changed, replaced, new, gone
    kind: str
    record_id: str
    was: SourceRef | None = None
    now: SourceRef | None = None
    fields: tuple[str, ...] = ()

    def text(self) -> str:
        label = ROLES.get(self.role, self.role)
        if self.change == "changed":
            assert self.was is not None and self.now is not None
            what = f": {', '.join(self.fields)}" if self.fields else ""
            return (f"{label} {self.record_id} changed (version {self.was.version} -> "
                    f"{self.now.version}){what}")
        if self.change == "replaced":
            assert self.was is not None
            return f"newer {label} {self.record_id} (filled from {self.was.id})"
        if self.change == "new":
            return f"{label} {self.record_id} is now available (none when filled)"
        return f"{label} {self.record_id} no longer counts (expired or unlinked)"


def source_changes(recorded: list[SourceRef], current: list[SourceRef], *,
                   store: Store | None = None) -> list[SourceChange]:
    """What changed between the recorded sources and today's; with ``store``, the fields
    that changed in an edited source are named (two reads per edited source)."""
    was = {s.role: s for s in recorded}
    now = {s.role: s for s in current}
    out: list[SourceChange] = []
    for role in [r for r in ROLES if r in was or r in now]:
        a, b = was.get(role), now.get(role)
        if a is not None and b is not None:
            if a.id == b.id and a.content_hash == b.content_hash:
                continue
            if a.id == b.id:
                fields: tuple[str, ...] = ()
                if store is not None:
                    fields = _changed_fields(store, a, b)
                out.append(SourceChange(role, "changed", b.kind, b.id, a, b, fields))
            else:
                out.append(SourceChange(role, "replaced", b.kind, b.id, a, b))
        elif b is not None:
            out.append(SourceChange(role, "new", b.kind, b.id, None, b))
        elif a is not None:
            out.append(SourceChange(role, "gone", a.kind, a.id, a, None))
    return out


def _changed_fields(store: Store, a: SourceRef, b: SourceRef) -> tuple[str, ...]:
    from workbench.oversight import diff_content

    try:
        before = store.get(a.kind, a.id, a.version).content
        after = store.get(b.kind, b.id, b.version).content
    except NotFoundError:
        return ()
    seen: dict[str, None] = {}
    for change in diff_content(before, after, kind=a.kind):
        seen.setdefault(change.field.split(".")[0].split("[")[0], None)
    return tuple(seen)


# --------------------------------------------------------------------------- filling


def fill(store: Store, system_id: str, *, model_version: str | None = None,
         today: dt.date | None = None) -> ModelCard:
    """A draft card of ``system_id`` filled from its sources today (not saved).

    Written fields are kept from the current card. The model version is the one given, else
    the version the explanation evidence declares for the model whose fingerprint the card
    shows, else the current card's version as long as that fingerprint is unchanged (a new
    model without a declared version shows none rather than its predecessor's).

    Raises
    ------
    NotFoundError
        No such AI system.
    """
    from workbench.explain._fill import fill_card

    return fill_card(store, system_id, model_version=model_version, today=today)


# --------------------------------------------------------------------------- saving


def save_card(store: Store, card: ModelCard | Mapping[str, Any], *,
              base_version: int | None = None, reason: str = "") -> StoredVersion:
    """Validate and append a version of a card (``base_version=None`` creates it).

    Raises
    ------
    ValidationError, ConflictError, NotFoundError
        Nothing is saved.
    """
    record = validate_record(ModelCard, card if isinstance(card, ModelCard) else dict(card))
    return store.save(record, base_version=base_version, reason=reason or (
        "model card submitted for sign-off" if record.status == CardStatus.submitted
        else "model card draft saved"))


def refill(store: Store, system_id: str, *, model_version: str | None = None,
           reason: str = "") -> StoredVersion:
    """Fill the card from its sources and save it as a draft; when nothing would change, the
    current version is returned as it is (a submitted card stays submitted) and nothing is
    written, but a user who may not edit the card is refused all the same
    (``PermissionDeniedError``)."""
    existing = store.find("model_card", card_id_for(system_id))
    card = fill(store, system_id, model_version=model_version)
    if existing is not None and {**existing.content, "status": "draft"} == card.content():
        # nothing to refill: it keeps its status (and its approval). The store checks
        # permissions only for what it writes, so ask whether this user may edit the card.
        refused = store.refusals([(card, existing.version)], unchanged=True)
        if refused:
            from workbench.errors import PermissionDeniedError

            raise PermissionDeniedError(refused[0][1])
        return existing
    return save_card(store, card, base_version=existing.version if existing else None,
                     reason=reason or "model card filled from its sources")


def write(store: Store, system_id: str, values: Mapping[str, Any], *,
          base_version: int | None = None, reason: str = "") -> StoredVersion:
    """Save the written parts of a card (a draft again); the filled parts are unchanged.

    ``base_version`` defaults to the current version (the caller has just looked at it).

    Raises
    ------
    NotFoundError
        The system has no card yet: fill it first.
    ValidationError
        A key that is not a written field, or an invalid value.
    """
    current = _current(store, system_id)
    check_fields(dict(values), written_fields())
    data = {**current.content, **dict(values), "status": CardStatus.draft.value}
    return save_card(store, data, base_version=base_version or current.version,
                     reason=reason or "model card edited")


def _current(store: Store, system_id: str) -> StoredVersion:
    found = store.find("model_card", card_id_for(system_id))
    if found is None:
        store.get("ai_system", system_id)  # an unknown system says so
        raise NotFoundError(f"{system_id} has no model card yet: fill it first (workbench "
                            f"modelcard fill {system_id}, or wb.explain.refill)")
    return found


def submitted_card(store: Store, system_id: str, *, today: dt.date | None = None,
                   values: Mapping[str, Any] | None = None) -> tuple[ModelCard, int]:
    """The current card, with the written parts ``values`` (as typed) when given, marked
    submitted, and the version it is based on (not saved).

    Raises
    ------
    NotFoundError
        The system has no card yet.
    ValidationError
        The card is stale (each change named) or a required field is empty (each named).
    """
    current = _current(store, system_id)
    if values:
        check_fields(dict(values), written_fields())
    content = {**current.content, **dict(values or {})}
    # validated as a draft: a submitted card's own check would refuse the gaps before they
    # are listed below
    card = (validate_record(ModelCard, {**content, "status": CardStatus.draft.value})
            if values else current.record)
    changes = source_changes(card.sources, current_sources(store, system_id, today=today),
                             store=store)
    if changes:
        raise ValidationError(
            f"cannot submit the model card of {system_id}: it is stale ("
            + "; ".join(c.text() for c in changes) + f"); refill it first (workbench modelcard "
            f"fill {system_id})", [("sources", "stale")])
    gaps = card.submit_problems()
    if gaps:
        raise ValidationError(
            f"cannot submit the model card of {system_id}: {len(gaps)} required item(s) "
            f"empty: {', '.join(f for f, _ in gaps)}; write them (ModelCardEditor) or keep it "
            "as a draft", gaps)
    data = {**content, "status": CardStatus.submitted.value}
    return validate_record(ModelCard, data), current.version


def submit(store: Store, system_id: str, *, base_version: int | None = None,
           values: Mapping[str, Any] | None = None,
           reason: str = "model card submitted for sign-off") -> StoredVersion:
    """Mark the card submitted (a new version) once it is complete and not stale; with
    ``values``, its written parts as typed are saved in that same version.

    Everything is checked before anything is saved: a refused submit writes nothing (not
    even the typed parts as a draft).

    Raises
    ------
    NotFoundError, ValidationError
        See :func:`submitted_card`; nothing is saved.
    ConflictError
        ``base_version`` is not the current version.
    """
    card, version = submitted_card(store, system_id, values=values)
    return save_card(store, card, base_version=base_version or version, reason=reason)


def signoff_facts(store: Store, stored: StoredVersion) -> dict[str, Any]:
    """Facts of a card for the sign-off policy: ``stale`` (its sources changed) and the
    ``system_owner`` of its AI system."""
    card = stored.record
    system = store.find("ai_system", card.system_id)
    try:
        stale = bool(source_changes(card.sources, current_sources(store, card.system_id)))
    except NotFoundError:
        stale = True
    return {"stale": stale, "system_owner": system.content.get("owner") if system else None}


# --------------------------------------------------------------------------- state


@dataclass
class CardState:
    """A system's model card as people see it: its status, sign-off, and staleness."""

    system_id: str
    card_id: str
    stored: StoredVersion | None
    changes: list[SourceChange] = field(default_factory=list)
    signoff: SignOffStatus | None = None

    @property
    def card(self) -> ModelCard | None:
        return None if self.stored is None else self.stored.record

    @property
    def stale(self) -> bool:
        return bool(self.changes)

    @property
    def status(self) -> str:
        return "none" if self.stored is None else str(self.stored.content.get("status"))

    @property
    def signoff_state(self) -> str:
        return "none" if self.signoff is None else self.signoff.state

    @property
    def current(self) -> bool:
        """Approved and not stale: what readiness counts."""
        return self.signoff_state == "approved" and not self.stale

    def summary(self) -> str:
        if self.stored is None:
            return f"no model card of {self.system_id} yet"
        text = (f"model card {self.card_id} version {self.stored.version}: {self.status}, "
                f"sign-off {self.signoff.summary() if self.signoff else 'none'}")
        if self.stale:
            text += "; STALE: " + "; ".join(c.text() for c in self.changes)
        return text


def card_state(store: Store, system_id: str, *, today: dt.date | None = None) -> CardState:
    """The card of ``system_id``: status, sign-off and what changed in its sources.

    Raises
    ------
    NotFoundError
        No such AI system.
    """
    from workbench import oversight

    store.get("ai_system", system_id)
    card_id = card_id_for(system_id)
    found = store.find("model_card", card_id)
    if found is None:
        return CardState(system_id, card_id, None)
    changes = source_changes(found.record.sources,
                             current_sources(store, system_id, today=today), store=store)
    return CardState(system_id, card_id, found, changes,
                     oversight.status(store, "model_card", card_id))


def card_frame(store: Store, *, today: dt.date | None = None, frames: Frames | None = None,
               signoffs: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per model card: status, sign-off state, whether it is stale and why.

    Columns :data:`CARD_FRAME_COLUMNS`; ``approved`` means the current content is approved,
    ``changes`` lists each changed source in words. ``frames`` and ``signoffs`` (the sign-off
    status frame) reuse registers already loaded; otherwise each is read once.
    """
    import pandas as pd

    from workbench import oversight

    frame = frames or store.frame
    cards = frame("model_card")
    if cards.empty:
        return pd.DataFrame(columns=CARD_FRAME_COLUMNS)
    states = signoffs if signoffs is not None else oversight.status_frame(store, "model_card")
    states = states[states["kind"] == "model_card"].set_index("record_id")["state"].to_dict()
    everything = all_sources(store, today=today, frames=frame)
    rows = []
    for row in cards.to_dict(orient="records"):
        recorded = [SourceRef.model_validate(s) for s in (row["sources"] or [])]
        now = everything.get(row["system_id"], [])
        changes = source_changes(recorded, now)
        state = states.get(row["id"], "none")
        explanation = next((s.id for s in recorded if s.role == "explanation"), None)
        rows.append({"system_id": row["system_id"], "card_id": row["id"],
                     "version": int(row["_version"]), "status": str(row["status"]),
                     "signoff": state, "approved": state == "approved",
                     "stale": bool(changes), "changes": [c.text() for c in changes],
                     "explanation_id": explanation, "model_version": row["model_version"]})
    return pd.DataFrame(rows, columns=CARD_FRAME_COLUMNS)
