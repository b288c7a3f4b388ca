"""Views of a register: actions, reviews due, acceptance, treatments by Annex A control.

Each takes a register DataFrame (from :func:`workbench.risk.register`) and returns a
DataFrame, computed vectorized.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from workbench.risk.register import action_rows

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store

__all__ = [
    "actions",
    "awaiting_acceptance",
    "level_counts",
    "overdue_actions",
    "reviews_due",
    "summary_columns",
    "treatments_by_control",
]

#: The register columns worth showing to a person, in order.
SUMMARY_COLUMNS = ["id", "system_name", "title", "owner", "status", "inherent_level",
                   "residual_level", "above_appetite", "accepted", "signoff", "treatment",
                   "controls",
                   "open_actions", "overdue_actions", "next_review"]


def summary_columns(register_df: pd.DataFrame) -> pd.DataFrame:
    """The register with the columns a reader needs, for display."""
    return register_df[SUMMARY_COLUMNS]


def _as_of(register_df: pd.DataFrame, as_of: dt.date | None) -> pd.Timestamp:
    import pandas as pd

    if as_of is not None:
        return pd.Timestamp(as_of)
    return pd.Timestamp(register_df.attrs.get("as_of") or dt.date.today())


def actions(register_df: pd.DataFrame, *, open_only: bool = True,
            as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per treatment action: ``risk_id, system_id, system_name, risk_title,
    description, owner, due, done_on, overdue, days_overdue``, soonest due first.

    Actions of closed risks are left out. ``as_of`` defaults to the register's date.
    """
    import pandas as pd

    today = _as_of(register_df, as_of)
    live = register_df[register_df["status"] != "closed"]
    acts = action_rows(live["actions"])
    head = live.loc[acts.index, ["id", "system_id", "system_name", "title"]].rename(
        columns={"id": "risk_id", "title": "risk_title"})
    out = pd.concat([head, acts], axis=1)
    out["overdue"] = out["done_on"].isna() & (out["due"] < today)
    out["days_overdue"] = ((today - out["due"]).dt.days.where(out["overdue"], 0)
                           .astype("int64"))
    if open_only:
        out = out[out["done_on"].isna()]
    return out.sort_values(["due", "risk_id"], kind="stable").reset_index(drop=True)


def overdue_actions(register_df: pd.DataFrame, *, as_of: dt.date | None = None
                    ) -> pd.DataFrame:
    """Open actions past their due date, most overdue first."""
    out = actions(register_df, as_of=as_of)
    out = out[out["overdue"]]
    return out.sort_values(["days_overdue", "risk_id"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


def reviews_due(register_df: pd.DataFrame) -> pd.DataFrame:
    """Risks whose next review date has come (or was never set), oldest first."""
    out = register_df[register_df["review_due"]]
    cols = ["id", "system_name", "title", "owner", "residual_level", "next_review", "status"]
    return out.sort_values(["next_review", "id"], kind="stable", na_position="first")[
        cols].reset_index(drop=True)


def awaiting_acceptance(register_df: pd.DataFrame, *, store: Store | None = None
                        ) -> pd.DataFrame:
    """Open risks above the appetite without a current sign-off (approval) of their owner.

    A risk whose approval went stale (edited since) waits again, as does one whose owner
    recorded an acceptance statement that nobody approved.

    Parameters
    ----------
    register_df
        A register (:func:`workbench.risk.register`).
    store
        With the store, a ``changed_since_approval`` column says what changed since a stale
        approval (reads the two versions of the stale risks only).

    Returns
    -------
    pandas.DataFrame
        ``id, system_name, title, owner, status, residual_score, residual_level, treatment,
        open_actions, accepted, signoff, signoff_pending_with, signoff_by, signoff_at``
        (and ``changed_since_approval`` with ``store``).
    """
    from workbench.risk.signoff import signoff_changes

    out = register_df[register_df["awaiting_acceptance"]]
    cols = ["id", "system_name", "title", "owner", "status", "residual_score",
            "residual_level", "treatment", "open_actions", "accepted", "signoff",
            "signoff_pending_with", "signoff_by", "signoff_at"]
    if store is not None:
        out = out.assign(changed_since_approval=signoff_changes(store, out))
        cols.append("changed_since_approval")
    return out[cols].reset_index(drop=True)


def treatments_by_control(register_df: pd.DataFrame) -> pd.DataFrame:
    """How the Annex A controls treat risks: one row per control applied to at least one risk.

    Returns
    -------
    pandas.DataFrame
        ``control_id, control_title, risks, systems, above_appetite, risk_ids``, in the
        catalog's control order.
    """
    import pandas as pd

    from workbench import catalog

    cols = ["control_id", "control_title", "risks", "systems", "above_appetite", "risk_ids"]
    live = register_df[register_df["status"] != "closed"]
    exploded = live[["id", "system_id", "above_appetite", "controls"]].explode("controls")
    exploded = exploded.dropna(subset=["controls"])
    if exploded.empty:
        return pd.DataFrame(columns=cols)
    grouped = exploded.groupby("controls", sort=False).agg(
        risks=("id", "nunique"), systems=("system_id", "nunique"),
        above_appetite=("above_appetite", "sum"), risk_ids=("id", lambda s: sorted(s)))
    titles = catalog.controls()[["id", "title"]].rename(
        columns={"id": "control_id", "title": "control_title"})
    out = titles.merge(grouped, left_on="control_id", right_index=True, how="inner")
    out["above_appetite"] = out["above_appetite"].astype("int64")
    return out[cols].reset_index(drop=True)


def level_counts(register_df: pd.DataFrame, which: str = "residual") -> pd.DataFrame:
    """Risks per level (every band, including empty ones) and per status."""
    import pandas as pd

    col = f"{which}_level"
    table = pd.crosstab(register_df[col], register_df["status"], dropna=False)
    return table.reindex(register_df[col].cat.categories, fill_value=0)
