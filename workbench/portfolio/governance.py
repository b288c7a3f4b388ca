"""What the governance panels compute: tiers, risks, actions, approvals, fairness, KPIs.

Every function takes the page's :class:`~workbench.portfolio.data.PortfolioData` and reads
its shared inputs (the risk register, the sign-off states, the EU AI Act portfolio, the
fairness flags, readiness), each computed once per page; results are pandas objects with
people's and systems' names beside (or instead of) their ids. Vectorized throughout.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.model.states import SignOffState
from workbench.portfolio.data import STAGE_ORDER, PortfolioData, fmt_date, label
from workbench.render import plotly_text

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = [
    "FAIRNESS_SOURCES",
    "KIND_LABELS",
    "METRIC_LABELS",
    "SIGNOFF_LABELS",
    "TIER_LABELS",
    "TIER_ORDER",
    "approvals",
    "awaiting_acceptance",
    "changed_since_approval",
    "fairness_latest",
    "fmt_percent",
    "governance_kpis",
    "kind_label",
    "monitored_fairness",
    "overdue_actions",
    "signoff_label",
    "tier_figure",
    "tier_stage_counts",
]

TIER_ORDER = ("prohibited", "high_risk", "transparency", "minimal", "undetermined")
TIER_LABELS = {"prohibited": "Prohibited", "high_risk": "High-risk",
               "transparency": "Transparency obligations", "minimal": "Minimal risk",
               "undetermined": "Not yet classified"}
#: What a sign-off is about, by record kind, as people say it.
KIND_LABELS = {"ai_system": "Go-live", "impact_assessment": "Impact assessment",
               "risk": "Residual risk", "soa": "Statement of Applicability",
               "ai_policy": "AI policy", "aims_scope": "AIMS scope"}


def kind_label(kind: Any) -> str:
    """What a sign-off is about, capitalised like the other labels: :data:`KIND_LABELS`,
    else the record kind's own label ("management review" -> "Management review")."""
    from workbench.model._base import model_for

    text = str(kind)
    if text in KIND_LABELS:
        return KIND_LABELS[text]
    try:
        name = str(model_for(text).label)
    except WorkbenchError:
        name = text.replace("_", " ")
    return name[:1].upper() + name[1:]


#: Sign-off states as people read them (from the one vocabulary, SignOffState).
SIGNOFF_LABELS = {s.value: s.label for s in SignOffState if s.label != s.value}
METRIC_LABELS = {
    "demographic_parity_difference": "Demographic parity difference",
    "demographic_parity_ratio": "Demographic parity ratio",
    "equalized_odds_difference": "Equalized odds difference",
    "equalized_odds_ratio": "Equalized odds ratio",
    "equal_opportunity_difference": "Equal opportunity difference",
    "equal_opportunity_ratio": "Equal opportunity ratio",
}


def signoff_label(state: Any) -> str:
    """A sign-off state as people read it (``none`` -> ``not requested``)."""
    return SignOffState.label_of(state)


# -- EU AI Act tiers ------------------------------------------------------------------------------
def tier_stage_counts(data: PortfolioData) -> pd.DataFrame:
    """AI systems per EU AI Act tier (rows, most severe first) and lifecycle stage (columns)."""
    tiers = data.eu_portfolio()[["system_id", "tier"]]
    stage = data.systems.set_index("id")["lifecycle_stage"]
    table = pd.crosstab(pd.Categorical(tiers["tier"], categories=TIER_ORDER),
                        pd.Categorical(tiers["system_id"].map(stage), categories=STAGE_ORDER),
                        dropna=False)
    table.index = [TIER_LABELS[t] for t in table.index]
    table.columns = [label(s) for s in table.columns]
    table.index.name, table.columns.name = "EU AI Act tier", "lifecycle stage"
    return table.astype("int64")


