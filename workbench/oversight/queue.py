"""What awaits whom, and what a user may do about a record's sign-off now.

Both answer from the same rules as :mod:`workbench.oversight.workflow` (they call its checks
without writing), so a widget that enables a button from :func:`eligibility` and the
:func:`~workbench.oversight.workflow.decide` behind it never disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from workbench.oversight import policy as P
from workbench.oversight.model import Decision
from workbench.oversight.status import request_states, signoff_frames, target_frame
from workbench.oversight.workflow import (
    Refusal,
    _context,
    _decide_refusal,
    _request_refusal,
    _withdraw_refusal,
    _withdraw_target,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store

__all__ = ["PENDING_COLUMNS", "Eligibility", "eligibility", "pending"]


# -- what the user may do --------------------------------------------------------------------------
class Eligibility(BaseModel):
    """What the acting user may do about a record's sign-off now, and why not."""

    user: str
    name: str = ""
    user_roles: list[str] = Field(default_factory=list)
    kind: str
    record_id: str
    current_version: int
    current_hash: str
    request_id: str | None = None
    request_state: str | None = None
    required: list[dict[str, Any]] = Field(default_factory=list)
    can_request: bool = False
    request_reason: str = ""
    can_decide: bool = False
    decide_reason: str = ""
    sign_as: list[str] = Field(default_factory=list)
    sign_as_labels: dict[str, str] = Field(default_factory=dict)
    can_withdraw: bool = False
    withdraw_reason: str = ""
    own_decision: str | None = None


def eligibility(store: Store, kind: str, record_id: str, *, user: str | None = None,
                policy: P.Policy | None = None) -> Eligibility:
    """What ``user`` (default: the acting user) may do now (request, decide and as which
    signer, withdraw), with reasons.

    The same checks as :func:`request`, :func:`decide` and :func:`withdraw`, without writing;
    widgets enable their buttons from it. It only answers a question: every write is decided
    for the acting user.
    """
    ctx = _context(store, kind, record_id, user)
    out = Eligibility(user=ctx.user, name=ctx.person.name if ctx.person else "",
                      user_roles=sorted(ctx.user_roles), kind=ctx.kind, record_id=record_id,
                      current_version=ctx.current.version,
                      current_hash=ctx.current.content_hash)
    req = ctx.request
    if req is not None:
        out.request_id = str(req["id"])
        out.request_state = str(req["state"])
        out.required = list(req["required"])
        mine = ctx.own_decision()
        if mine is not None:
            out.own_decision = str(mine["decision"])
    if req is not None and req["state"] == "pending":
        out.request_reason = (f"sign-off of version {ctx.current.version} is already "
                              "requested")
    else:
        outcome = _request_refusal(ctx, policy)
        out.can_request = not isinstance(outcome, Refusal)
        out.request_reason = outcome.message if isinstance(outcome, Refusal) else ""
    if out.own_decision is not None:
        out.decide_reason = f"{ctx.user} already decided ({out.own_decision})"
    else:
        outcome = _decide_refusal(ctx, Decision.approve, None)
        if isinstance(outcome, Refusal):
            out.decide_reason = outcome.message
        else:
            required = {r["signer"]: r for r in req["required"]}
            out.can_decide = True
            out.sign_as = list(outcome.signers)
            out.sign_as_labels = {n: required[n]["label"] for n in outcome.signers}
    refusal = _withdraw_refusal(ctx, _withdraw_target(ctx))
    out.can_withdraw = refusal is None
    out.withdraw_reason = "" if refusal is None else refusal.message
    return out


# -- the queue -------------------------------------------------------------------------------------
PENDING_COLUMNS = ["request_id", "kind", "record_id", "title", "version", "sign_as",
                   "signers", "requested_by", "requested_at", "waiting_days", "note", "rule"]


def pending(store: Store, user: str | None = None) -> pd.DataFrame:
    """Sign-off requests awaiting ``user`` ("awaiting my sign-off"), oldest first.

    A request is listed when it is open, still names the current version of its record, and
    still needs a signer the user may be (their role, or they are the designated person),
    unless segregation of duties bars them or they already decided on it. Computed from the
    request and decision registers with group-bys; one query per register.

    Returns
    -------
    pandas.DataFrame
        Columns ``request_id, kind, record_id, title, version, sign_as`` (readable signers the
        user may sign as), ``signers`` (their names, for ``decide(role=...)``),
        ``requested_by, requested_at, waiting_days, note, rule``.
    """
    import pandas as pd

    from workbench.identity import roles_of

    login = (user or store.acting_user()).strip().lower()
    roles = {r.value for r in roles_of(store, login)}
    req, dec = signoff_frames(store)
    states = request_states(req, dec)
    states = states[states["state"] == "pending"]
    if states.empty:
        return pd.DataFrame(columns=PENDING_COLUMNS)
    targets = target_frame(store, sorted(states["target_kind"].unique().tolist()))
    live = states.merge(targets, on=["target_kind", "target_id"])
    live = live[live["target_version"] == live["current_version"]]
    allowed = [login not in (b or {}) and login not in d
               for b, d in zip(live["barred"], live["decided_by"])]
    live = live.loc[pd.Series(allowed, index=live.index, dtype=bool)]
    slots = live[["id", "required", "missing_signers"]].explode("required")
    slots = slots.dropna(subset=["required"])
    sd = pd.DataFrame(slots["required"].tolist())
    if sd.empty:
        return pd.DataFrame(columns=PENDING_COLUMNS)
    sd["request_id"] = slots["id"].to_numpy()
    sd["open"] = [s in m for s, m in zip(sd["signer"], slots["missing_signers"])]
    mine = sd[sd["open"] & ((sd["person"] == login)
                            | (sd["person"].isna() & sd["role"].isin(sorted(roles))))]
    if mine.empty:
        return pd.DataFrame(columns=PENDING_COLUMNS)
    grouped = mine.groupby("request_id").agg(sign_as=("label", ", ".join),
                                             signers=("signer", ", ".join))
    out = live.merge(grouped, left_on="id", right_index=True)
    now = pd.Timestamp.now(tz="UTC")
    out = out.assign(
        kind=out["target_kind"], record_id=out["target_id"], version=out["target_version"],
        request_id=out["id"],
        waiting_days=((now - out["requested_at"]).dt.days).astype("int64"))
    return out.sort_values("requested_at")[PENDING_COLUMNS].reset_index(drop=True)

