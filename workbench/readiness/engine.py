"""Evaluate every readiness rule once against shared inputs; percentages, gaps and the figure.

Readiness is computed, never stored: :func:`assess` loads each register once
(:class:`~workbench.readiness.facts.Facts`), runs the rule of each requirement, applies the
approved Statement of Applicability to the Annex A controls, and returns a :class:`Readiness`
of pandas objects. Percentages count met as 1, partial as 0.5 and missing as 0; requirements
that are not applicable are left out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError, ValidationError, WorkbenchError
from workbench.readiness.rules import SCORES, Outcome, Rule, all_rules, few, get_rule

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

    from workbench.readiness.facts import Facts
    from workbench.registers import RecordProblem
    from workbench.store import Store, VerifyReport

__all__ = [
    "GAP_COLUMNS",
    "GROUP_COLUMNS",
    "REQUIREMENT_COLUMNS",
    "Readiness",
    "apply_soa",
    "assess",
    "evaluate",
    "readiness_figure",
]

REQUIREMENT_COLUMNS = [
    "id", "kind", "group", "group_title", "title", "status", "reason", "missing", "evidence",
    "expired", "refused", "score", "rule", "soa_applicable", "soa_implementation",
]
GROUP_COLUMNS = ["group", "kind", "title", "met", "partial", "missing", "not_applicable",
                 "counted", "score", "percent"]
GAP_COLUMNS = ["requirement", "kind", "group", "title", "status", "item", "reason"]


@dataclass
class Readiness:
    """The result of :func:`assess`.

    Attributes
    ----------
    requirements
        One row per requirement (clause 4-10 sub-clauses, then Annex A controls): ``id``,
        ``kind`` (clause or control), ``group`` (``"6"``, ``"A.6"``), ``group_title``,
        ``title``, ``status`` (met, partial, missing, not_applicable), ``reason``,
        ``missing`` (list of items to do), ``evidence`` (records that count), ``expired``
        (expired evidence, shown as expired), ``refused`` (evidence linked to the
        requirement whose kind it does not accept, one sentence each), ``score`` (1, 0.5, 0
        or NaN), ``rule`` (the rule's name), ``soa_applicable`` and ``soa_implementation``
        (controls).
    by_clause
        One row per clause 4-10 and Annex A objective: counts per status, ``score`` (0-1)
        and ``percent`` (0-100, NaN when nothing counts).
    overall
        Percentage (0-100) over every counted requirement.
    gaps
        The to-do list: one row per missing item of a partial or missing requirement.
    verified
        The hash-chain verification this result saw (7.5.3), None when none was made.
    """

    requirements: pd.DataFrame
    by_clause: pd.DataFrame
    overall: float
    gaps: pd.DataFrame
    today: dt.date
    soa_state: str = "none"
    totals: dict[str, float] = field(default_factory=dict)
    #: Records left out because they fail their checks (see :mod:`workbench.registers`).
    problems: tuple[RecordProblem, ...] = ()
    verified: VerifyReport | None = None

    def requirement(self, requirement_id: str) -> dict[str, Any]:
        """One requirement's row as a dict (NotFoundError when it was not assessed)."""
        rows = self.requirements[self.requirements["id"] == requirement_id]
        if rows.empty:
            get_rule(requirement_id)  # unknown id: raises with suggestions
            raise NotFoundError(f"requirement {requirement_id} was not part of this assessment")
        return rows.iloc[0].to_dict()

    def clause(self, group: str) -> pd.DataFrame:
        """The requirements of one clause (``"6"``) or Annex A objective (``"A.6"``)."""
        group = str(group)
        if group not in set(self.by_clause["group"]):
            raise NotFoundError(f"no clause or Annex A objective {group!r} in this "
                                f"assessment; use one of {', '.join(self.by_clause['group'])}")
        return self.requirements[self.requirements["group"] == group].reset_index(drop=True)

    def counts(self) -> dict[str, int]:
        """Requirements per status."""
        counts = self.requirements["status"].value_counts()
        return {s: int(counts.get(s, 0)) for s in ("met", "partial", "missing",
                                                   "not_applicable")}

    def summary(self) -> str:
        """One line: the overall percentage and the counts."""
        c = self.counts()
        return (f"readiness {self.overall:.0f}% on {self.today}: {c['met']} met, "
                f"{c['partial']} partial, {c['missing']} missing, {c['not_applicable']} not "
                f"applicable; {len(self.gaps)} items to do")

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        req = self.requirements.copy()
        req["score"] = req["score"].astype(object).where(req["score"].notna(), None)
        by = self.by_clause.copy()
        for col in ("score", "percent"):
            by[col] = by[col].astype(object).where(by[col].notna(), None)
        return {"today": self.today.isoformat(), "overall": round(self.overall, 1),
                "problems": [str(p) for p in self.problems],
                "totals": {k: round(v, 1) for k, v in self.totals.items()},
                "counts": self.counts(), "soa_state": self.soa_state,
                "by_clause": by.to_dict(orient="records"),
                "requirements": req.to_dict(orient="records"),
                "gaps": self.gaps.to_dict(orient="records")}

    def _repr_html_(self) -> str:
        from workbench.readiness.views import readiness_html

        return readiness_html(self)


# -- evaluation -----------------------------------------------------------------------------------
def evaluate(rule: Rule, facts: Facts) -> Outcome:
    """Run one rule; an unexpected failure names the rule."""
    try:
        outcome = rule.evaluate(facts)
    except WorkbenchError:
        raise
    except Exception as exc:
        raise WorkbenchError(f"readiness rule {rule.id} ({rule.name}) failed: "
                             f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(outcome, Outcome):
        raise WorkbenchError(f"readiness rule {rule.id} ({rule.name}) returned "
                             f"{type(outcome).__name__}, not an Outcome")
    return outcome


def with_record_problems(outcome: Outcome, rule: Rule, facts: Facts) -> Outcome:
    """The outcome, naming each record of the kinds the rule reads that was left out because
    it fails its checks.

    Every register the rule declares is read first, so the result does not depend on which
    rules ran before. A rule that would be met (or not applicable) on what was left is only
    partial: one of its records could not be judged. Each problem becomes an item to do.
    """
    for kind in rule.reads:
        facts.read(kind)
    problems = facts.problems(rule.reads)
    if not problems:
        return outcome
    status = "partial" if outcome.status in ("met", "not_applicable") else outcome.status
    items = tuple(f"fix {p.label}: {p.field}: {p.message}" for p in problems)
    n = len(problems)
    reason = (f"{outcome.reason} ({n} record{'' if n == 1 else 's'} left out because "
              f"{'it fails its' if n == 1 else 'they fail their'} checks)")
    return Outcome(status, reason, outcome.missing + items, outcome.evidence, outcome.expired)


def apply_soa(control_id: str, outcome: Outcome, facts: Facts) -> tuple[Outcome, str, str]:
    """Apply the Statement of Applicability to a control's outcome.

    A control the *approved* SoA excludes is not applicable (its justification is the
    reason). An exclusion in an SoA that is not approved (or whose approval is stale) does
    not count; the reason says so. Returns the outcome and the SoA's applicability and
    implementation status for the row.
    """
    soa = facts.soa()
    if soa.current is None:
        return outcome, "", ""
    entry = soa.current.entry(control_id)
    applicable = {True: "yes", False: "no", None: "to decide"}[entry.applicable]
    implementation = entry.implementation.value if entry.implementation else ""
    if entry.applicable is False:
        if soa.approved:
            return (Outcome("not_applicable", f"excluded in the approved Statement of "
                            f"Applicability: {entry.justification}"), applicable, implementation)
        note = (f"{outcome.reason} (excluded in the Statement of Applicability, which is "
                f"{soa.state.replace('_', ' ')}: the exclusion does not count until approved)")
        outcome = Outcome(outcome.status, note, outcome.missing, outcome.evidence,
                          outcome.expired)
    elif entry.applicable and implementation == "implemented" and outcome.status == "missing":
        outcome = Outcome(outcome.status, f"{outcome.reason} (the SoA says implemented, but no "
                          "record shows it)", outcome.missing, outcome.evidence, outcome.expired)
    return outcome, applicable, implementation


def _selected(only: Iterable[str] | None) -> list[Rule]:
    every = all_rules()
    if only is None:
        return list(every.values())
    chosen: list[Rule] = []
    for wanted in only:
        wanted = str(wanted)
        hits = [r for r in every.values() if r.id == wanted or r.id.startswith(wanted + ".")]
        if not hits:
            get_rule(wanted)  # raises NotFoundError with suggestions
        chosen += [r for r in hits if r not in chosen]
    return chosen


def _titles() -> tuple[dict[str, str], dict[str, str]]:
    from workbench import catalog

    clauses = catalog.clauses()
    controls = catalog.controls()
    item = dict(zip(clauses["id"], clauses["title"], strict=True))
    item.update(dict(zip(controls["id"], controls["title"], strict=True)))
    group = {c: t for c, t in zip(clauses["id"], clauses["title"], strict=True) if "." not in c}
    group.update(dict(zip(controls["objective_id"], controls["objective_title"], strict=True)))
    return item, group


def _group_of(requirement_id: str) -> str:
    if requirement_id.startswith("A."):
        return ".".join(requirement_id.split(".")[:2])
    return requirement_id.split(".")[0]


def assess(store: Store, *, today: dt.date | str | None = None,
           only: Iterable[str] | str | None = None, verify: bool = True,
           facts: Facts | None = None) -> Readiness:
    """ISO/IEC 42001 readiness computed from the records.

    Parameters
    ----------
    store
        The workbench store.
    today
        The day expiry, review dates and "the last 12 months" are judged on (default today;
        a ``YYYY-MM-DD`` text is accepted, e.g. a notebook parameter).
    only
        Requirement ids or groups to evaluate (``["6"]``, ``["6.1.4", "A.6.2.4"]``, or one
        as text, ``"A.6"``); default (or empty) every requirement.
    verify
        Recompute the store's hash chain for 7.5.3 (reads the whole store once).
    facts
        Shared inputs to reuse (default: loaded from ``store``).

    Returns
    -------
    Readiness
        ``requirements``, ``by_clause``, ``overall`` (percent), ``gaps``.

    Raises
    ------
    NotFoundError
        ``only`` names no requirement.
    ValidationError
        ``today`` is text that is not a date.
    WorkbenchError
        A rule failed; the message names it.
    """
    import numpy as np
    import pandas as pd

    from workbench.readiness.facts import Facts

    if isinstance(today, str):
        try:
            today = dt.date.fromisoformat(today.strip())
        except ValueError:
            raise ValidationError(f"today: {today!r} is not a date; use YYYY-MM-DD") from None
    if isinstance(only, str):
        only = [only] if only.strip() else None
    facts = facts or Facts(store, today, verify=verify)
    item_titles, group_titles = _titles()
    rows = []
    for rule in _selected(only):
        outcome = with_record_problems(evaluate(rule, facts), rule, facts)
        applicable = implementation = ""
        if rule.kind == "control":
            outcome, applicable, implementation = apply_soa(rule.id, outcome, facts)
        group = _group_of(rule.id)
        refused = facts.refused(rule.id) if "evidence" in rule.reads else []
        reason = outcome.reason
        if refused:
            shown = few([r.partition(" is not accepted")[0] for r in refused])
            reason += f" (not accepted for {rule.id}: {shown})"
        rows.append({
            "id": rule.id, "kind": rule.kind, "group": group,
            "group_title": group_titles.get(group, ""), "title": item_titles.get(rule.id, ""),
            "status": outcome.status, "reason": reason,
            "missing": list(outcome.missing), "evidence": list(outcome.evidence),
            "expired": list(outcome.expired), "refused": refused,
            "score": SCORES.get(outcome.status, np.nan), "rule": rule.name,
            "soa_applicable": applicable, "soa_implementation": implementation,
        })
    req = pd.DataFrame(rows, columns=REQUIREMENT_COLUMNS)
    req["score"] = req["score"].astype("float64")
    by = _by_group(req, group_titles)
    counted = req["score"].notna()
    overall = float(req.loc[counted, "score"].mean() * 100) if counted.any() else float("nan")
    totals = {}
    for kind, label in (("clause", "clauses 4-10"), ("control", "Annex A")):
        part = req[(req["kind"] == kind) & counted]
        if not part.empty:
            totals[label] = float(part["score"].mean() * 100)
    soa_state = facts.soa().state
    return Readiness(requirements=req, by_clause=by, overall=overall, gaps=_gaps(req),
                     today=facts.today, soa_state=soa_state, totals=totals,
                     problems=tuple(facts.problems()), verified=facts.verified())


def _by_group(req: pd.DataFrame, titles: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

    if req.empty:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    counts = pd.crosstab(req["group"], req["status"]).reindex(
        columns=["met", "partial", "missing", "not_applicable"], fill_value=0)
    order = list(dict.fromkeys(req["group"]))
    counts = counts.reindex(order)
    score = req.groupby("group", sort=False)["score"].mean()
    counts.columns.name = None
    out = counts.reset_index()
    out["kind"] = ["annex_a" if g.startswith("A.") else "clause" for g in out["group"]]
    out["title"] = [titles.get(g, "") for g in out["group"]]
    out["counted"] = out["met"] + out["partial"] + out["missing"]
    out["score"] = out["group"].map(score).astype("float64")
    out["percent"] = (out["score"] * 100).round(1)
    for col in ("met", "partial", "missing", "not_applicable", "counted"):
        out[col] = out[col].astype("int64")
    return out[GROUP_COLUMNS]


def _gaps(req: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    open_ = req[req["status"].isin(["missing", "partial"])]
    if open_.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    items = open_.assign(item=[m if m else [r] for m, r in
                               zip(open_["missing"], open_["reason"], strict=True)])
    items = items.explode("item").rename(columns={"id": "requirement"})
    return items[GAP_COLUMNS].reset_index(drop=True)


# -- the figure -----------------------------------------------------------------------------------
def _band(percent: float) -> str:
    if math.isnan(percent):
        return "not applicable"
    return "met" if percent >= 80 else "partial" if percent >= 50 else "missing"


def readiness_figure(result: Readiness, *, title: str | None = None) -> go.Figure:
    """A horizontal bar per clause 4-10 and Annex A objective: its readiness percentage.

    Bars are coloured by band (at least 80% green, at least 50% amber, else red); hovering
    shows the counts per status. Returns a plotly ``go.Figure``.
    """
    import plotly.graph_objects as go

    from workbench.render import STATUS_COLOURS, plotly_text

    by = result.by_clause
    labels = [plotly_text(f"{'Clause ' if k == 'clause' else ''}{g} {t}") for g, k, t in
              zip(by["group"], by["kind"], by["title"], strict=True)]
    percent = [0.0 if math.isnan(p) else float(p) for p in by["percent"]]
    colours = [STATUS_COLOURS.get(_band(p), "#57606a") for p in by["percent"]]
    hover = [f"{lab}<br>{m} met, {pa} partial, {mi} missing, {na} not applicable"
             for lab, m, pa, mi, na in zip(labels, by["met"], by["partial"], by["missing"],
                                           by["not_applicable"], strict=True)]
    text = ["n/a" if math.isnan(p) else f"{p:.0f}%" for p in by["percent"]]
    fig = go.Figure(go.Bar(x=percent, y=labels, orientation="h", marker_color=colours,
                           text=text, textposition="outside", hovertext=hover,
                           hoverinfo="text", customdata=list(by["group"])))
    overall = "n/a" if math.isnan(result.overall) else f"{result.overall:.0f}%"
    fig.update_layout(
        title=plotly_text(title) if title else (f"ISO/IEC 42001 readiness: {overall} overall "
                                                f"(as of {result.today})"),
        xaxis={"range": [0, 110], "title": "readiness (%)", "ticksuffix": "%"},
        yaxis={"autorange": "reversed", "automargin": True},
        height=max(320, 26 * len(labels) + 120), margin={"l": 10, "r": 30, "t": 60, "b": 40},
        plot_bgcolor="#ffffff", showlegend=False,
        meta={"overall": None if math.isnan(result.overall) else result.overall})
    return fig
