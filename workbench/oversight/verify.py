"""The integrity check ``workbench verify`` runs for sign-offs (registered by the oversight
feature in :mod:`workbench.features`).

The hash chain proves no stored version was altered; this check proves every sign-off still
names what it claims: the version it approved exists and has the content hash the signer saw,
the decision was recorded by the signer and never edited, and no approval was given by the
author of the version it approves. Every other reason a decision does not count
(:mod:`workbench.oversight.validity`: the signer did not hold the role then, the request was
withdrawn or closed...) is named too, so a sign-off written around the workflow shows here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.oversight.model import APPROVING
from workbench.store import Problem

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["check_signoffs"]

_APPROVING = tuple(d.value for d in APPROVING)


def check_signoffs(store: Store) -> list[Problem]:
    """Problems with sign-off records; an empty list when every sign-off is sound.

    Vectorized: one query per sign-off register and one audit-log query per target kind.
    """
    import pandas as pd

    kinds = store.kinds()
    problems: list[Problem] = []
    frames = []
    for kind in ("signoff", "signoff_request"):
        if kind in kinds:
            frames.append((kind, store.frame(kind)))
    if not frames:
        return problems
    named: set[str] = set()
    targets = sorted({k for _, df in frames for k in df["target_kind"].unique()})
    versions = []
    for kind in targets:
        log = store.log(kind=kind)
        versions.append(pd.DataFrame({
            "target_kind": kind, "target_id": log["record_id"],
            "target_version": log["version"].astype("int64"),
            "actual_hash": log["content_hash"], "version_author": log["author"]}))
    known = pd.concat(versions, ignore_index=True)
    for kind, df in frames:
        label = "sign-off" if kind == "signoff" else "sign-off request"
        merged = df.rename(columns={"_version": "saved_version", "_saved_by": "saved_by"}).merge(
            known, on=["target_kind", "target_id", "target_version"], how="left")
        missing = merged[merged["actual_hash"].isna()]
        for row in missing.itertuples():
            problems.append(Problem(
                f"{label} {row.id!r} names {row.target_kind} {row.target_id!r} version "
                f"{row.target_version}, which is not in the store", kind=kind,
                record_id=row.id, version=int(row.saved_version)))
        wrong = merged[merged["actual_hash"].notna()
                       & (merged["actual_hash"] != merged["target_hash"])]
        for row in wrong.itertuples():
            problems.append(Problem(
                f"{label} {row.id!r} binds {row.target_kind} {row.target_id!r} version "
                f"{row.target_version} to hash {row.target_hash[:12]}…, but that version's "
                f"content hash is {row.actual_hash[:12]}…: it does not sign what it names",
                kind=kind, record_id=row.id))
        if kind != "signoff":
            continue
        edited = merged[merged["saved_version"] > 1]
        for row in edited.itertuples():
            problems.append(Problem(
                f"sign-off {row.id!r} was changed after it was recorded (now version "
                f"{row.saved_version}); a decision is never edited", kind=kind,
                record_id=row.id))
        forged = merged[merged["signer"] != merged["saved_by"]]
        for row in forged.itertuples():
            problems.append(Problem(
                f"sign-off {row.id!r} names {row.signer} as signer but was saved by "
                f"{row.saved_by}", kind=kind, record_id=row.id))
        selfish = merged[merged["decision"].isin(_APPROVING)
                         & (merged["signer"] == merged["version_author"])]
        for row in selfish.itertuples():
            problems.append(Problem(
                f"sign-off {row.id!r}: {row.signer} approved {row.target_kind} "
                f"{row.target_id!r} version {row.target_version}, which they authored "
                "(segregation of duties)", kind=kind, record_id=row.id))
        named.update(str(p.record_id) for p in problems)
    problems += _invalid_decisions(store, frames, named)
    return problems


def _invalid_decisions(store: Store, frames: list, named: set[str]) -> list[Problem]:
    """Decisions the re-check refuses to count, for a reason not reported above."""
    import pandas as pd

    from workbench.oversight.validity import check_decisions, request_problems

    found = dict(frames)
    out: list[Problem] = []
    req = found.get("signoff_request", pd.DataFrame(columns=["id"]))
    if not req.empty:
        unsound = request_problems(store, req)
        out += [Problem(f"sign-off request {rid!r} is not sound: {why}",
                        kind="signoff_request", record_id=rid)
                for rid, why in zip(req["id"], unsound) if why and rid not in named]
    dec = found.get("signoff")
    if dec is None or dec.empty:
        return out
    checked = check_decisions(store, req, dec.reset_index(drop=True))
    out += [Problem(f"sign-off {row.id!r} by {row.signer} does not count: {row.invalid_reason}",
                    kind="signoff", record_id=row.id)
            for row in checked[~checked["valid"]].itertuples() if row.id not in named]
    return out