def tier_figure(data: PortfolioData) -> go.Figure:
    """Stacked bars: AI systems per lifecycle stage, coloured by EU AI Act tier."""
    import plotly.graph_objects as go

    from workbench.impact.views import TIER_COLOURS

    counts = tier_stage_counts(data)
    fig = go.Figure()
    for tier, name in zip(TIER_ORDER, counts.index, strict=True):
        row = counts.loc[name]
        if not row.any():
            continue
        fig.add_trace(go.Bar(name=plotly_text(name), x=[plotly_text(c) for c in counts.columns],
                             y=row.tolist(),
                             marker_color=TIER_COLOURS[tier] if tier != "undetermined"
                             else "#afb8c1",
                             hovertemplate="%{x}: %{y:,} systems<extra>" + plotly_text(name)
                             + "</extra>"))
    fig.update_layout(barmode="stack", height=340, margin={"l": 50, "r": 10, "t": 10, "b": 40},
                      legend={"title": {"text": "EU AI Act"}, "traceorder": "normal"},
                      yaxis={"title": {"text": "AI systems"}, "tickformat": ",d",
                             "rangemode": "tozero"},
                      plot_bgcolor="#fff", paper_bgcolor="#fff", font={"size": 13})
    fig.update_yaxes(gridcolor="#eaeef2")
    return fig


# -- risks and actions ----------------------------------------------------------------------------
def awaiting_acceptance(data: PortfolioData, *, system_id: str | None = None) -> pd.DataFrame:
    """Open risks above the appetite without a current approval, highest residual first.

    Columns of the register plus ``owner_name``, ``signoff_label`` and ``waiting_for`` (names).
    """
    reg = data.register()
    rows = reg[reg["awaiting_acceptance"].astype(bool)]
    if system_id is not None:
        data.require_system(system_id)
        rows = rows[rows["system_id"] == system_id]
    people = data.person_names()
    return rows.assign(owner_name=rows["owner"].map(people).fillna(rows["owner"]),
                       signoff_label=rows["signoff"].map(signoff_label),
                       waiting_for=data.names_in(rows["signoff_pending_with"])
                       ).reset_index(drop=True)


def overdue_actions(data: PortfolioData) -> pd.DataFrame:
    """Open treatment actions past their due date (``wb.risk.overdue_actions``), most overdue
    first, with ``owner_name``."""
    from workbench import risk

    out = risk.overdue_actions(data.register(), as_of=data.today)
    people = data.person_names()
    return out.assign(owner_name=out["owner"].map(people).fillna(out["owner"]))


# -- sign-off -------------------------------------------------------------------------------------
def approvals(data: PortfolioData) -> pd.DataFrame:
    """Every record with sign-off activity, named as people know it.

    The sign-off states (``wb.oversight.status_frame``) with ``what`` (the system's name for a
    go-live or an impact assessment, the risk's title, the document's name), ``about`` (the
    kind as people say it), ``system`` (the AI system's name, empty for organization-wide
    documents), ``state_label``, ``waiting_for`` and ``approvers`` (people's names).
    """
    frame = data.signoffs()
    systems = data.system_names()
    assessments = data.frame("impact_assessment")
    ia_system = (dict(zip(assessments["id"], assessments["system_id"]))
                 if len(assessments) else {})
    reg = data.register()
    risk_system = dict(zip(reg["id"], reg["system_id"]))
    kind = frame["kind"].astype("str")
    rid = frame["record_id"].astype("str")
    system_id = pd.Series(np.select(
        [kind == "ai_system", kind == "impact_assessment", kind == "risk"],
        [rid, rid.map(ia_system).fillna(""), rid.map(risk_system).fillna("")], ""),
        index=frame.index, dtype="str")
    system = system_id.map(systems).fillna("")
    named_doc = kind.map({"soa": KIND_LABELS["soa"], "aims_scope": KIND_LABELS["aims_scope"]})
    what = named_doc.fillna(frame["title"].astype("str"))
    what = what.where(~kind.isin(["ai_system", "impact_assessment"]), system.where(
        system != "", what))
    return frame.assign(
        what=what, about=kind.map(kind_label),
        system_id=system_id, system=system,
        state_label=frame["state"].map(signoff_label),
        waiting_for=data.names_in(frame["pending_with"]),
        approvers=data.names_in(frame["approved_by"]))


