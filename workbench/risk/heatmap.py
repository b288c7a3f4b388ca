"""The likelihood x consequence heatmap: cell counts and the plotly figure.

Counts are computed vectorized (one ``bincount`` over cell codes); the figure colours every
cell by the band its score falls in, writes the count in it and lists the cell's top risks
on hover. Everything a person typed (titles, system names, even scale labels) is escaped
before it reaches plotly, whose hover and tick text understand a subset of HTML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.render import plotly_text
from workbench.risk.model import RiskCriteria, default_criteria

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

    from workbench.store import Store

__all__ = [
    "WHICH",
    "cell_risks",
    "heatmap_figure",
    "heatmap_matrix",
    "matrix_text",
    "open_risks",
    "register_criteria",
]

WHICH = ("residual", "inherent")
_HOVER_TITLE = 70


def _check_which(which: str) -> str:
    if which not in WHICH:
        from workbench.errors import ValidationError

        raise ValidationError(f"which must be 'residual' or 'inherent', got {which!r}",
                              [("which", "residual or inherent")])
    return which


def register_criteria(register_df: pd.DataFrame) -> RiskCriteria:
    """The criteria a register was levelled with (the default when it does not say)."""
    data = register_df.attrs.get("criteria")
    if not data:
        return default_criteria()
    if isinstance(data, str):
        return RiskCriteria.model_validate_json(data)
    return RiskCriteria.model_validate(data)


def _cells(register_df: pd.DataFrame, criteria: RiskCriteria, which: str
           ) -> tuple[Any, Any]:
    """(mask of rows on the scales, cell code ``(likelihood-1) * n_consequence +
    (consequence-1)`` of those rows)."""
    lik = register_df[f"{which}_likelihood"].to_numpy(dtype="int64")
    con = register_df[f"{which}_consequence"].to_numpy(dtype="int64")
    n_l, n_c = len(criteria.likelihood), len(criteria.consequence)
    mask = (lik >= 1) & (lik <= n_l) & (con >= 1) & (con <= n_c)
    return mask, (lik[mask] - 1) * n_c + (con[mask] - 1)


def heatmap_matrix(register_df: pd.DataFrame, criteria: RiskCriteria | None = None,
                   which: str = "residual") -> pd.DataFrame:
    """Risks per likelihood x consequence cell, every cell included (zeros too).

    Parameters
    ----------
    register_df
        A register (or any frame with the ``<which>_likelihood`` and
        ``<which>_consequence`` columns); every row is counted.
    criteria
        The scales (default: those the register was built with).
    which
        ``"residual"`` or ``"inherent"``.

    Returns
    -------
    pandas.DataFrame
        Index ``likelihood`` 1..N (ascending), columns ``consequence`` 1..M, int counts.
        Rows whose levels are off the scales are not counted.
    """
    import numpy as np
    import pandas as pd

    which = _check_which(which)
    criteria = criteria or register_criteria(register_df)
    n_l, n_c = len(criteria.likelihood), len(criteria.consequence)
    _, codes = _cells(register_df, criteria, which)
    counts = np.bincount(codes, minlength=n_l * n_c).reshape(n_l, n_c)
    return pd.DataFrame(counts.astype("int64"),
                        index=pd.Index(range(1, n_l + 1), name="likelihood"),
                        columns=pd.Index(range(1, n_c + 1), name="consequence"))


def open_risks(register_df: pd.DataFrame) -> pd.DataFrame:
    """The register without closed risks (what a heatmap shows by default)."""
    out = register_df[register_df["status"] != "closed"]
    out.attrs = dict(register_df.attrs)
    return out


def cell_risks(register_df: pd.DataFrame, likelihood: int, consequence: int,
               which: str = "residual") -> pd.DataFrame:
    """The risks in one cell, most severe originally first (for residual cells, highest
    inherent score first; for inherent cells, highest residual first)."""
    which = _check_which(which)
    other = "inherent" if which == "residual" else "residual"
    mask = ((register_df[f"{which}_likelihood"] == int(likelihood))
            & (register_df[f"{which}_consequence"] == int(consequence)))
    out = register_df[mask].sort_values([f"{other}_score", "id"], ascending=[False, True],
                                         kind="stable")
    return out.reset_index(drop=True)


def _hover(register_df: pd.DataFrame, criteria: RiskCriteria, which: str, counts: Any,
           band_idx: Any, top: int) -> list[list[str]]:
    """Hover text per cell (rows: likelihood ascending), user text escaped."""
    other = "inherent" if which == "residual" else "residual"
    n_c = len(criteria.consequence)
    mask, codes = _cells(register_df, criteria, which)
    lines: dict[int, str] = {}
    if len(codes):
        import numpy as np

        # Within a cell, the highest score of the other kind first; a stable sort keeps the
        # register's order (by id) between equal scores.
        scores = register_df[f"{other}_score"].to_numpy()[mask]
        order = np.lexsort((-scores, codes))
        ranked_codes = codes[order]
        starts = np.searchsorted(ranked_codes, ranked_codes, side="left")
        keep = order[(np.arange(len(order)) - starts) < top]
        rows = np.flatnonzero(mask)[keep]
        best = register_df.iloc[rows][["id", "title", "system_name", "system_id"]].assign(
            _cell=codes[keep])
        titles = best["title"].astype("str").map(_short)
        systems = best["system_name"].fillna(best["system_id"]).astype("str")
        text = ("• " + titles.map(plotly_text) + " <i>(" + systems.map(plotly_text) + ", "
                + best["id"].astype("str").map(plotly_text) + ")</i>")
        lines = text.groupby(best["_cell"]).agg("<br>".join).to_dict()
    bands = criteria.bands
    out: list[list[str]] = []
    for li, lik in enumerate(criteria.likelihood):
        row = []
        for ci, con in enumerate(criteria.consequence):
            n = int(counts[li, ci])
            band = bands[int(band_idx[li, ci])]
            head = (f"<b>{plotly_text(lik.label)} × {plotly_text(con.label)}</b><br>"
                    f"likelihood {li + 1} × consequence {ci + 1} = score {(li + 1) * (ci + 1)}"
                    f" · {plotly_text(band.title)}<br>")
            if n == 0:
                row.append(head + "no risks")
                continue
            more = f"<br>… and {n - top} more" if n > top else ""
            row.append(head + f"{n} risk{'s' if n != 1 else ''}:<br>"
                       + lines.get(li * n_c + ci, "") + more)
        out.append(row)
    return out


def _short(text: str) -> str:
    return text if len(text) <= _HOVER_TITLE else text[:_HOVER_TITLE - 1] + "…"


def _prepare(store_or_register: Any, criteria: RiskCriteria | None, system_id: Any,
             business_unit: Any, include_closed: bool) -> tuple[pd.DataFrame, RiskCriteria]:
    from workbench.risk.criteria import criteria_in_force
    from workbench.risk.register import filter_register, register

    if hasattr(store_or_register, "frame"):
        crit = criteria or criteria_in_force(store_or_register)
        df = register(store_or_register, system_id=system_id, business_unit=business_unit,
                      criteria=crit)
    else:
        crit = criteria or register_criteria(store_or_register)
        df = filter_register(store_or_register, system_id=system_id,
                             business_unit=business_unit)
    if not include_closed:
        df = open_risks(df)
    return df, crit


def heatmap_figure(store_or_register: Store | pd.DataFrame, *, which: str = "residual",
                   criteria: RiskCriteria | None = None, system_id: Any = None,
                   business_unit: Any = None, include_closed: bool = False, top: int = 5,
                   title: str | None = None) -> go.Figure:
    """The risk heatmap as a plotly figure.

    Parameters
    ----------
    store_or_register
        A store (the register is built from it) or a register DataFrame.
    which
        ``"residual"`` (after treatment, the default) or ``"inherent"``.
    criteria
        Scales, bands and labels (default: the store's criteria in force, or those the
        register was built with).
    system_id, business_unit
        Show only these (a value or a list).
    include_closed
        Count closed risks too (by default the heatmap shows open risks).
    top
        How many risks each cell's hover lists.
    title
        Figure title (default: which heatmap and how many risks it shows).

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Heatmap`` trace: x = consequence level, y = likelihood level (tick labels from
        the criteria), colours by band, counts as text, hover listing the top risks.
    """
    import numpy as np
    import plotly.graph_objects as go

    which = _check_which(which)
    df, crit = _prepare(store_or_register, criteria, system_id, business_unit, include_closed)
    counts = heatmap_matrix(df, crit, which).to_numpy()
    n_l, n_c = counts.shape
    scores = np.arange(1, n_l + 1)[:, None] * np.arange(1, n_c + 1)[None, :]
    mins = np.array([b.min_score for b in crit.bands])
    band_idx = np.searchsorted(mins, scores, side="right") - 1
    k = len(crit.bands)
    scale: list[list[Any]] = []
    for i, band in enumerate(crit.bands):
        scale += [[i / k, band.colour], [(i + 1) / k, band.colour]]
    text = np.where(counts > 0, counts.astype(str), "")
    hover = _hover(df, crit, which, counts, band_idx, top)
    total = int(counts.sum())
    heading = title or (f"{which.capitalize()} risk: {total} open risk"
                        f"{'s' if total != 1 else ''}"
                        if not include_closed else f"{which.capitalize()} risk: {total} risks")
    trace = go.Heatmap(
        x=list(range(1, n_c + 1)), y=list(range(1, n_l + 1)), z=band_idx.tolist(),
        zmin=-0.5, zmax=k - 0.5, colorscale=scale, xgap=3, ygap=3,
        text=text.tolist(), texttemplate="%{text}", textfont={"size": 18, "color": "#ffffff"},
        customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        colorbar={"title": {"text": "Level"}, "tickvals": list(range(k)),
                  "ticktext": [plotly_text(b.title) for b in crit.bands]},
        name=which,
    )
    fig = go.Figure(trace)
    fig.update_layout(
        title={"text": plotly_text(heading)},
        xaxis={"title": {"text": "Consequence"}, "tickvals": list(range(1, n_c + 1)),
               "ticktext": [plotly_text(s.label) for s in crit.consequence],
               "showgrid": False,
               "zeroline": False},
        yaxis={"title": {"text": "Likelihood"}, "tickvals": list(range(1, n_l + 1)),
               "ticktext": [plotly_text(s.label) for s in crit.likelihood],
               "showgrid": False,
               "zeroline": False},
        height=520, width=720, plot_bgcolor="#ffffff",
        margin={"l": 110, "r": 40, "t": 60, "b": 60},
        meta={"which": which, "appetite": crit.appetite, "risks": total},
    )
    return fig


def matrix_text(matrix: pd.DataFrame, criteria: RiskCriteria) -> str:
    """A plain-text heatmap (highest likelihood on top): each cell shows its count and the
    band's short tag, with a legend; for terminals."""
    names = [b.name for b in criteria.bands]
    mins = [b.min_score for b in criteria.bands]
    size = next(k for k in range(1, max(len(n) for n in names) + 1)
                if len({n[:k] for n in names}) == len(names))
    tags = [n[:size].upper() for n in names]

    def tag(score: int) -> str:
        return tags[sum(1 for m in mins if m <= score) - 1]

    l_width = max(len(s.label) for s in criteria.likelihood) + 4
    c_width = max(9, *(len(s.label) + 2 for s in criteria.consequence))
    rows = [" " * l_width + "".join(s.label.center(c_width) for s in criteria.consequence)]
    for lik in reversed(criteria.likelihood):
        cells = []
        for con in criteria.consequence:
            n = int(matrix.loc[lik.level, con.level])
            cells.append(f"{n if n else '.':>3} {tag(lik.level * con.level):<{size}}"
                         .center(c_width))
        rows.append(f"{lik.level} {lik.label}".ljust(l_width) + "".join(cells))
    rows.append(" " * l_width + "consequence ->")
    legend = ", ".join(f"{t} {b.name} {b.min_score}-{b.max_score}"
                       for t, b in zip(tags, criteria.bands, strict=True))
    rows.append(f"bands (score = likelihood x consequence): {legend}; appetite: up to "
                f"{criteria.appetite}")
    return "\n".join(rows)
