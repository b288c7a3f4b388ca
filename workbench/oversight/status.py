"""Sign-off state of records, derived from the sign-off records and never stored.

One computation serves every view: :func:`status_frame` builds the state of many records
from ``store.frame("signoff_request")``, ``store.frame("signoff")`` and the targets' latest
versions with pandas operations (no per-record queries); :func:`status` runs the same
computation for one record and adds the decisions and what changed since the approval.

States
------
approved
    Every required signer approved the current content (an approval binds to the content
    hash: content identical to an approved version is approved).
pending
    Sign-off of the current version was requested and some signers have not decided.
stale
    An earlier version was approved, the record changed since, and no request covers the
    current version (``stale`` is also True in the frame when a new request is pending on
    top of an older approval).
rejected, changes_requested
    A signer rejected the current version, or asked for changes to it.
outdated
    Sign-off of an earlier version was requested and the record changed before the signers
    decided (and nothing approved it): the request must be made again for the current
    version. A pending request on top of a stale approval leaves the state ``stale``.
none
    No sign-off of this record so far (or only withdrawn requests).
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from workbench.oversight.model import APPROVING, Decision, SignOffState

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store

__all__ = [
    "STATES",
    "STATUS_FRAME_COLUMNS",
    "DecisionView",
    "FieldChange",
    "InvalidDecision",
    "SignOffStatus",
    "diff_content",
    "invalid_signoffs",
    "readable",
    "recent_decisions",
    "request_states",
    "reuse_signoff_frames",
    "signoff_frames",
    "stale_approvals",
    "status",
    "status_frame",
    "target_frame",
]

#: The states a record's sign-off can be in (every view uses :class:`SignOffState`).
STATES = tuple(s.value for s in SignOffState if s is not SignOffState.not_required)
STATUS_FRAME_COLUMNS = [
    "kind", "record_id", "title", "state", "approved_version", "current_version",
    "approved_by", "approved_at", "pending_with", "stale", "request_id", "requested_by",
    "requested_at", "request_outdated",
]
_APPROVING = [d.value for d in APPROVING]


class DecisionView(BaseModel):
    """One decision as people read it."""

    id: str
    who: str
    role: str
    when: dt.datetime
    decision: Decision
    version: int
    comment: str = ""
    conditions: list[str] = Field(default_factory=list)
    request_id: str


class InvalidDecision(BaseModel):
    """A decision that does not count, and why (see :mod:`workbench.oversight.validity`)."""

    id: str
    who: str
    role: str
    decision: str
    version: int
    reason: str


class FieldChange(BaseModel):
    """One changed value between two versions: a dotted path and readable before/after."""

    field: str
    before: str
    after: str


class SignOffStatus(BaseModel):
    """The sign-off state of one record (see the module docstring for the states)."""

    kind: str
    record_id: str
    title: str = ""
    state: str
    current_version: int
    current_hash: str
    approved_version: int | None = None
    approved_by: list[str] = Field(default_factory=list)
    approved_at: dt.datetime | None = None
    stale: bool = False
    request_id: str | None = None
    requested_by: str | None = None
    requested_at: dt.datetime | None = None
    pending_roles: list[str] = Field(default_factory=list)
    pending_with: list[str] = Field(default_factory=list)
    decisions: list[DecisionView] = Field(default_factory=list)
    changed_fields: list[str] = Field(default_factory=list)
    changes: list[FieldChange] = Field(default_factory=list)
    invalid: list[InvalidDecision] = Field(default_factory=list)
    note: str = ""

    def summary(self) -> str:
        """One line: the state, with who and when."""
        if self.state == "approved":
            when = f" on {self.approved_at:%Y-%m-%d}" if self.approved_at else ""
            return (f"approved: version {self.approved_version} by "
                    f"{', '.join(self.approved_by)}{when}")
        if self.state == "pending":
            text = (f"pending: version {self.current_version} awaits "
                    f"{', '.join(self.pending_with)}")
        elif self.state in ("rejected", "changes_requested"):
            last = next((d for d in reversed(self.decisions)
                         if d.decision.value == ("reject" if self.state == "rejected"
                                                 else "request_changes")), None)
            verb = "rejected" if self.state == "rejected" else "changes requested"
            text = f"{verb}: version {self.current_version}"
            if last is not None:
                text += f" by {last.who}: {last.comment}"
        elif self.state == "stale":
            text = (f"stale: version {self.approved_version} was approved, version "
                    f"{self.current_version} changed {', '.join(self.changed_fields) or 'it'}")
        elif self.state == "outdated":
            text = "request outdated"
        else:
            text = "no sign-off"
        if self.stale and self.state != "stale":
            text += (f" (the approval of version {self.approved_version} is stale: changed "
                     f"{', '.join(self.changed_fields) or 'since'})")
        if self.note:
            text += f"; {self.note}"
        if self.invalid:
            first = self.invalid[0]
            more = f" (and {len(self.invalid) - 1} more)" if len(self.invalid) > 1 else ""
            text += (f"; {len(self.invalid)} invalid sign-off{'s' if len(self.invalid) > 1 else ''}"
                     f" ignored: {first.who} as {first.role}: {first.reason}{more}")
        return text


# -- the vectorized core ---------------------------------------------------------------------------
_REUSE: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "workbench_signoff_frames", default=None)


@contextmanager
def reuse_signoff_frames() -> Iterator[None]:
    """Within this block, :func:`signoff_frames` is computed once per store, chain head and
    arguments, and reused (copies) by every view that asks again: for one page or report
    built from one state of the store. A save moves the head, so it is never served stale.
    Blocks nest; the outermost one owns the results."""
    if _REUSE.get() is not None:
        yield
        return
    token = _REUSE.set({})
    try:
        yield
    finally:
        _REUSE.reset(token)


def signoff_frames(store: Store, kind: str | None = None, *, invalid: bool = False
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The request and decision registers (optionally of one target kind), times parsed.

    Decisions are re-checked (:func:`workbench.oversight.validity.check_decisions`): only valid
    ones are returned, unless ``invalid`` is set, which returns only the invalid ones (with
    their ``invalid_reason``). Every count of sign-offs starts here. Inside
    :func:`reuse_signoff_frames` the result is computed once per chain head.
    """
    reused = _REUSE.get()
    if reused is None:
        return _signoff_frames(store, kind, invalid=invalid)
    # every kind is checked once; a decision's validity depends only on its own request and
    # target, so one kind's registers are the rows of that kind
    key = (id(store), store.head_entry(), invalid)
    if key not in reused:  # the store is kept with its frames so its id is not reused
        reused[key] = (store, _signoff_frames(store, None, invalid=invalid))
    req, dec = reused[key][1]
    if kind is not None:
        req = req[req["target_kind"] == kind].reset_index(drop=True)
        dec = dec[dec["target_kind"] == kind].reset_index(drop=True)
    return req.copy(), dec.copy()