def changed_since_approval(data: PortfolioData, rows: pd.DataFrame) -> pd.Series:
    """What changed since the approval, for the given stale rows of :func:`approvals` only
    (reads the approved and the current version of each; callers pass the rows they show)."""
    from workbench.oversight import diff_content

    out = pd.Series("", index=rows.index, dtype="str")
    for index, kind, rid, version in zip(rows.index, rows["kind"], rows["record_id"],
                                         rows["approved_version"], strict=True):
        if pd.isna(version):
            continue
        before = data.store.get(kind, rid, int(version)).content
        after = data.store.get(kind, rid).content
        fields = dict.fromkeys(c.field.split(".")[0].split("[")[0]
                               for c in diff_content(before, after, kind=kind))
        out[index] = ", ".join(f.replace("_", " ") for f in fields)
    return out


# -- fairness -------------------------------------------------------------------------------------
#: Where a fairness measurement comes from, as people say it.
FAIRNESS_SOURCES = {"check": "Fairness check", "monitoring": "Monitoring run"}


def monitored_fairness(data: PortfolioData) -> pd.DataFrame:
    """The fairness measurements of each system's latest monitoring run (on or before
    :attr:`~PortfolioData.today`; none when that run measured no fairness), as rows shaped like
    ``wb.fairness.flags`` (``evidence_id`` is the run id, ``metric`` the measure, ``bound``
    the direction) with ``source`` ``"monitoring"``. Computed once per page."""
    def compute() -> pd.DataFrame:
        from workbench.fairness._evidence import FLAG_COLUMNS

        columns = [*FLAG_COLUMNS, "source"]
        # one narrow query for when each run was, then only each system's latest run is read
        # (a portfolio of a thousand systems with a year of weekly runs stays one page build)
        runs = data.store.fields("monitoring_run", ["system_id", "run_at"])
        if runs.empty:
            return pd.DataFrame(columns=columns)
        runs["run_at"] = pd.to_datetime(runs["run_at"], utc=True, format="ISO8601")
        runs = runs[runs["run_at"].dt.date <= data.today]
        last = runs.sort_values(["run_at", "id"]).drop_duplicates("system_id", keep="last")
        rows = []
        for stored in data.store.latest("monitoring_run", ids=last["id"].tolist()):
            run = stored.content
            at = pd.Timestamp(run.get("run_at"))
            for m in run.get("measurements") or []:
                if m.get("metric") != "fairness":
                    continue
                rows.append({
                    "system_id": run.get("system_id"), "evidence_id": stored.record_id,
                    "feature": m.get("feature", ""), "metric": m.get("measure", ""),
                    "value": float(m["value"]), "threshold": float(m["threshold"]),
                    "bound": m.get("direction", "max"), "breach": bool(m.get("breached")),
                    "reliable": True, "rationale": "", "collected_at": at,
                    "expired": False, "source": "monitoring"})
        if not rows:
            return pd.DataFrame(columns=columns)
        out = pd.DataFrame(rows)
        out["collected_at"] = pd.to_datetime(out["collected_at"], utc=True)
        return out[columns]

    return data._cached("fairness_monitored", compute)


