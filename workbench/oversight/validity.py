"""Every sign-off re-checked where it is counted, whoever wrote it and however.

The workflow refuses ineligible decisions, but a decision that reached the store another way
(an old store, a direct database insert, a restored backup) must not count either. Status,
readiness, dashboards, reports and ``workbench verify`` therefore read decisions through
:func:`check_decisions`, which judges each one against the store's own history:

- the decision was recorded by its signer, once, and never edited;
- its request exists, was recorded by its requester (who then held a role that may request),
  was not edited except to be withdrawn, and was open when the decision was recorded (not
  withdrawn before it, not already approved, rejected or sent back);
- the request's signers are the ones the sign-off policy in force when it was made asks for
  (the version of the store's own policy saved before it, else the policy file);
- it names the version and content hash the request names, and a signer slot of the request;
- the signer held the slot's role when they decided (their person record as it stood then,
  active), or is the person the slot designates;
- the signer did not write that version and is not named as its author (an impact
  assessment's assessor), nor barred by the request;
- it is the signer's first decision on the request, and the slot was not already filled.

A decision failing any of these is *invalid*: it never counts, it shows with its reason, and
``workbench verify`` names it. Computed with merges and group-bys over the registers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.model import WRITING_ROLES
from workbench.oversight.model import APPROVING, Decision
from workbench.oversight.policy import AUTHOR_FACTS, Policy, in_force, load_policy, stored_policies

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store

__all__ = ["INVALID_COLUMNS", "check_decisions", "off_policy", "request_problems"]

#: Columns :func:`check_decisions` adds to the decision register.
INVALID_COLUMNS = ("valid", "invalid_reason", "decided_seq")
_APPROVING = [d.value for d in APPROVING]
_CLOSING = [Decision.reject.value, Decision.request_changes.value]
_WRITING = sorted(r.value for r in WRITING_ROLES)


def _first_versions(store: Store, kind: str) -> pd.DataFrame:
    """Per record of ``kind``: seq and author of version 1, and how many versions it has."""
    import pandas as pd

    log = store.log(kind=kind)
    if log.empty:
        return pd.DataFrame(columns=["record_id", "first_seq", "first_author", "n_versions"])
    first = log[log["version"] == 1][["record_id", "seq", "author"]].rename(
        columns={"seq": "first_seq", "author": "first_author"})
    counts = log.groupby("record_id").size().rename("n_versions")
    return first.merge(counts, left_on="record_id", right_index=True, how="left")


def _roles_then(store: Store, logins: pd.Series, seqs: pd.Series) -> pd.DataFrame:
    """The person record of each login as it stood just before each seq (merge_asof)."""
    import pandas as pd

    people = store.versions("person")
    probe = pd.DataFrame({"login": logins.astype(str).to_numpy(),
                          "at_seq": seqs.astype("int64").to_numpy(),
                          "_row": range(len(logins))})
    if people.empty or probe.empty:
        return probe.assign(active=False, roles=[[] for _ in range(len(probe))],
                            known=False).sort_values("_row")
    hist = people[["id", "_seq", "roles", "active"]].rename(columns={"id": "login",
                                                                      "_seq": "p_seq"})
    merged = pd.merge_asof(probe.sort_values("at_seq"), hist.sort_values("p_seq"),
                           left_on="at_seq", right_on="p_seq", by="login",
                           allow_exact_matches=False, direction="backward")
    merged["known"] = merged["p_seq"].notna()
    merged["active"] = merged["active"].fillna(False).astype(bool) & merged["known"]
    merged["roles"] = [r if isinstance(r, list) else [] for r in merged["roles"]]
    return merged.sort_values("_row").reset_index(drop=True)


def _target_versions(store: Store, kinds: list[str]) -> pd.DataFrame:
    """Author, content hash and named authors (assessor...) of every version of the targets."""
    import pandas as pd

    from workbench.model import model_for

    parts = []
    for kind in kinds:
        fields = [f for f in AUTHOR_FACTS if f in model_for(kind).model_fields]
        if fields:
            df = store.versions(kind)
            named = [sorted({v for value in values
                             for v in ([value] if isinstance(value, str)
                                       else value if isinstance(value, list) else [])
                             if isinstance(v, str) and v})
                     for values in zip(*(df[f] for f in fields))]
            part = pd.DataFrame({"target_id": df["id"], "target_version": df["_version"],
                                 "version_author": df["_saved_by"], "actual_hash": df["_hash"],
                                 "named_authors": named})
        else:
            log = store.log(kind=kind)
            part = pd.DataFrame({"target_id": log["record_id"],
                                 "target_version": log["version"].astype("int64"),
                                 "version_author": log["author"],
                                 "actual_hash": log["content_hash"],
                                 "named_authors": [[] for _ in range(len(log))]})
        parts.append(part.assign(target_kind=kind))
    if not parts:
        return pd.DataFrame(columns=["target_kind", "target_id", "target_version",
                                     "version_author", "actual_hash", "named_authors"])
    return pd.concat(parts, ignore_index=True)


def _next_version_seqs(store: Store, kinds: list[str]) -> pd.DataFrame:
    """For every version of the targets, the seq at which the next version was saved (none
    for a latest version): a decision recorded after it signed an outdated version."""
    import pandas as pd

    parts = []
    for kind in kinds:
        log = store.log(kind=kind)[["record_id", "version", "seq"]]
        nxt = log.assign(version=log["version"].astype("int64") - 1).rename(
            columns={"record_id": "target_id", "version": "target_version", "seq": "next_seq"})
        parts.append(nxt.assign(target_kind=kind))
    if not parts:
        return pd.DataFrame({"target_kind": pd.Series(dtype=object),
                             "target_id": pd.Series(dtype=object),
                             "target_version": pd.Series(dtype="int64"),
                             "next_seq": pd.Series(dtype="int64")})
    return pd.concat(parts, ignore_index=True)


def off_policy(policy: Policy, kind: str, rule_id: str, required: object) -> str:
    """Why a request's signers are not the ones the policy's rule asks for ("" when they are):
    an unknown rule, a signer the policy does not declare, or a role the signer does not have
    in the policy (a request written around the workflow naming an easier signer). ``policy``
    is the one in force when the request was made; the workflow refuses a request this check
    would call unsound, before writing it."""
    rule = next((r for r in policy.rules_for(kind) if r.id == rule_id), None)
    if rule is None:
        return f"the sign-off policy has no rule {rule_id!r} for {kind} records"
    stand_ins = {policy.signers[n].stand_in for n in rule.requires} - {None}
    slots = required if isinstance(required, list) else []
    named = {slot.get("signer") for slot in slots}
    for slot in slots:
        name = slot.get("signer")
        spec = policy.signers.get(name)
        if spec is None or (name not in rule.requires and name not in stand_ins):
            return f"rule {rule_id} does not ask for a {name} sign-off"
        if slot.get("role") and (spec.role is None or spec.role.value != slot["role"]):
            return (f"the {name} sign-off names the role {slot['role']}, but the policy's "
                    f"{name} is {spec.role.value if spec.role else 'a designated person'}")
        if slot.get("person") and spec.person_fact is None:
            return f"the {name} sign-off names a person, but the policy's {name} is a role"
    for name in rule.requires:  # every signer the rule asks for, or the one standing in
        if name not in named and policy.signers[name].stand_in not in named:
            return f"rule {rule_id} asks for a {name} sign-off, which the request leaves out"
    return ""


def request_problems(store: Store, req: pd.DataFrame) -> pd.Series:
    """Per request (aligned with ``req``): why it cannot carry valid decisions ("" when sound).

    ``req`` is ``store.frame("signoff_request")`` (with its meta columns).
    """
    import numpy as np
    import pandas as pd

    if req.empty:
        return pd.Series([], dtype=str)
    first = _first_versions(store, "signoff_request")
    r = req[["id", "requested_by", "status", "withdrawn_by", "_version", "_saved_by"]].merge(
        first, left_on="id", right_on="record_id", how="left")
    then = _roles_then(store, r["requested_by"], r["first_seq"].fillna(0))
    could = [bool(set(roles) & set(_WRITING)) and active
             for roles, active in zip(then["roles"], then["active"])]
    stored, fallback = stored_policies(store), load_policy()
    unsound = pd.Series([
        off_policy(in_force(stored, int(seq), fallback), k, rule, req_slots)
        for seq, k, rule, req_slots in zip(r["first_seq"].fillna(0), req["target_kind"],
                                           req["rule"], req["required"])],
        index=r.index, dtype=object)
    reasons = np.select(
        [unsound != "",
         r["first_author"].ne(r["requested_by"]),
         r["_version"] > 2,
         (r["_version"] == 2) & (r["status"] != "withdrawn"),
         (r["_version"] == 2) & (r["_saved_by"] != r["withdrawn_by"]),
         ~pd.Series(could, index=r.index)],
        [unsound,
         "the request names " + r["requested_by"].astype(str) + " as requester but was "
         "recorded by " + r["first_author"].astype(str),
         "the request was edited after it was made",
         "the request was edited after it was made",
         "the request's withdrawal was recorded by someone other than who it names",
         r["requested_by"].astype(str) + " held no role that may request sign-off when the "
         "request was made"],
        default="")
    return pd.Series(reasons, index=req.index, dtype=str)


def check_decisions(store: Store, req: pd.DataFrame, dec: pd.DataFrame) -> pd.DataFrame:
    """The decision register with ``valid``, ``invalid_reason`` and ``decided_seq`` added.

    Parameters
    ----------
    store
        The store (its logs and people's history are read).
    req, dec
        ``store.frame("signoff_request")`` and ``store.frame("signoff")`` (all target kinds, or
        a subset: requests a decision names must be in ``req``).
    """
    import numpy as np
    import pandas as pd

    out = dec.copy()
    if out.empty:
        for col, dtype in (("valid", bool), ("invalid_reason", str), ("decided_seq", "int64")):
            out[col] = pd.Series(dtype=dtype)
        return out
    first = _first_versions(store, "signoff")
    out = out.merge(first, left_on="id", right_on="record_id", how="left").drop(
        columns=["record_id"])
    out["decided_seq"] = out["first_seq"].fillna(0).astype("int64")
    reason = pd.Series("", index=out.index, dtype=object)

    def flag(mask: pd.Series | np.ndarray, text: pd.Series | str) -> None:
        mask = pd.Series(mask, index=out.index).fillna(False).astype(bool) & (reason == "")
        if isinstance(text, pd.Series):
            reason.loc[mask] = text[mask]
        else:
            reason.loc[mask] = text

    # the decision record itself
    flag(out["first_author"].ne(out["signer"]),
         "it names " + out["signer"].astype(str) + " as signer but was recorded by "
         + out["first_author"].astype(str))
    flag(out["n_versions"].fillna(1) > 1, "the decision was edited after it was recorded")

    # its request
    reqs = req.assign(request_problem=request_problems(store, req))
    rq = reqs[["id", "target_kind", "target_id", "target_version", "target_hash", "required",
               "barred", "status", "_version", "_saved_by", "request_problem"]].rename(
        columns={"id": "request_id", "target_kind": "r_kind", "target_id": "r_id",
                 "target_version": "r_version", "target_hash": "r_hash", "status": "r_status",
                 "_version": "r_versions", "_saved_by": "r_saved_by"})
    rfirst = _first_versions(store, "signoff_request").rename(
        columns={"record_id": "request_id", "first_seq": "r_seq"})[["request_id", "r_seq"]]
    rlog = store.log(kind="signoff_request")
    last = (rlog.sort_values("seq").drop_duplicates("record_id", keep="last")
            [["record_id", "seq"]].rename(columns={"record_id": "request_id",
                                                    "seq": "r_last_seq"}))
    rq = rq.merge(rfirst, on="request_id", how="left").merge(last, on="request_id", how="left")
    out = out.merge(rq, on="request_id", how="left")
    flag(out["r_kind"].isna(), "its request " + out["request_id"].astype(str)
         + " is not in the store")
    flag(out["request_problem"].fillna("") != "",
         "its request is not sound: " + out["request_problem"].fillna("").astype(str))
    flag(out["r_seq"].fillna(0) > out["decided_seq"],
         "it was recorded before its request")
    withdrawn_first = (out["r_status"] == "withdrawn") & (out["r_last_seq"] < out["decided_seq"])
    flag(withdrawn_first, "it was recorded after the request was withdrawn")
    same_target = ((out["target_kind"] == out["r_kind"]) & (out["target_id"] == out["r_id"])
                   & (out["target_version"] == out["r_version"])
                   & (out["target_hash"] == out["r_hash"]))
    flag(~same_target, "it names another version or content hash than its request")

    # the signer slot, and the signer as they stood then
    slots = []
    for required, role in zip(out["required"], out["role"]):
        slot = next((s for s in (required if isinstance(required, list) else [])
                     if s.get("signer") == role), None)
        slots.append(slot)
    flag(pd.Series([s is None for s in slots], index=out.index),
         "it signs as " + out["role"].astype(str) + ", which its request does not need")
    then = _roles_then(store, out["signer"], out["decided_seq"])
    then.index = out.index
    flag(~then["active"], out["signer"].astype(str)
         + " was not an active person when the decision was recorded")
    eligible = []
    for slot, signer, roles in zip(slots, out["signer"], then["roles"]):
        if slot is None:
            eligible.append(True)  # already flagged
        elif slot.get("person"):
            eligible.append(slot["person"] == signer)
        else:
            eligible.append(slot.get("role") in set(roles))
    needs = pd.Series([("the role " + str(s.get("role"))) if s and not s.get("person")
                       else ("to be " + str(s.get("person"))) if s else "" for s in slots],
                      index=out.index)
    flag(~pd.Series(eligible, index=out.index),
         out["signer"].astype(str) + " could not sign as " + out["role"].astype(str)
         + " (it needs " + needs + ")")

    # segregation of duties, on the version signed
    targets = _target_versions(store, sorted(out["target_kind"].dropna().unique().tolist()))
    out = out.merge(targets, on=["target_kind", "target_id", "target_version"], how="left")
    reason.index = out.index
    flag(out["actual_hash"].isna(), "the version it names is not in the store")
    flag(out["actual_hash"].notna() & (out["actual_hash"] != out["target_hash"]),
         "it binds a content hash the version it names does not have")
    later = _next_version_seqs(store, sorted(out["target_kind"].dropna().unique().tolist()))
    out = out.merge(later, on=["target_kind", "target_id", "target_version"], how="left")
    reason.index = out.index
    flag(out["next_seq"].notna() & (out["next_seq"] < out["decided_seq"]),
         "it was recorded after a later version of the record was saved (version "
         + (out["target_version"] + 1).astype(str) + "), so the version it signs was "
         "already outdated")
    flag(out["signer"] == out["version_author"],
         out["signer"].astype(str) + " authored the version signed (segregation of duties)")
    named = [signer in (authors if isinstance(authors, list) else [])
             for signer, authors in zip(out["signer"], out["named_authors"])]
    flag(pd.Series(named, index=out.index),
         out["signer"].astype(str) + " is named as an author of the version signed "
         "(segregation of duties)")
    barred = [signer in (b if isinstance(b, dict) else {})
              for signer, b in zip(out["signer"], out["barred"])]
    flag(pd.Series(barred, index=out.index),
         out["signer"].astype(str) + " is barred from deciding by the request "
         "(segregation of duties)")

    # one decision per person per request; one per slot; none after the request closed
    order = out.sort_values("decided_seq")
    ok = order[reason.loc[order.index] == ""]
    repeat = ok.duplicated(["request_id", "signer"], keep="first")
    flag(out.index.isin(repeat[repeat].index),
         out["signer"].astype(str) + " had already decided on this request")
    ok = order[reason.loc[order.index] == ""]
    taken = ok[ok["decision"].isin(_APPROVING)].duplicated(["request_id", "role"], keep="first")
    flag(out.index.isin(taken[taken].index), "the " + out["role"].astype(str)
         + " sign-off of this request was already given")
    ok = order[reason.loc[order.index] == ""]
    if not ok.empty:
        closing = ok[ok["decision"].isin(_CLOSING)].groupby("request_id")["decided_seq"].min()
        approvals = ok[ok["decision"].isin(_APPROVING)].copy()
        approvals["n_done"] = approvals.groupby("request_id").cumcount() + 1
        approvals["n_required"] = [len(r) if isinstance(r, list) else 0
                                   for r in approvals["required"]]
        complete = (approvals[approvals["n_done"] >= approvals["n_required"]]
                    .groupby("request_id")["decided_seq"].min())
        closed_at = pd.concat([closing, complete], axis=1).min(axis=1).rename("closed_at")
        probe = out[["request_id", "decided_seq"]].merge(
            closed_at, left_on="request_id", right_index=True, how="left")
        probe.index = out.index
        flag(probe["closed_at"].notna() & (probe["decided_seq"] > probe["closed_at"]),
             "it was recorded after the request was already decided")

    out["valid"] = (reason == "").to_numpy()
    out["invalid_reason"] = reason.astype(str).to_numpy()
    keep = [*dec.columns, "valid", "invalid_reason", "decided_seq"]
    return out[keep]