def _signoff_frames(store: Store, kind: str | None, *, invalid: bool
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pandas as pd

    from workbench.oversight.validity import check_decisions, request_problems

    req = store.frame("signoff_request")
    dec = store.frame("signoff")
    if kind is not None:
        req = req[req["target_kind"] == kind]
        dec = dec[dec["target_kind"] == kind]
    dec = check_decisions(store, req, dec.reset_index(drop=True))
    # a request that is not sound (written around the workflow) is no request at all
    req = req[request_problems(store, req) == ""]
    dec = dec[~dec["valid"]] if invalid else dec[dec["valid"]]
    # one resolution whatever the rows hold, so one kind's rows match the same rows of all
    req = req.assign(requested_at=pd.to_datetime(req["requested_at"], utc=True,
                                                 format="ISO8601").dt.as_unit("us"))
    dec = dec.assign(decided_at=pd.to_datetime(dec["decided_at"], utc=True,
                                               format="ISO8601").dt.as_unit("us"))
    return req.reset_index(drop=True), dec.reset_index(drop=True)


def invalid_signoffs(store: Store, kind: str | None = None) -> pd.DataFrame:
    """Decisions that do not count, with why (``invalid_reason``): see
    :mod:`workbench.oversight.validity`."""
    _, dec = signoff_frames(store, kind, invalid=True)
    out = dec.rename(columns={"target_kind": "kind", "target_id": "record_id",
                              "target_version": "version", "signer": "who"})
    return out[["id", "decided_at", "who", "role", "decision", "kind", "record_id", "version",
                "invalid_reason"]].reset_index(drop=True)


def request_states(req: pd.DataFrame, dec: pd.DataFrame) -> pd.DataFrame:
    """Per request: its state and who is still missing, computed with group-bys.

    Returns the requests with added columns ``state`` (withdrawn, rejected,
    changes_requested, approved or pending), ``approved_by`` (str), ``approved_at``,
    ``missing`` (list of readable signers still needed), ``missing_signers`` (their names),
    ``decided_by`` (list of logins who decided), ``rejected_by``.
    """
    import numpy as np
    import pandas as pd

    out = req.copy()
    if out.empty:
        for col in ("state", "approved_by", "approved_at", "missing", "missing_signers",
                    "decided_by", "rejected_by"):
            out[col] = pd.Series(dtype=object)
        return out
    slots = out[["id", "required"]].explode("required").dropna(subset=["required"])
    sd = pd.DataFrame(slots["required"].tolist())
    sd.insert(0, "request_id", slots["id"].to_numpy())
    sd = sd.rename(columns={"signer": "slot"})
    sd["who"] = np.where(sd["person"].notna(), sd["label"] + " " + sd["person"].fillna(""),
                         sd["label"])
    approvals = (dec[dec["decision"].isin(_APPROVING)].sort_values("decided_at")
                 .drop_duplicates(["request_id", "role"])
                 [["request_id", "role", "signer", "decided_at"]]
                 .rename(columns={"role": "slot", "signer": "login"}))
    sd = sd.merge(approvals, on=["request_id", "slot"], how="left")
    sd["ok"] = sd["login"].notna()
    grouped = sd.groupby("request_id", sort=False)
    agg = pd.DataFrame({
        "n_required": grouped.size(),
        "n_ok": grouped["ok"].sum(),
        "approved_at": grouped["decided_at"].max(),
    })
    signed = sd[sd["ok"]].groupby("request_id")["login"].agg(", ".join)
    missing = sd[~sd["ok"]].groupby("request_id").agg(missing=("who", list),
                                                      missing_signers=("slot", list))
    decided = dec.groupby("request_id")["signer"].agg(list).rename("decided_by")
    rejected = (dec[dec["decision"] == Decision.reject.value].groupby("request_id")["signer"]
                .agg(", ".join).rename("rejected_by"))
    changes = (dec[dec["decision"] == Decision.request_changes.value]
               .groupby("request_id")["signer"].agg(", ".join).rename("changes_by"))
    agg = agg.join(signed.rename("approved_by")).join(missing).join(decided).join(rejected)
    agg = agg.join(changes)
    out = out.merge(agg, left_on="id", right_index=True, how="left")
    for col in ("missing", "missing_signers", "decided_by"):
        out[col] = [v if isinstance(v, list) else [] for v in out[col]]
    out["approved_by"] = out["approved_by"].fillna("").astype(str)
    out["state"] = np.select(
        [out["status"] == "withdrawn", out["rejected_by"].notna(), out["changes_by"].notna(),
         out["n_ok"] >= out["n_required"]],
        ["withdrawn", "rejected", "changes_requested", "approved"], default="pending")
    return out


def target_frame(store: Store, kinds: list[str]) -> pd.DataFrame:
    """Latest version, hash and a display title of every record of ``kinds`` (one query each)."""
    import pandas as pd

    parts = []
    for kind in kinds:
        df = store.frame(kind)
        title = df["id"]
        for col in ("name", "title"):
            if col in df.columns:
                title = df[col].where(df[col].notna() & (df[col] != ""), df["id"])
                break
        parts.append(pd.DataFrame({"target_kind": kind, "target_id": df["id"],
                                   "current_version": df["_version"],
                                   "current_hash": df["_hash"], "title": title}))
    if not parts:
        return pd.DataFrame(columns=["target_kind", "target_id", "current_version",
                                     "current_hash", "title"])
    return pd.concat(parts, ignore_index=True)


def _target_states(states: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """The contract's status frame from request states and the targets' latest versions."""
    import numpy as np
    import pandas as pd

    keys = ["target_kind", "target_id"]
    r = states.merge(targets, on=keys, how="inner")
    if r.empty:
        return pd.DataFrame(columns=STATUS_FRAME_COLUMNS)
    live = r[r["state"] != "withdrawn"]
    current = (live[live["target_version"] == live["current_version"]]
               .sort_values("round").drop_duplicates(keys, keep="last")
               [[*keys, "id", "state", "missing", "requested_by", "requested_at"]]
               .rename(columns={"id": "request_id", "state": "request_state"}))
    approved = live[live["state"] == "approved"].assign(
        matches=lambda d: d["target_hash"] == d["current_hash"])
    approved = (approved.sort_values(["matches", "target_version", "round"])
                .drop_duplicates(keys, keep="last")
                [[*keys, "target_version", "approved_by", "approved_at", "matches"]]
                .rename(columns={"target_version": "approved_version"}))
    outdated = (live[(live["target_version"] < live["current_version"])
                     & (live["state"] == "pending")][keys].drop_duplicates()
                .assign(request_outdated=True))
    base = r[[*keys, "title", "current_version"]].drop_duplicates(keys)
    out = (base.merge(current, on=keys, how="left").merge(approved, on=keys, how="left")
           .merge(outdated, on=keys, how="left"))
    has_current = out["request_state"].notna()
    matches = out["matches"].fillna(False).astype(bool)
    has_approval = out["approved_version"].notna()
    was_requested = out["request_outdated"].fillna(False).astype(bool)
    out["state"] = np.select([has_current, matches, has_approval, was_requested],
                             [out["request_state"].fillna(""), "approved", "stale", "outdated"],
                             default="none")
    out["stale"] = has_approval & ~matches
    out["request_outdated"] = out["request_outdated"].fillna(False).astype(bool) & ~has_current
    out["pending_with"] = [", ".join(m) if s == "pending" and isinstance(m, list) else ""
                           for s, m in zip(out["state"], out["missing"])]
    out["approved_version"] = out["approved_version"].astype("Int64")
    out["current_version"] = out["current_version"].astype("int64")
    out["approved_by"] = out["approved_by"].fillna("").astype(str)
    out["approved_at"] = pd.to_datetime(out["approved_at"], utc=True)
    out = out.rename(columns={"target_kind": "kind", "target_id": "record_id"})
    return out[STATUS_FRAME_COLUMNS].sort_values(["kind", "record_id"]).reset_index(drop=True)


def status_frame(store: Store, kind: str | None = None) -> pd.DataFrame:
    """Sign-off state of every record with sign-off activity, for registers and dashboards.

    Parameters
    ----------
    store
        The store.
    kind
        Only records of this kind (e.g. ``"impact_assessment"``).

    Returns
    -------
    pandas.DataFrame
        One row per (kind, record_id) with a sign-off request, columns ``kind, record_id,
        title, state, approved_version, current_version, approved_by, approved_at,
        pending_with, stale, request_id, requested_by, requested_at, request_outdated``.
        Computed from three registers with group-bys and merges, never per record.
    """
    req, dec = signoff_frames(store, kind)
    kinds = sorted(req["target_kind"].unique().tolist())
    return _target_states(request_states(req, dec), target_frame(store, kinds))


# -- one record ------------------------------------------------------------------------------------
def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def readable(value: Any) -> str:
    """A value as people read it: lists joined, empty as a dash, a part as ``field: value``
    pairs (its empty fields left out), a list of parts numbered ``(1) … (2) …``."""
    if _empty(value):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        pairs = [f"{k}: ({readable(v)})" if isinstance(v, dict) else f"{k}: {readable(v)}"
                 for k, v in value.items() if not _empty(v)]
        return "; ".join(pairs) or "—"
    if isinstance(value, list):
        return " ".join(f"({i}) {readable(v)}" for i, v in enumerate(value, start=1))
    return str(value)


def in_model_order(kind: str, content: dict[str, Any]) -> dict[str, Any]:
    """Stored content (keys sorted) in the order of the record model's fields."""
    from workbench.model import model_for

    order = {name: i for i, name in enumerate(model_for(kind).model_fields)}
    return dict(sorted(content.items(), key=lambda kv: order.get(kv[0], len(order))))


def diff_content(before: dict[str, Any], after: dict[str, Any], *,
                 kind: str | None = None) -> list[FieldChange]:
    """What changed between two versions' contents, as dotted paths with readable values.

    Nested parts are compared field by field (``actions[1].due``); lists of plain values and
    added or removed parts are shown whole. With ``kind``, fields come in the record model's
    order (stored content has its keys sorted).
    """
    changes: list[FieldChange] = []
    if kind is not None:
        before = in_model_order(kind, before)

    def walk(path: str, a: Any, b: Any) -> None:
        if a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in [*a.keys(), *[k for k in b if k not in a]]:
                walk(f"{path}.{key}" if path else str(key), a.get(key), b.get(key))
            return
        if (isinstance(a, list) and isinstance(b, list) and a and b
                and all(isinstance(v, dict) for v in [*a, *b])):
            for i in range(max(len(a), len(b))):
                walk(f"{path}[{i + 1}]", a[i] if i < len(a) else None,
                     b[i] if i < len(b) else None)
            return
        changes.append(FieldChange(field=path, before=readable(a), after=readable(b)))

    walk("", before, after)
    return changes


def _top_fields(changes: list[FieldChange]) -> list[str]:
    seen: dict[str, None] = {}
    for change in changes:
        seen.setdefault(change.field.split(".")[0].split("[")[0], None)
    return list(seen)


def _none(value: Any) -> Any:
    import pandas as pd

    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    return value


def status(store: Store, kind: str, record_id: str) -> SignOffStatus:
    """The sign-off state of one record, with its decisions and what changed since approval.

    Raises
    ------
    NotFoundError
        There is no such record.
    """
    import pandas as pd

    from workbench.model import model_for

    kind = model_for(kind).kind
    current = store.get(kind, record_id)
    req, dec = signoff_frames(store, kind)
    req = req[req["target_id"] == record_id]
    dec = dec[dec["target_id"] == record_id]
    title = current.record.display_name()
    targets = pd.DataFrame({"target_kind": [kind], "target_id": [record_id],
                            "current_version": [current.version],
                            "current_hash": [current.content_hash], "title": [title]})
    states = request_states(req, dec)
    frame = _target_states(states, targets)
    result = SignOffStatus(kind=kind, record_id=record_id, title=title, state="none",
                           current_version=current.version,
                           current_hash=current.content_hash)
    _, bad = signoff_frames(store, kind, invalid=True)
    bad = bad[bad["target_id"] == record_id].sort_values("decided_seq")
    result.invalid = [InvalidDecision(id=row.id, who=row.signer, role=row.role,
                                      decision=str(row.decision), version=int(row.target_version),
                                      reason=row.invalid_reason) for row in bad.itertuples()]
    result.decisions = [
        DecisionView(id=row.id, who=row.signer, role=row.role, when=row.decided_at.to_pydatetime(),
                     decision=Decision(row.decision), version=int(row.target_version),
                     comment=row.comment or "", conditions=list(row.conditions or []),
                     request_id=row.request_id)
        for row in dec.sort_values("decided_at").itertuples()]
    if frame.empty:
        return result
    row = frame.iloc[0]
    result.state = str(row["state"])
    result.stale = bool(row["stale"])
    result.approved_version = None if pd.isna(row["approved_version"]) else int(
        row["approved_version"])
    result.approved_by = [s for s in str(row["approved_by"]).split(", ") if s]
    approved_at = _none(row["approved_at"])
    result.approved_at = approved_at.to_pydatetime() if approved_at is not None else None
    result.request_id = _none(row["request_id"])
    result.requested_by = _none(row["requested_by"])
    requested_at = _none(row["requested_at"])
    result.requested_at = (requested_at.to_pydatetime() if requested_at is not None
                           else None)
    if result.request_id is not None and result.state == "pending":
        this = states[states["id"] == result.request_id].iloc[0]
        result.pending_roles = list(this["missing_signers"])
        result.pending_with = list(this["missing"])
    if result.stale and result.approved_version is not None:
        before = store.get(kind, record_id, result.approved_version).content
        result.changes = diff_content(before, current.content, kind=kind)
        result.changed_fields = _top_fields(result.changes)
    if bool(row["request_outdated"]):
        result.note = (f"a sign-off request names an earlier version; version "
                       f"{current.version} needs a new request")
    elif result.state in ("none", "stale"):
        _note_withdrawal(result, states)
    return result


def _note_withdrawal(result: SignOffStatus, states: pd.DataFrame) -> None:
    """When the latest request of the current version was withdrawn, say by whom and why."""
    if states.empty:
        return
    mine = states[states["target_version"] == result.current_version]
    if mine.empty:
        return
    last = mine.sort_values("round").iloc[-1]
    if last["state"] != "withdrawn":
        return
    import pandas as pd

    when = _none(last.get("withdrawn_at"))
    day = f" on {pd.Timestamp(when):%Y-%m-%d}" if when is not None else ""
    why = str(last.get("withdraw_reason") or "").strip()
    result.note = (f"the request for version {result.current_version} was withdrawn by "
                   f"{last.get('withdrawn_by')}{day}" + (f": {why}" if why else ""))


# -- portfolio views -------------------------------------------------------------------------------
def stale_approvals(store: Store, kind: str | None = None) -> pd.DataFrame:
    """Records whose approval no longer matches their content, with the fields changed since.

    The state comes from :func:`status_frame`; the changed fields are computed for the stale
    rows only (reading the approved and the current version of each).
    """
    frame = status_frame(store, kind)
    stale = frame[frame["stale"]].reset_index(drop=True)
    changed = []
    for row in stale.itertuples():
        before = store.get(row.kind, row.record_id, int(row.approved_version)).content
        after = store.get(row.kind, row.record_id).content
        changed.append(", ".join(_top_fields(diff_content(before, after, kind=row.kind))))
    stale["changed_fields"] = changed
    return stale[["kind", "record_id", "title", "state", "approved_version", "current_version",
                  "approved_by", "approved_at", "changed_fields"]]


def recent_decisions(store: Store, limit: int = 20, *, kind: str | None = None
                     ) -> pd.DataFrame:
    """The latest sign-off decisions, newest first (who, role, what, decision, comment)."""
    _, dec = signoff_frames(store, kind)
    dec = dec.sort_values("decided_at", ascending=False).head(limit)
    out = dec.rename(columns={"target_kind": "kind", "target_id": "record_id",
                              "target_version": "version", "signer": "who"})
    out["conditions"] = ["; ".join(c) if isinstance(c, list) else "" for c in out["conditions"]]
    return out[["decided_at", "who", "role", "decision", "kind", "record_id", "version",
                "comment", "conditions"]].reset_index(drop=True)