def fairness_latest(data: PortfolioData, *, system_id: str | None = None) -> pd.DataFrame:
    """The latest measurement of each system's fairness metrics, breaches first.

    Each system's latest fairness check, where its latest monitoring run measured a metric
    since (the same sensitive feature and metric) the run's measurement instead, together with
    whatever else that run measured: an executive sees what was measured last, whether a
    check or monitoring measured it. Adds ``source`` (``check`` or ``monitoring``),
    ``source_label``, ``system`` (name), ``metric_label``, ``feature_label`` and
    ``evidence_title`` (a monitoring run's is "Monitoring run of <date>").
    """
    checks = data.fairness().assign(source="check")
    monitored = monitored_fairness(data)
    if system_id is not None:
        data.require_system(system_id)
        checks = checks[checks["system_id"] == system_id]
        monitored = monitored[monitored["system_id"] == system_id]
    latest = (checks[["system_id", "evidence_id", "collected_at"]].drop_duplicates()
              .sort_values(["collected_at", "evidence_id"])
              .drop_duplicates("system_id", keep="last"))
    checks = checks[checks["evidence_id"].isin(latest["evidence_id"])]
    # a monitoring run counts where it is later than the system's latest check
    checked_at = dict(zip(latest["system_id"], latest["collected_at"], strict=True))
    since = monitored["system_id"].map(checked_at)
    monitored = monitored[since.isna() | (monitored["collected_at"] > since)]
    remeasured = pd.MultiIndex.from_frame(monitored[["system_id", "feature", "metric"]]
                                          .astype("str"))
    keys = pd.MultiIndex.from_frame(checks[["system_id", "feature", "metric"]].astype("str"))
    checks = checks[~keys.isin(remeasured)]
    parts = [f for f in (checks, monitored) if not f.empty]
    out = (pd.concat(parts, ignore_index=True) if parts
           else checks.iloc[0:0].reset_index(drop=True))
    if out.empty:
        return out.assign(system=pd.Series(dtype="str"), metric_label=pd.Series(dtype="str"),
                          feature_label=pd.Series(dtype="str"),
                          evidence_title=pd.Series(dtype="str"),
                          source_label=pd.Series(dtype="str"))
    out["breach"] = out["breach"].astype(bool)
    out["reliable"] = out["reliable"].astype(bool)
    out["expired"] = out["expired"].astype(bool)
    titles = dict(zip(data.evidence["id"], data.evidence["title"]))
    run_titles = "Monitoring run of " + out["collected_at"].map(fmt_date)
    out = out.assign(
        system=out["system_id"].map(data.system_names()).fillna(out["system_id"]),
        metric_label=out["metric"].map(METRIC_LABELS).fillna(out["metric"].map(label)),
        feature_label=out["feature"].astype("str").str.replace("_", " "),
        evidence_title=out["evidence_id"].map(titles).where(
            out["source"] == "check", run_titles).fillna(""),
        source_label=out["source"].map(FAIRNESS_SOURCES))
    return out.sort_values(["breach", "system", "feature", "metric"],
                           ascending=[False, True, True, True]).reset_index(drop=True)


# -- KPIs -----------------------------------------------------------------------------------------
def governance_kpis(data: PortfolioData) -> dict[str, Any]:
    """Headline governance numbers, from the shared inputs.

    Returns
    -------
    dict
        ``high_risk``, ``prohibited``, ``unclassified`` (systems per EU AI Act tier);
        ``above_appetite`` (open risks above the appetite), ``awaiting_acceptance`` (those
        without a current approval); ``overdue_actions``; ``readiness`` (percent, NaN when
        nothing counts or it cannot be computed) and ``readiness_gaps`` (None when it
        cannot); ``approvals_pending`` (records whose sign-off
        awaits someone), ``stale_approvals`` (approvals the record changed since),
        ``rejected``; ``fairness_breaches`` (metrics outside a threshold in their latest
        measurement, by a fairness check or a monitoring run: :func:`fairness_latest`) and
        ``fairness_systems`` (systems with such a breach).
    """
    tiers = data.eu_portfolio()["tier"].value_counts()
    reg = data.register()
    open_ = reg["status"] != "closed"
    sign = data.signoffs()
    fair = fairness_latest(data)
    breaches = fair[fair["breach"].astype(bool)]
    try:
        result = data.readiness()
        readiness, gaps = float(result.overall), len(result.gaps)
    except WorkbenchError:  # the readiness panel shows why; the other cards still count
        readiness, gaps = float("nan"), None
    return {
        "high_risk": int(tiers.get("high_risk", 0)),
        "prohibited": int(tiers.get("prohibited", 0)),
        "unclassified": int(tiers.get("undetermined", 0)),
        "above_appetite": int((reg["above_appetite"].astype(bool) & open_).sum()),
        "awaiting_acceptance": int(reg["awaiting_acceptance"].astype(bool).sum()),
        "overdue_actions": int(reg.loc[open_, "overdue_actions"].sum()),
        "readiness": readiness,
        "readiness_gaps": gaps,
        "approvals_pending": int((sign["state"] == "pending").sum()),
        "stale_approvals": int(sign["stale"].astype(bool).sum()),
        "rejected": int(sign["state"].isin(["rejected", "changes_requested"]).sum()),
        "fairness_breaches": len(breaches),
        "fairness_systems": int(breaches["system_id"].nunique()),
    }


def fmt_percent(value: float) -> str:
    """A percentage for people (``63%``; ``n/a`` when there is none)."""
    return "n/a" if value is None or math.isnan(value) else f"{value:.0f}%"
