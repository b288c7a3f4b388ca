"""The sign-off of residual risks above the appetite, as register columns and views.

A residual risk above the appetite needs its risk owner's approval (the sign-off policy's
``risk-above-appetite`` rule, :mod:`workbench.oversight`). The register shows that approval's
state beside every risk; the ``acceptance`` part of a risk stays the owner's own statement
(who accepted and why), while the sign-off is the approval bound to the risk's content: an
edit after the approval makes it ``stale``.

The states come from the same computation as :func:`workbench.oversight.status_frame` (its
request states and target states), fed with the risks the register has already loaded, so the
register reads the risks once; when no risk has sign-off activity nothing more is computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.model.states import SignOffState

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store

__all__ = [
    "NOT_REQUIRED",
    "SIGNOFF_COLUMNS",
    "SIGNOFF_STATES",
    "add_signoff_columns",
    "risk_signoff_frame",
    "signoff_changes",
    "signoff_html",
    "signoff_label",
]

#: The state of risks whose residual level is within the appetite: no sign-off is needed.
NOT_REQUIRED = SignOffState.not_required.value
#: Every value of the register's ``signoff`` column: the oversight states, then not_required.
SIGNOFF_STATES = tuple(s.value for s in SignOffState)
#: Columns the sign-off adds to the register.
SIGNOFF_COLUMNS = ("signoff", "signoff_by", "signoff_at", "signoff_version",
                   "signoff_pending_with")


def signoff_label(state: str) -> str:
    """A state as people read it (``none`` is "not requested", ``not_required`` "not
    required")."""
    return SignOffState.label_of(state)


def signoff_html(state: str, *, by: str = "", at: Any = None, changed: str = "") -> str:
    """A sign-off state as safe HTML: a coloured badge, who approved and when, and for a stale
    approval what changed since (every value escaped)."""
    import pandas as pd

    from workbench.render import STATUS_COLOURS, badge, esc

    if state == NOT_REQUIRED:
        return '<span style="color:#57606a">not required</span>'
    html = badge(signoff_label(state), STATUS_COLOURS.get(state))
    day = "" if at is None or pd.isna(at) else f" on {at:%Y-%m-%d}"
    if state == "approved" and by:
        html += f" {esc(by)}{esc(day)}"
    elif state == "stale":
        who = f"approved by {by}{day}; " if by else ""
        html += f' <span style="color:#bc4c00">{esc(who)}changed: {esc(changed or "?")}</span>'
    return html


def risk_signoff_frame(store: Store, risks: pd.DataFrame | None = None) -> pd.DataFrame:
    """The sign-off state of every risk with sign-off activity (the status frame of risks).

    Parameters
    ----------
    store
        The store.
    risks
        The risks already read (``store.frame("risk")`` with its meta columns); read from the
        store when not given, and only when some risk has sign-off activity.

    Returns
    -------
    pandas.DataFrame
        The rows :func:`workbench.oversight.status_frame` gives for ``kind="risk"``, with the
        same columns and values. Empty (no query of the risks) when no sign-off of a risk was
        ever requested.
    """
    import pandas as pd

    from workbench.oversight.status import (
        STATUS_FRAME_COLUMNS,
        _target_states,
        request_states,
        signoff_frames,
    )

    req, dec = signoff_frames(store, "risk")
    if req.empty:
        return pd.DataFrame(columns=STATUS_FRAME_COLUMNS)
    if risks is None:
        risks = store.frame("risk")
    wanted = risks[risks["id"].isin(req["target_id"].unique())]
    title = wanted["title"].where(wanted["title"].notna() & (wanted["title"] != ""),
                                  wanted["id"])
    targets = pd.DataFrame({"target_kind": "risk", "target_id": wanted["id"],
                            "current_version": wanted["_version"],
                            "current_hash": wanted["_hash"], "title": title})
    return _target_states(request_states(req, dec), targets.reset_index(drop=True))


def add_signoff_columns(df: pd.DataFrame, signoffs: pd.DataFrame | None) -> pd.DataFrame:
    """Add the sign-off columns to a register frame (``id`` and ``above_appetite`` needed).

    ``signoff`` is the sign-off state of risks above the appetite (``none`` when nobody
    requested it) and ``not_required`` for risks within it; ``signoff_by``, ``signoff_at`` and
    ``signoff_version`` say who approved which version when (for ``approved``, and for
    ``stale``: the approval the edit outdated); ``signoff_pending_with`` who a pending sign-off
    awaits. Joined by position on the risk id, never per risk.
    """
    import numpy as np
    import pandas as pd

    n = len(df)
    state = np.full(n, "none", dtype=object)
    by = np.full(n, "", dtype=object)
    pending = np.full(n, "", dtype=object)
    at = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    version = pd.Series(pd.NA, index=df.index, dtype="Int64")
    if signoffs is not None and len(signoffs):
        where = pd.Index(signoffs["record_id"]).get_indexer(df["id"])
        found = where >= 0
        rows = where[found]
        state[found] = signoffs["state"].to_numpy(dtype=object)[rows]
        by[found] = signoffs["approved_by"].to_numpy(dtype=object)[rows]
        pending[found] = signoffs["pending_with"].to_numpy(dtype=object)[rows]
        # by position, whatever unit the times came in (an all-empty column has no unit of
        # its own, which a masked assignment into nanoseconds refuses)
        positions = np.full(n, -1)
        positions[found] = rows
        approved_at = pd.DatetimeIndex(pd.to_datetime(signoffs["approved_at"], utc=True))
        at = pd.Series(approved_at.as_unit("ns").take(positions, allow_fill=True,
                                                      fill_value=pd.NaT), index=df.index)
        version[found] = signoffs["approved_version"].astype("Int64").to_numpy()[rows]
    above = df["above_appetite"].to_numpy(dtype=bool)
    state = np.where(above, state, NOT_REQUIRED)
    approval = np.isin(state, ["approved", "stale"])
    df["signoff"] = pd.array(state, dtype="str")
    df["signoff_by"] = pd.array(np.where(approval, by, ""), dtype="str")
    df["signoff_at"] = at.where(approval)
    df["signoff_version"] = version.where(approval)
    df["signoff_pending_with"] = pd.array(np.where(above, pending, ""), dtype="str")
    return df


def signoff_changes(store: Store, register_df: pd.DataFrame) -> pd.Series:
    """What changed since the approval, for the register's risks whose sign-off is stale.

    Returns
    -------
    pandas.Series
        Indexed like ``register_df``: the changed top-level fields (``"residual_likelihood,
        status"``) of stale rows, ``""`` elsewhere. Reads the approved and the current version
        of the stale risks only.
    """
    import pandas as pd

    from workbench.oversight import diff_content

    out = pd.Series("", index=register_df.index, dtype="str")
    stale = register_df[register_df["signoff"] == "stale"]
    for label, rid, approved in zip(stale.index, stale["id"], stale["signoff_version"],
                                    strict=True):
        before = store.get("risk", rid, int(approved)).content
        after = store.get("risk", rid).content
        fields = dict.fromkeys(c.field.split(".")[0].split("[")[0]
                               for c in diff_content(before, after, kind="risk"))
        out[label] = ", ".join(fields)
    return out

