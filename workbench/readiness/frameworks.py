"""Readiness seen through other frameworks, via the catalog's crosswalks.

- :func:`nist_coverage`: each NIST AI RMF subcategory scored from the ISO/IEC 42001
  requirements the published crosswalk links it to (a clause reference covers its
  sub-clauses; an Annex B item ``B.x.y`` is control ``A.x.y``); :func:`nist_by_function`
  sums it up per function.
- :func:`eu_obligations`: for each high-risk AI system, its EU AI Act obligations (from its
  classification) with the records that evidence each: evidence for the Annex A controls this
  project maps to the article (or the system's own record standing for a control, such as its
  monitoring plan for A.6.2.6), and the article's own records (risks, impact assessment,
  go-live approval, AI policy). A.5.4, A.5.5, A.6.2.6 and A.8.4 are judged on the system's
  own records as readiness judges them: its newest counted impact assessment names the people
  affected and considers society, its monitoring plan is not overdue, and each serious
  incident was reported by its Art. 73 deadline. An impact assessment past its review date
  does not count for an article. A control the approved Statement of Applicability excludes
  is not a gap: it is listed in ``excluded`` with the SoA's justification.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.readiness.engine import Readiness
    from workbench.readiness.facts import Facts
    from workbench.store import Store

__all__ = [
    "ARTICLE_RECORDS",
    "CONTROL_RECORDS",
    "EU_COLUMNS",
    "application_date_id",
    "NIST_COLUMNS",
    "eu_obligations",
    "eu_summary",
    "nist_by_function",
    "nist_coverage",
    "requirements_of_ref",
]

NIST_COLUMNS = ["function", "subcategory", "category", "statement", "iso_refs",
                "requirements", "met", "partial", "missing", "not_applicable", "score",
                "percent", "status"]
EU_COLUMNS = ["system_id", "system_name", "tier", "article", "article_title", "controls",
              "evidence", "expired", "records", "missing", "score", "status", "applies_from",
              "dates", "excluded"]


def application_date_id(article: str, triggered: list[str] | tuple[str, ...]) -> str:
    """The application date (catalog id) an obligation of a system runs from: literacy and
    prohibitions, GPAI, transparency, or the high-risk route the classification took
    (Annex I product route when only that triggered, else Annex III)."""
    base = article.split(".")[0]
    if base in ("art4", "art5"):
        return "date.prohibitions_and_literacy"
    if base in ("art51", "art52", "art53", "art54", "art55"):
        return "date.gpai_and_governance"
    annex_iii = any(str(t).startswith("annex3.") for t in triggered)
    if "art6" in triggered and not annex_iii and base != "art50":
        return "date.annex_i_route"
    return "date.general_application"
#: Records (beyond evidence for the mapped controls) that evidence an article.
ARTICLE_RECORDS: dict[str, tuple[str, ...]] = {
    "art6": ("impact_assessment",),
    "art9": ("risks", "impact_assessment"),
    "art13": ("model_card",),
    "art17": ("ai_policy", "soa"),
    "art26": ("go_live",),
    "art27": ("impact_assessment",),
}
#: Annex A controls shown by a system's own records rather than by evidence: the record check
#: of :data:`ARTICLE_RECORDS` that stands for the control on one system.
CONTROL_RECORDS: dict[str, str] = {
    "A.5.2": "impact_assessment_counted",
    "A.5.3": "impact_assessment_approved",
    "A.5.4": "impact_on_people",
    "A.5.5": "societal_impacts",
    "A.6.2.5": "go_live",
    "A.9.4": "impact_assessment_counted",
}
#: Annex A controls judged on each system as their readiness rule judges it, whatever else
#: is met: the system's own records decide (evidence alone, or the control met
#: organization-wide, does not hide an overdue plan, an unreported incident or an assessment
#: that leaves people or society out).
SYSTEM_CONTROLS = ("A.5.4", "A.5.5", "A.6.2.6", "A.8.4")


_SYSTEM_CHECKS = {"A.5.4": "impact_on_people", "A.5.5": "societal_impacts",
                  "A.6.2.6": "monitoring", "A.8.4": "incidents"}


def requirements_of_ref(ref: str) -> list[str]:
    """The readiness requirements an ISO/IEC 42001 reference of the crosswalk stands for."""
    from workbench.readiness.rules import requirement_ids

    ids = requirement_ids()
    if ref.startswith("B."):
        return ["A." + ref[2:]] if "A." + ref[2:] in ids else []
    if ref in ids:
        return [ref]
    return [r for r in ids if r.startswith(ref + ".")]


def _status(score: float) -> str:
    if math.isnan(score):
        return "not_applicable"
    return "met" if score >= 1 else "missing" if score <= 0 else "partial"


def nist_coverage(result: Readiness) -> pd.DataFrame:
    """NIST AI RMF coverage per subcategory, from a readiness result.

    Returns
    -------
    pandas.DataFrame
        :data:`NIST_COLUMNS`, one row per subcategory (72): the crosswalk's ``iso_refs``, the
        ``requirements`` they stand for, counts per status, ``score`` (0-1, the mean of the
        requirements' scores, not applicable left out), ``percent`` and ``status``
        (met when every linked requirement is met).
    """
    import pandas as pd

    from workbench import catalog

    subs = catalog.nist_subcategories()
    links = catalog.nist_crosswalk()[["subcategory", "iso42001_ref"]]
    links = links.assign(requirement=links["iso42001_ref"].map(requirements_of_ref))
    links = links.explode("requirement").dropna(subset=["requirement"])
    status = result.requirements[["id", "status", "score"]].rename(
        columns={"id": "requirement"})
    joined = links.merge(status, on="requirement", how="inner").drop_duplicates(
        ["subcategory", "requirement"])
    counts = pd.crosstab(joined["subcategory"], joined["status"]).reindex(
        columns=["met", "partial", "missing", "not_applicable"], fill_value=0)
    grouped = joined.groupby("subcategory")
    out = subs.rename(columns={"id": "subcategory"}).merge(
        counts, left_on="subcategory", right_index=True, how="left")
    refs = links.groupby("subcategory")["iso42001_ref"].agg(lambda s: sorted(set(s)))
    reqs = grouped["requirement"].agg(list)
    out["iso_refs"] = out["subcategory"].map(refs).map(lambda v: v if isinstance(v, list)
                                                         else [])
    out["requirements"] = out["subcategory"].map(reqs).map(lambda v: v if isinstance(v, list)
                                                            else [])
    for col in ("met", "partial", "missing", "not_applicable"):
        out[col] = out[col].fillna(0).astype("int64")
    out["score"] = out["subcategory"].map(grouped["score"].mean()).astype("float64")
    out["percent"] = (out["score"] * 100).round(1)
    out["status"] = out["score"].map(_status)
    return out[NIST_COLUMNS].reset_index(drop=True)


def nist_by_function(coverage: pd.DataFrame) -> pd.DataFrame:
    """Per NIST AI RMF function: subcategories, how many are met, partial, missing or not
    applicable, and the mean ``percent``."""
    import pandas as pd

    counts = pd.crosstab(coverage["function"], coverage["status"]).reindex(
        columns=["met", "partial", "missing", "not_applicable"], fill_value=0)
    order = list(dict.fromkeys(coverage["function"]))
    counts = counts.reindex(order)
    out = counts.reset_index()
    out.insert(1, "subcategories", coverage.groupby("function").size().reindex(order)
               .to_numpy())
    out["percent"] = (coverage.groupby("function")["score"].mean().reindex(order) * 100
                      ).round(1).to_numpy()
    for col in ("subcategories", "met", "partial", "missing", "not_applicable"):
        out[col] = out[col].astype("int64")
    return out


# -- EU AI Act ------------------------------------------------------------------------------------
def _system_records(facts: Facts, system_id: str, kinds: tuple[str, ...]
                    ) -> tuple[list[str], list[str], int]:
    """(records found, missing items, checks passed) for an article's own records."""
    from workbench.readiness.clause_rules import approval_todo
    from workbench.readiness.control_rules import incident_reports, monitoring_of
    from workbench.readiness.impact_rules import (
        fairness_breaches,
        people_todo,
        review_todo,
        society_todo,
    )

    found, todo, ok = [], [], 0
    for kind in kinds:
        if kind == "risks":
            reg = facts.register()
            mine = reg[(reg["system_id"] == system_id) & (reg["status"] != "closed")]
            if mine.empty:
                todo.append("assess the system's risks (risk management system)")
            else:
                ok += 1
                found += [f"risk {r} ({lvl})" for r, lvl in
                          zip(mine["id"], mine["residual_level"].astype(str), strict=True)]
        elif kind == "impact_assessment_counted":
            # the system's newest counted assessment (submitted, passing the submit check),
            # as readiness A.5.2 counts it: a draft or an incomplete submission does not count
            row, item = _counted_assessment(facts, system_id)
            if row is None:
                todo.append(item)
            else:
                ok += 1
                found.append(f"impact_assessment {row['id']}")
        elif kind in ("impact_assessment", "impact_assessment_approved", "impact_on_people",
                      "societal_impacts"):
            # the system's newest counted assessment (submitted, passing the submit check),
            # as A.5.2-A.5.5 read it
            row, item = _counted_assessment(facts, system_id)
            if row is None:
                todo.append(item)
                continue
            found.append(f"impact_assessment {row['id']} ({row['approval']})")
            if kind == "impact_on_people":
                items = people_todo(row) + fairness_breaches(facts, system_id)
            elif kind == "societal_impacts":
                items = [t for t in (society_todo(row),) if t]
            else:
                # an assessment past its review date no longer counts (as 8.4 judges it)
                overdue = review_todo(row, facts.today) if kind == "impact_assessment" else None
                approval = approval_todo(facts, "impact_assessment", str(row["id"]),
                                         f"impact assessment {row['id']}")
                items = [t for t in (overdue, approval) if t]
            todo += items
            ok += not items
        elif kind == "incidents":
            # A.8.4 as readiness judges it: the communication plan evidenced, and every
            # serious incident of the system reported by its Art. 73 deadline
            reported, late, _ = incident_reports(facts, system_id)
            one = facts.systems()
            plan = facts.coverage(["A.8.4"], one[one["id"] == system_id],
                                  org_wide_counts=True)
            items = ([] if plan.valid else
                     ["add evidence of the incident communication plan"]) + late
            found += [f"evidence {e}" for e in plan.valid] + reported
            todo += items
            ok += not items
        elif kind == "monitoring":
            # judged as readiness judges A.6.2.6 (an overdue plan is a gap, as for 9.1)
            from workbench.readiness.operation_rules import monitoring_states

            one = facts.systems()
            done, items, refs, _ = monitoring_of(facts, one[one["id"] == system_id])
            states = monitoring_states(facts)
            mine = states[states["system_id"] == system_id]
            if not mine.empty and str(mine.iloc[0]["state"]) != "no_plan":
                state, runs = str(mine.iloc[0]["state"]), int(mine.iloc[0]["runs"])
                found.append(f"monitoring_plan mp-{system_id} ({state}, {runs:,} "
                             f"run{'' if runs == 1 else 's'})")
            found += [r for r in refs if r.startswith("evidence ")]
            todo += list(items.values())
            ok += bool(done)
        elif kind == "go_live":
            item = approval_todo(facts, "ai_system", system_id, "the go-live")
            found.append(f"ai_system {system_id} go-live "
                         f"({facts.state_of('ai_system', system_id)})")
            (todo.append(item) if item else None)
            ok += item is None
        elif kind == "model_card":
            from workbench.readiness.control_rules import card_todo

            cards = facts.model_cards()
            if system_id not in cards.index:
                todo.append("fill and approve the model card, the instructions for use "
                            "(workbench modelcard fill)")
                continue
            row = cards.loc[system_id]
            found.append(f"model_card {row['card_id']} ({row['signoff']}"
                         + (", stale" if row["stale"] else "") + ")")
            items = card_todo(facts, row)
            todo += items
            ok += not items
        elif kind == "ai_policy":
            pol = facts.policy()
            if pol.policy is None:
                todo.append("write and approve the AI policy")
                continue
            found.append(f"ai_policy {pol.record_id} ({pol.state})")
            ok += pol.approved
            if not pol.approved:
                todo.append("have the AI policy approved")
        elif kind == "soa":
            soa = facts.soa()
            if soa.current is None:
                todo.append("draft and approve the Statement of Applicability")
                continue
            found.append(f"soa {soa.current.id} ({soa.state})")
            ok += soa.approved
            if not soa.approved:
                todo.append("have the Statement of Applicability approved")
    return found, todo, ok


def _counted_assessment(facts: Facts, system_id: str) -> tuple[pd.Series | None, str]:
    """The system's newest counted impact assessment, or None and what to do instead."""
    from workbench.readiness.impact_rules import (
        assessment_todo,
        counted_assessments,
        latest_assessments,
    )

    counted = counted_assessments(facts)
    if system_id in counted.index:
        return counted.loc[system_id], ""
    newest = latest_assessments(facts)
    if system_id in newest.index:
        return None, assessment_todo(newest.loc[system_id])
    return None, "carry out the impact assessment"


def _soa_exclusions(facts: Facts) -> dict[str, str]:
    """Controls the *approved* Statement of Applicability excludes, with its justification
    (as readiness applies it: an exclusion that is not approved does not count)."""
    soa = facts.soa()
    if soa.current is None or not soa.approved:
        return {}
    return {e.control_id: str(e.justification or "").strip() or "no justification given"
            for e in soa.current.entries if e.applicable is False}


def eu_obligations(store: Store, *, result: Readiness | None = None,
                   system_id: str | None = None, today: dt.date | None = None,
                   facts: Facts | None = None) -> pd.DataFrame:
    """EU AI Act obligations of each high-risk AI system and the records evidencing each.

    Parameters
    ----------
    result
        A readiness result to reuse (a control met organization-wide counts for every
        system); computed when not given.
    system_id
        Only this system (it must exist; a system that is not high-risk gives no rows).

    Returns
    -------
    pandas.DataFrame
        :data:`EU_COLUMNS`, one row per system and obligation (the article ids of its
        classification): the Annex A ``controls`` mapped to the article, valid
        ``evidence`` for this system (or organization-wide) linked to them, ``expired``
        evidence, the article's own ``records`` (and the system's records that stand for a
        control, :data:`CONTROL_RECORDS`), the ``missing`` items, ``score`` (0-1, controls
        the approved SoA excludes left out), ``status`` (met, partial, missing; not
        applicable when nothing is left to check), ``applies_from`` (the date the obligation
        applies from: the Act's date until an amendment moving it is in force), ``dates``
        (the Act's date and any amended date with the amendment's status, in words) and
        ``excluded`` (``"A.10.4: justification"`` for each mapped control the approved
        Statement of Applicability excludes).
    """
    import pandas as pd

    from workbench import catalog
    from workbench.readiness.engine import assess
    from workbench.readiness.facts import Facts
    from workbench.registers import with_problems

    facts = facts or Facts(store, today, verify=False)
    if system_id is not None:
        store.get("ai_system", system_id)  # NotFoundError for an unknown system
    result = result or assess(store, facts=facts)
    status = dict(zip(result.requirements["id"], result.requirements["status"], strict=True))
    portfolio = facts.portfolio()
    high = portfolio[portfolio["tier"] == "high_risk"]
    if system_id is not None:
        high = high[high["system_id"] == system_id]
    mapping = catalog.eu_mapping()
    by_article = mapping.groupby("article")["control"].agg(list).to_dict()
    titles = dict(zip(catalog.eu_articles()["id"], catalog.eu_articles()["title"], strict=True))
    systems = facts.systems().set_index("id")
    excluded = _soa_exclusions(facts)
    rows = []
    # One row per high-risk system and obligation: a handful of systems, each judged on
    # the frames loaded once in ``facts``.
    for sys_row in high.itertuples():
        one = systems.loc[[sys_row.system_id]].reset_index()
        for article in sys_row.obligations:
            controls = by_article.get(article, [])
            cov = facts.coverage(controls, one, org_wide_counts=True)
            # a control is evidenced by valid evidence of a kind it accepts
            good = {c for c in controls
                    if facts.coverage([c], one, org_wide_counts=True).valid}
            todo, shown = [], []
            for c in controls:
                if c in excluded:  # not applicable: the approved SoA excludes it
                    continue
                if c in SYSTEM_CONTROLS:
                    found, items, ok = _system_records(facts, sys_row.system_id,
                                                       (_SYSTEM_CHECKS[c],))
                    if ok:
                        shown += found
                    else:
                        todo += [f"{c}: {item}" for item in items]
                    continue
                if c in good or status.get(c) == "met":
                    continue
                if c in CONTROL_RECORDS:
                    found, _, ok = _system_records(facts, sys_row.system_id,
                                                   (CONTROL_RECORDS[c],))
                    if ok:
                        shown += found
                        continue
                todo.append(f"{c}: no valid evidence or record for this system")
            applicable = [c for c in controls if c not in excluded]
            passed = len(applicable) - len({t.split(":")[0] for t in todo})
            records, rec_todo, rec_ok = _system_records(
                facts, sys_row.system_id, ARTICLE_RECORDS.get(article, ()))
            # a control's record already among the article's (same kind and id) is not
            # listed twice
            have = {" ".join(r.split()[:2]) for r in records}
            for r in shown:
                if " ".join(r.split()[:2]) not in have:
                    have.add(" ".join(r.split()[:2]))
                    records.append(r)
            checks = len(applicable) + len(ARTICLE_RECORDS.get(article, ()))
            score = (passed + rec_ok) / checks if checks else float("nan")
            when = catalog.eu_application_date(
                application_date_id(article, list(sys_row.triggered or [])), article)
            rows.append({
                "applies_from": when["applies"], "dates": when["text"],
                "system_id": sys_row.system_id, "system_name": sys_row.system_name,
                "tier": sys_row.tier, "article": article,
                "article_title": titles.get(article, ""), "controls": controls,
                "evidence": cov.valid, "expired": cov.expired, "records": records,
                "missing": rec_todo + todo, "score": score,
                "excluded": [f"{c}: {excluded[c]}" for c in controls if c in excluded],
                "status": _status(score)})
    out = pd.DataFrame(rows, columns=EU_COLUMNS)
    out["score"] = out["score"].astype("float64")
    return with_problems(out, facts.problems(), result.problems)


def eu_summary(obligations: pd.DataFrame) -> pd.DataFrame:
    """Per high-risk system: obligations, how many are met, partial or missing, and the
    mean ``percent``."""
    import pandas as pd

    if obligations.empty:
        return pd.DataFrame(columns=["system_id", "system_name", "obligations", "met",
                                     "partial", "missing", "percent"])
    counts = pd.crosstab(obligations["system_id"], obligations["status"]).reindex(
        columns=["met", "partial", "missing"], fill_value=0)
    names = obligations.drop_duplicates("system_id").set_index("system_id")["system_name"]
    out = counts.reset_index()
    out.insert(1, "system_name", out["system_id"].map(names))
    out.insert(2, "obligations", obligations.groupby("system_id").size()
               .reindex(out["system_id"]).to_numpy())
    out["percent"] = (obligations.groupby("system_id")["score"].mean()
                      .reindex(out["system_id"]) * 100).round(1).to_numpy()
    return out
