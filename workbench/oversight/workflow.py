"""The sign-off workflow: request, decide, withdraw, what awaits whom, and who may do what.

Every entry point (widgets, CLI, notebooks) calls these functions, so the same rules hold
everywhere; a refusal raises a :class:`~workbench.errors.WorkbenchError` whose one-line
message says why, and nothing is written.

Writes rely on the store's optimistic concurrency: a decision is saved together with the
request and the target at the versions it checked (unchanged content writes nothing, but a
newer version makes the save fail), and each person's decision has a deterministic id, so a
repeated decision collides with the first instead of adding a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    WorkbenchError,
)
from workbench.model import WRITING_ROLES, Role, model_for
from workbench.oversight import policy as P
from workbench.oversight.model import (
    DECISION_VERBS,
    Decision,
    RequestStatus,
    SignOff,
    SignOffRequest,
    request_id_for,
    signoff_id_for,
)
from workbench.oversight.status import request_states, signoff_frames
from workbench.store import content_hash, workflow

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.model import Person
    from workbench.store import Store, StoredVersion

__all__ = ["WITHDRAW_ROLES", "Allowed", "Refusal", "decide", "request", "withdraw"]

#: Roles that may withdraw anyone's request (besides the requester).
WITHDRAW_ROLES = frozenset({Role.governance_lead, Role.admin})


@dataclass(frozen=True)
class Refusal:
    """Why the acting user may not do something: the error to raise and its one-line message."""

    error: type[WorkbenchError]
    message: str

    def raise_(self) -> None:
        raise self.error(self.message)


@dataclass(frozen=True)
class Allowed:
    """The user may decide, signing as one of ``signers`` (signer names of the request)."""

    signers: Sequence[str]


def _what(kind: str, record_id: str) -> str:
    return f"{P.label_of(kind)} {record_id!r}"


def _day(value: Any) -> str:
    if value is None:
        return "?"
    return str(value)[:10] if isinstance(value, str) else f"{value:%Y-%m-%d}"


# -- context: everything the rules look at, read once ----------------------------------------------
@dataclass
class _Context:
    store: Store
    user: str
    person: Person | None
    kind: str
    record_id: str
    current: StoredVersion
    states: pd.DataFrame  # request states of this record (all versions, all rounds)
    decisions: pd.DataFrame  # decisions on this record
    request: Any = None  # the latest request row for the current version (a pandas row)
    _facts: dict[str, Any] | None = field(default=None, repr=False)
    _rounds: list[StoredVersion] | None = field(default=None, repr=False)

    @property
    def what(self) -> str:
        return _what(self.kind, self.record_id)

    @property
    def user_roles(self) -> set[str]:
        if self.person is None or not self.person.active:
            return set()
        return {r.value for r in self.person.roles}

    def facts(self) -> dict[str, Any]:
        if self._facts is None:
            self._facts = P.facts_for(self.store, self.current)
        return self._facts

    def rounds(self) -> list[StoredVersion]:
        """Every stored request of the current version, round 1 upwards, sound or not (the
        registers the rules read leave out a request that is not sound)."""
        if self._rounds is None:
            found: list[StoredVersion] = []
            while True:
                stored = self.store.find("signoff_request", request_id_for(
                    self.kind, self.record_id, self.current.version, len(found) + 1))
                if stored is None:
                    break
                found.append(stored)
            self._rounds = found
        return self._rounds

    def next_round(self) -> int:
        sound = 0 if self.request is None else int(self.request["round"])
        return max(sound, len(self.rounds())) + 1

    def unsound_open(self) -> tuple[str, str] | None:
        """The open request of the current version that is not sound, when it is the latest
        round: ``(request id, why)``; None when there is none."""
        from workbench.oversight.validity import request_problems

        rounds = self.rounds()
        if not rounds or rounds[-1].content.get("status") != "open":
            return None
        if self.request is not None and str(self.request["id"]) == rounds[-1].record_id:
            return None
        rid = rounds[-1].record_id
        frame = self.store.frame("signoff_request", id_prefix=rid)
        frame = frame[frame["id"] == rid]
        why = request_problems(self.store, frame).tolist() if not frame.empty else []
        if not why or not why[0]:
            return None
        return rid, why[0]

    def unsound_message(self, then: str) -> str | None:
        """The one-line refusal for a record whose open request is not sound (None: none)."""
        found = self.unsound_open()
        if found is None:
            return None
        rid, why = found
        return (f"the open sign-off request {rid} of {self.what} version "
                f"{self.current.version} is not valid ({why}) and does not count: {then}; "
                f"request sign-off again (workbench signoff request {self.kind} "
                f"{self.record_id}) to replace it under the policy in force")

    def barred(self) -> dict[str, str]:
        barred = P.barred_people(self.current, self.facts())
        if self.request is not None:
            for login, why in (self.request["barred"] or {}).items():
                barred.setdefault(login, why)
        return barred

    def own_decision(self) -> Any:
        if self.request is None:
            return None
        mine = self.decisions[(self.decisions["request_id"] == self.request["id"])
                              & (self.decisions["signer"] == self.user)]
        return None if mine.empty else mine.iloc[0]


def _context(store: Store, kind: str, record_id: str, user: str | None = None,
             version: int | None = None) -> _Context:
    """Everything the rules look at. ``user`` is whose view to compute (queues and eligibility
    shown to someone); every write is decided for the acting user (``user=None``)."""
    kind = model_for(kind).kind
    if kind in ("signoff", "signoff_request"):
        raise ValidationError("sign-off records are not signed off themselves; name the record "
                              "they are about")
    login = (user or store.acting_user()).strip().lower()
    found = store.find("person", login)
    current = store.get(kind, record_id)
    if version is not None and version != current.version:
        store.get(kind, record_id, version)  # NotFoundError when there is no such version
        raise ConflictError(
            f"version {version} of {_what(kind, record_id)} is not its current version "
            f"({current.describe()}); sign-offs bind to the current content: review version "
            f"{current.version}. Nothing was saved.", kind=kind, record_id=record_id,
            base_version=version, latest_version=current.version)
    req, dec = signoff_frames(store, kind)
    req = req[req["target_id"] == record_id]
    dec = dec[dec["target_id"] == record_id]
    states = request_states(req, dec)
    ctx = _Context(store=store, user=login, person=None if found is None else found.record,
                   kind=kind, record_id=record_id, current=current, states=states,
                   decisions=dec)
    mine = states[states["target_version"] == current.version].sort_values("round")
    if not mine.empty:
        ctx.request = mine.iloc[-1]
    return ctx


def _closed_message(ctx: _Context, row: Any) -> str:
    state = row["state"]
    version = int(row["target_version"])
    head = f"sign-off of {ctx.what} version {version}"
    if state == "withdrawn":
        return (f"the request for {head} was withdrawn by {row['withdrawn_by']} on "
                f"{_day(row['withdrawn_at'])}: there is nothing to decide; request sign-off "
                "again if it is still needed")
    if state == "approved":
        return f"{head} is already approved (by {row['approved_by']}): nothing to decide"
    who = row["rejected_by"] if state == "rejected" else row["changes_by"]
    verb = "rejected" if state == "rejected" else "sent back for changes"
    comment = _comment_of(ctx, row["id"], who)
    return (f"{head} was {verb} by {who}{comment}: edit the record and request sign-off of "
            "the new version")


def _comment_of(ctx: _Context, request_id: str, who: str) -> str:
    d = ctx.decisions[(ctx.decisions["request_id"] == request_id)
                      & (ctx.decisions["signer"] == str(who).split(", ")[0])]
    return f" ({d.iloc[0]['comment']})" if not d.empty and d.iloc[0]["comment"] else ""


# -- deciding --------------------------------------------------------------------------------------
def _decide_refusal(ctx: _Context, decision: Decision, role: str | None) -> Refusal | Allowed:
    """Why the user may not decide, or the signer names they may decide as."""
    verb = DECISION_VERBS[decision]
    if ctx.person is None or not ctx.person.active:
        return Refusal(PermissionDeniedError,
                       f"{ctx.user} is not an active person in this store and cannot sign off")
    req = ctx.request
    if req is None:
        unsound = ctx.unsound_message("there is nothing to decide")
        if unsound is not None:
            return Refusal(ValidationError, unsound)
        older = ctx.states[(ctx.states["state"] == "pending")]
        if not older.empty:
            last = older.sort_values("target_version").iloc[-1]
            return Refusal(ConflictError, (
                f"sign-off was requested for version {int(last['target_version'])} of "
                f"{ctx.what}, which has changed since ({ctx.current.describe()}): request "
                f"sign-off of version {ctx.current.version}; nothing was saved"))
        return Refusal(NotFoundError, (
            f"no sign-off of {ctx.what} version {ctx.current.version} was requested; request "
            f"it first (workbench signoff request {ctx.kind} {ctx.record_id})"))
    if req["state"] != "pending":
        return Refusal(ValidationError, _closed_message(ctx, req))
    barred = ctx.barred()
    if ctx.user in barred:
        reason = barred[ctx.user]
        others = ", ".join(req["missing"]) or "another signer"
        return Refusal(PermissionDeniedError, f"{ctx.user} {reason} and cannot {verb} it; "
                       f"{others} must decide (segregation of duties)")
    required = {r["signer"]: r for r in req["required"]}
    missing = list(req["missing_signers"])

    def can_fill(name: str) -> bool:
        slot = required[name]
        if slot.get("person"):
            return slot["person"] == ctx.user
        return slot.get("role") in ctx.user_roles

    if role is not None:
        if role not in required:
            return Refusal(ValidationError, (
                f"{role} is not a sign-off this request needs; it needs "
                f"{', '.join(required)} ({', '.join(r['label'] for r in required.values())})"))
        slot = required[role]
        if role not in missing:
            done = ctx.decisions[(ctx.decisions["request_id"] == req["id"])
                                 & (ctx.decisions["role"] == role)]
            by = ", ".join(done["signer"]) if not done.empty else "someone"
            return Refusal(ConflictError, f"the {slot['label']} sign-off of {ctx.what} version "
                           f"{ctx.current.version} was already given by {by}")
        if not can_fill(role):
            if slot.get("person"):
                return Refusal(PermissionDeniedError, (
                    f"{ctx.user} is not the {slot['label']} named for this sign-off "
                    f"({slot['person']} is) and cannot {verb} {ctx.what} as {role}"))
            return Refusal(PermissionDeniedError, (
                f"{ctx.user} does not hold the role {slot['role']} and cannot sign as "
                f"{slot['label']}; an admin grants roles on person records"))
        return Allowed([role])
    fillable = [name for name in missing if can_fill(name)]
    if not fillable:
        return Refusal(PermissionDeniedError, (
            f"{ctx.user} cannot {verb} {ctx.what}: it awaits {', '.join(req['missing'])}, and "
            f"{ctx.user} is none of them"))
    return Allowed(fillable)


def decide(store: Store, kind: str, record_id: str, decision: Decision | str, *,
           role: str | None = None, comment: str = "", conditions: list[str] | None = None,
           version: int | None = None) -> SignOff:
    """Record the acting user's decision on the open sign-off request of a record.

    The decision is always the acting user's (:meth:`Store.acting_user`): there is no way to
    decide for someone else.

    Parameters
    ----------
    kind, record_id
        The record being signed off.
    decision
        ``approve``, ``approve_with_conditions``, ``reject`` or ``request_changes``.
    role
        The signer name to sign as (e.g. ``governance_lead``); default: the one sign-off
        still needed that the user may give.
    comment
        Required for ``reject`` and ``request_changes``.
    conditions
        Required for ``approve_with_conditions`` (one per item).
    version
        The version the signer reviewed; refused when it is no longer the current one.

    Returns
    -------
    SignOff
        The decision recorded. Deciding again the same way returns the first decision and
        writes nothing.

    Raises
    ------
    PermissionDeniedError
        The user may not sign (no such role, not the designated person, or segregation of
        duties: they authored the version).
    ValidationError, NotFoundError, ConflictError
        No open request, a withdrawn or closed request, a missing comment or conditions, or
        the record or request changed meanwhile. Nothing is written.
    """
    try:
        decision = Decision(decision)
    except ValueError:
        raise ValidationError(f"{decision!r} is not a decision; use one of "
                              f"{', '.join(d.value for d in Decision)}") from None
    comment = (comment or "").strip()
    conditions = [c.strip() for c in (conditions or []) if c and c.strip()]
    ctx = _context(store, kind, record_id, version=version)
    existing = ctx.own_decision()
    if existing is not None:
        return _repeat(ctx, existing, decision, role)
    outcome = _decide_refusal(ctx, decision, role)
    if isinstance(outcome, Refusal):
        outcome.raise_()
    assert isinstance(outcome, Allowed)
    if len(outcome.signers) > 1:
        raise ValidationError(f"{ctx.user} may sign as {' or '.join(outcome.signers)}; choose "
                              "one role (one person signs once per request)",
                              [("role", "required")])
    signer_name = outcome.signers[0]
    if decision in (Decision.reject, Decision.request_changes) and not comment:
        raise ValidationError(
            f"a decision to {DECISION_VERBS[decision]} {ctx.what} needs a comment saying what "
            "is wrong or must change; nothing was saved", [("comment", "required")])
    if decision == Decision.approve_with_conditions and not conditions:
        raise ValidationError("an approval with conditions lists the conditions; nothing was "
                              "saved", [("conditions", "required")])
    if decision != Decision.approve_with_conditions and conditions:
        raise ValidationError("conditions belong to an approval with conditions; choose "
                              "approve_with_conditions or drop them", [("conditions", "unused")])
    req = ctx.request
    record = SignOff(
        id=signoff_id_for(req["id"], ctx.user), request_id=req["id"], target_kind=ctx.kind,
        target_id=ctx.record_id, target_version=ctx.current.version,
        target_hash=ctx.current.content_hash, signer=ctx.user, role=signer_name,
        decision=decision, conditions=conditions, comment=comment, decided_at=store.now())
    why = f"{decision.value} {ctx.kind} {ctx.record_id} v{ctx.current.version} as {signer_name}"
    try:
        _save_guarded(store, record, ctx, why)
    except ConflictError as exc:
        if exc.kind == "signoff":
            again = _context(store, kind, record_id)
            mine = again.own_decision()
            if mine is not None:
                return _repeat(again, mine, decision, role)
        raise _changed_meanwhile(ctx, exc) from None
    return record


def _repeat(ctx: _Context, existing: Any, decision: Decision, role: str | None) -> SignOff:
    """A second decision by the same person: the same one is a no-op, another is refused."""
    same = existing["decision"] == decision.value and role in (None, existing["role"])
    if same:
        return ctx.store.get("signoff", existing["id"]).record
    raise ConflictError(
        f"{ctx.user} already decided on this sign-off of {ctx.what} "
        f"({existing['decision']} as {existing['role']} on {_day(existing['decided_at'])}); a "
        "decision is final: request sign-off again to decide anew", kind="signoff",
        record_id=str(existing["id"]))


def _unchanged(stored: StoredVersion) -> Any:
    """The stored record as a model, when re-saving it would write nothing (else None)."""
    try:
        record = stored.record
        if content_hash(record.content()) == stored.content_hash:
            return record
    except Exception:  # noqa: BLE001 - an old record the model no longer accepts: no guard
        return None
    return None


def _save_guarded(store: Store, record: Any, ctx: _Context, reason: str) -> None:
    """Save ``record`` only if the request and the target are still at the versions checked."""
    items: list[tuple[Any, int | None]] = [(record, None)]
    if ctx.request is not None:
        stored_req = store.get("signoff_request", ctx.request["id"])
        if stored_req.version != int(ctx.request["_version"]):
            raise ConflictError("the request changed", kind="signoff_request",
                                record_id=stored_req.record_id)
        same = _unchanged(stored_req)
        if same is not None:
            items.append((same, stored_req.version))
    target = _unchanged(ctx.current)
    if target is not None:
        items.append((target, ctx.current.version))
    with workflow("oversight"):
        store.save_many(items, reason=reason)


def _changed_meanwhile(ctx: _Context, exc: ConflictError) -> ConflictError:
    if exc.kind == "signoff_request":
        latest = ctx.store.get("signoff_request", exc.record_id or "")
        what = ("was withdrawn" if latest.content.get("status") == "withdrawn"
                else "changed")
        return ConflictError(f"the sign-off request for {ctx.what} {what} (by {latest.author}) "
                             "while you were deciding; nothing was saved")
    if exc.kind == ctx.kind:
        latest = ctx.store.get(ctx.kind, ctx.record_id)
        return ConflictError(f"{ctx.what} changed while you were deciding "
                             f"({latest.describe()}); nothing was saved: review the new version")
    return exc


# -- requesting ------------------------------------------------------------------------------------
def _request_refusal(ctx: _Context, policy: P.Policy | None) -> Refusal | P.Requirement:
    if ctx.person is None or not ctx.person.active:
        return Refusal(PermissionDeniedError, f"{ctx.user} is not an active person in this "
                       "store and cannot request sign-off")
    writing = sorted(r.value for r in WRITING_ROLES)
    if not ctx.user_roles & set(writing):
        return Refusal(PermissionDeniedError, (
            f"{ctx.user} does not hold a role that may request sign-off "
            f"({', '.join(writing)})"))
    req = ctx.request
    if req is not None and req["state"] in ("approved", "rejected", "changes_requested"):
        return Refusal(ValidationError,
                       _closed_message(ctx, req).replace(": nothing to decide", ""))
    approved_same = ctx.states[(ctx.states["state"] == "approved")
                               & (ctx.states["target_hash"] == ctx.current.content_hash)]
    if not approved_same.empty:
        row = approved_same.iloc[-1]
        return Refusal(ValidationError, (
            f"{ctx.what} version {ctx.current.version} is identical to version "
            f"{int(row['target_version'])}, which is approved (by {row['approved_by']}): "
            "nothing to request"))
    barred = P.barred_people(ctx.current, ctx.facts())
    in_force = P.load_policy(store=ctx.store)
    try:
        need = P.requirement(ctx.kind, ctx.record_id, ctx.facts(), policy or in_force,
                             barred=barred)
    except ValidationError as exc:
        return Refusal(ValidationError, str(exc))
    refusal = _off_policy_refusal(ctx, need, policy, in_force)
    if refusal is not None:
        return refusal
    holders = P.role_holders(ctx.store)
    candidates = []
    for slot in need.required:
        people = P.eligible(slot, holders)
        if slot.person and ctx.store.find("person", slot.person) is None:
            return Refusal(ValidationError, f"the {slot.label} of {ctx.what} is {slot.person}, "
                           "who is not a person in this store; fix the record first")
        free = people - set(barred)
        if not free:
            why = "; ".join(f"{p} {barred[p]}" for p in sorted(people & set(barred)))
            who = why or f"nobody holds the role {slot.role}"
            return Refusal(ValidationError, (
                f"nobody can sign {ctx.what} version {ctx.current.version} as {slot.label}: "
                f"{who} (segregation of duties: a version is signed by people who did not "
                "write it). Nothing was saved"))
        candidates.append(free)
    if not P.assignable(candidates):
        return Refusal(ValidationError, (
            f"the sign-offs of {ctx.what} need {len(candidates)} different people "
            f"({', '.join(s.describe() for s in need.required)}), but the same person is the "
            "only one who could give them; nothing was saved"))
    return need


def _as_data(policy: P.Policy) -> Any:
    return policy.model_dump(mode="json", by_alias=True, exclude_none=True)


def _off_policy_refusal(ctx: _Context, need: P.Requirement, policy: P.Policy | None,
                        in_force: P.Policy) -> Refusal | None:
    """A request is made under the policy in force: refused when its signers are not the ones
    that policy asks for (the check ``workbench verify`` applies to every stored request, so a
    request it would call unsound is never written), or when ``policy`` is another policy."""
    from workbench.oversight.validity import off_policy

    slots = [slot.model_dump(mode="json") for slot in need.required]
    why = off_policy(in_force, ctx.kind, need.rule, slots)
    if why:
        return Refusal(ValidationError, (
            f"sign-off of {ctx.what} cannot be requested with those signers: {why}, under "
            f"the policy in force ({P.policy_source(ctx.store)}); leave the policy to the "
            "store. Nothing was saved"))
    if policy is not None and _as_data(policy) != _as_data(in_force):
        return Refusal(ValidationError, (
            f"sign-off of {ctx.what} cannot be requested under the policy given: it is not the "
            f"policy in force ({P.policy_source(ctx.store)}); leave the policy to the store. "
            "Nothing was saved"))
    return None


def request(store: Store, kind: str, record_id: str, *, version: int | None = None,
            note: str = "", policy: P.Policy | None = None) -> SignOffRequest:
    """Request sign-off of the current version of a record, as the policy requires.

    The acting user (:meth:`Store.acting_user`) is the requester.

    Parameters
    ----------
    kind, record_id
        The record.
    version
        The version to sign; only the current version can be requested.
    note
        A message to the signers.
    policy
        Only the policy in force for this store (:func:`~workbench.oversight.policy.
        load_policy`), which is what applies by default; any other policy is refused, so the
        signers are never the caller's choice.

    Returns
    -------
    SignOffRequest
        The new request, or the open request of that version when there already is one.

    Raises
    ------
    ValidationError
        The policy needs no sign-off of this record, a precondition fails (e.g. a draft
        impact assessment), it is already approved or was rejected, no eligible signer
        exists under segregation of duties, or ``policy`` is not the policy in force.
    NotFoundError, ConflictError
        Unknown record or version; an older version named.
    PermissionDeniedError
        The user may not request sign-off (they need a role that writes records).
    """
    ctx = _context(store, kind, record_id, version=version)
    req = ctx.request
    if req is not None and req["state"] == "pending":
        return store.get("signoff_request", req["id"]).record
    outcome = _request_refusal(ctx, policy)
    if isinstance(outcome, Refusal):
        outcome.raise_()
    assert isinstance(outcome, P.Requirement)
    round_ = ctx.next_round()  # after any request that is not sound: a new one replaces it
    record = SignOffRequest(
        id=request_id_for(ctx.kind, ctx.record_id, ctx.current.version, round_),
        target_kind=ctx.kind, target_id=ctx.record_id, target_version=ctx.current.version,
        target_hash=ctx.current.content_hash, round=round_, rule=outcome.rule,
        because=outcome.because, required=outcome.required,
        barred=P.barred_people(ctx.current, ctx.facts()), requested_by=ctx.user,
        requested_at=store.now(), note=(note or "").strip())
    why = f"sign-off of {ctx.kind} {ctx.record_id} v{ctx.current.version} requested"
    try:
        _save_guarded(store, record, ctx, why)
    except ConflictError as exc:
        if exc.kind == "signoff_request":  # requested at the same moment by someone else
            again = store.find("signoff_request", record.id)
            if again is not None and again.content.get("status") == "open":
                return again.record
        raise _changed_meanwhile(ctx, exc) from None
    return record


# -- withdrawing -----------------------------------------------------------------------------------
#: How often a withdrawal looks again when the store changed between its checks and its save.
WITHDRAW_ATTEMPTS = 5


def withdraw(store: Store, kind: str, record_id: str, *, reason: str = "") -> SignOffRequest:
    """Withdraw the open sign-off request of a record, as the acting user (the requester, or a
    governance lead or admin).

    Decisions already given stay in the store but no longer count. A request that is already
    approved, rejected or sent back is closed and cannot be withdrawn.
    """
    # A decision does not change the request record, so a version check on the request alone
    # would let a withdrawal land just after the last approval closed it (and discard that
    # approval). The save is therefore refused if anything was saved since the checks were
    # made; the withdrawal then looks again, and refuses if the request closed meanwhile.
    for _ in range(WITHDRAW_ATTEMPTS):
        seen = store.head()
        ctx = _context(store, kind, record_id)
        row = _withdraw_target(ctx)
        refusal = _withdraw_refusal(ctx, row)
        if refusal is not None:
            refusal.raise_()
        stored = store.get("signoff_request", row["id"])
        updated = stored.record.model_copy(update={
            "status": RequestStatus.withdrawn, "withdrawn_by": ctx.user,
            "withdrawn_at": store.now(), "withdraw_reason": (reason or "").strip()})
        why = "sign-off request withdrawn" + (f": {reason.strip()}" if reason else "")
        try:
            with workflow("oversight"):
                store.save(updated, base_version=stored.version, reason=why,
                           unchanged_since=seen)
        except ConflictError:
            continue  # something was saved meanwhile (perhaps a decision): look again
        return store.get("signoff_request", row["id"]).record
    raise ConflictError(f"the store kept changing while the sign-off request for {ctx.what} was "
                        f"being withdrawn ({WITHDRAW_ATTEMPTS} attempts); nothing was saved: "
                        "try again")


def _withdraw_target(ctx: _Context) -> Any:
    live = ctx.states[ctx.states["state"] != "withdrawn"]
    if ctx.request is not None and ctx.request["state"] != "withdrawn":
        return ctx.request
    pending = live[live["state"] == "pending"].sort_values(["target_version", "round"])
    return None if pending.empty else pending.iloc[-1]


def _withdraw_refusal(ctx: _Context, row: Any) -> Refusal | None:
    if ctx.person is None or not ctx.person.active:
        return Refusal(PermissionDeniedError, f"{ctx.user} is not an active person in this store")
    if row is None:
        unsound = ctx.unsound_message("there is nothing to withdraw")
        if unsound is not None:
            return Refusal(ValidationError, unsound)
        return Refusal(NotFoundError, f"{ctx.what} has no open sign-off request to withdraw")
    if row["state"] != "pending":
        return Refusal(ValidationError, f"the sign-off of {ctx.what} version "
                       f"{int(row['target_version'])} is {row['state'].replace('_', ' ')} and "
                       "closed: there is nothing to withdraw")
    allowed = {r.value for r in WITHDRAW_ROLES}
    if row["requested_by"] != ctx.user and not ctx.user_roles & allowed:
        return Refusal(PermissionDeniedError, (
            f"{ctx.user} cannot withdraw the request of {row['requested_by']}: only the "
            "requester or a governance lead or admin may"))
    return None

