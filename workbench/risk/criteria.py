"""The risk criteria in force: reading, replacing and showing them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from workbench.errors import ValidationError
from workbench.model import validate_record
from workbench.risk.model import CRITERIA_ID, RiskCriteria, default_criteria

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store, StoredVersion

__all__ = [
    "bands_frame",
    "criteria_in_force",
    "criteria_matrix",
    "criteria_version",
    "save_criteria",
    "scales_frame",
]


def criteria_version(store: Store) -> StoredVersion | None:
    """The stored version of the criteria in force, or None when the default applies."""
    return store.find(RiskCriteria, CRITERIA_ID)


def criteria_in_force(store: Store) -> RiskCriteria:
    """The organization's risk criteria: the latest saved version, else the default 5 x 5.

    Parameters
    ----------
    store
        The workbench store.

    Returns
    -------
    RiskCriteria
        Scales, bands, appetite and review interval used to level every risk.
    """
    found = criteria_version(store)
    return default_criteria() if found is None else found.record


def save_criteria(store: Store, criteria: RiskCriteria | Mapping[str, Any], *,
                  base_version: int | None = None, reason: str = "") -> StoredVersion:
    """Replace the risk criteria (a new, audited version; every risk is re-levelled by it).

    Parameters
    ----------
    store
        The workbench store.
    criteria
        The new criteria (a model or a dict with its fields; ``id`` defaults to
        ``"risk-criteria"``).
    base_version
        The version the change started from (``None`` the first time criteria are saved).
    reason
        Why the criteria changed (kept with the version).

    Raises
    ------
    ValidationError
        The criteria are invalid (e.g. bands with a gap or overlap), or a scale became
        shorter than levels that saved risks use; nothing is saved.
    ConflictError
        Someone changed the criteria since ``base_version``.
    """
    criteria = validate_record(RiskCriteria, criteria)
    problems = _risks_outside(store, criteria)
    if problems:
        summary = "; ".join(f"{f}: {m}" for f, m in problems)
        raise ValidationError(f"invalid risk criteria: {summary}", problems)
    return store.save(criteria, base_version=base_version, reason=reason)


def _risks_outside(store: Store, criteria: RiskCriteria) -> list[tuple[str, str]]:
    """Scales must keep every level that saved risks use (checked vectorized)."""
    from workbench.risk.model import level_fields

    frame = store.frame("risk", meta=False)
    if frame.empty:
        return []
    out = []
    for axis in ("likelihood", "consequence"):
        top = len(getattr(criteria, axis))
        cols = [f for f in level_fields() if f.endswith(axis)]
        high = frame[cols].max(axis=1)
        over = frame.loc[high > top, "id"]
        if len(over):
            ids = ", ".join(sorted(over.astype(str))[:5]) + (" ..." if len(over) > 5 else "")
            out.append((axis, f"the scale has {top} levels but {len(over)} risk(s) use "
                        f"{axis} up to {int(high.max())} ({ids}); re-assess them first"))
    return out


def criteria_matrix(criteria: RiskCriteria) -> pd.DataFrame:
    """The band of every likelihood x consequence cell, highest likelihood first.

    Returns
    -------
    pandas.DataFrame
        Index: likelihood labels (top row the highest), columns: consequence labels,
        values: band names.
    """
    import numpy as np
    import pandas as pd

    lik = np.arange(1, len(criteria.likelihood) + 1)[:, None]
    con = np.arange(1, len(criteria.consequence) + 1)[None, :]
    names = np.array([b.name for b in criteria.bands], dtype=object)
    mins = np.array([b.min_score for b in criteria.bands])
    idx = np.searchsorted(mins, lik * con, side="right") - 1
    frame = pd.DataFrame(names[idx], index=[s.label for s in criteria.likelihood],
                         columns=[s.label for s in criteria.consequence])
    frame.index.name, frame.columns.name = "likelihood", "consequence"
    return frame.iloc[::-1]


def bands_frame(criteria: RiskCriteria) -> pd.DataFrame:
    """The bands, lowest first: ``band, label, min_score, max_score, colour, within_appetite,
    description``."""
    import pandas as pd

    rank = criteria.band_rank(criteria.appetite)
    return pd.DataFrame(
        [{"band": b.name, "label": b.title, "min_score": b.min_score, "max_score": b.max_score,
          "colour": b.colour, "within_appetite": i <= rank, "description": b.description}
         for i, b in enumerate(criteria.bands)],
        columns=["band", "label", "min_score", "max_score", "colour", "within_appetite",
                 "description"])


def scales_frame(criteria: RiskCriteria) -> pd.DataFrame:
    """Both scales: ``axis, level, label, description``."""
    import pandas as pd

    rows = [{"axis": axis, "level": s.level, "label": s.label, "description": s.description}
            for axis in ("likelihood", "consequence") for s in getattr(criteria, axis)]
    return pd.DataFrame(rows, columns=["axis", "level", "label", "description"])
