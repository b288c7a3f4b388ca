"""Readiness rules of Annex A.5 (assessing impacts of AI systems), and the helpers other rules
and the EU AI Act view use to judge a system's impact assessment: the newest one, the one that
counts (submitted and passing the submit check), and what is still to do on it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from workbench.readiness.clause_rules import approval_todo
from workbench.readiness.rules import (
    Outcome,
    few,
    graded,
    missing,
    rule,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.readiness.facts import Facts

__all__ = ["assessment_todo", "counted_assessments", "fairness_breaches", "latest_assessments",
           "people_todo", "review_todo", "society_todo"]

_SIGNOFF = ("signoff", "signoff_request")
_PEOPLE_CATEGORIES = {"user", "affected_individual", "group", "non_user", "vulnerable_group"}


def latest_assessments(f: Facts) -> pd.DataFrame:
    """The newest impact assessment of each in-scope system, indexed by system id."""
    ia = f.assessments()
    if ia.empty:
        return ia
    return ia.sort_values("assessed_on").drop_duplicates("system_id", keep="last").set_index(
        "system_id")


# -- A.5 assessing impacts ------------------------------------------------------------------------
def counted_assessments(f: Facts) -> pd.DataFrame:
    """The newest impact assessment of each system that counts: submitted and passing the
    submit check (harms, benefits, uses and misuse, data, model, measures, required
    screening answers). A draft, or a submission missing any of them, does not count."""
    ia = f.assessments()
    if ia.empty:
        return ia.set_index("system_id") if "system_id" in ia else ia
    ok = ia[ia["counts"]]
    return ok.sort_values("assessed_on").drop_duplicates("system_id", keep="last").set_index(
        "system_id")


def assessment_todo(row: pd.Series) -> str:
    """Why a system's newest assessment does not count (it is a draft, or lacks content)."""
    if row["status"] != "submitted":
        return f"submit impact assessment {row['id']} (a draft does not count)"
    return (f"impact assessment {row['id']} was submitted without answering: "
            f"{few(list(row['gaps']), 2)}; complete it and submit it again")


def review_todo(row: pd.Series, today: dt.date) -> str | None:
    """An assessment past its review date (as 8.4 judges it) no longer counts: the item to do,
    or None while its review date has not passed."""
    import pandas as pd

    due = row["review_due"]
    if pd.notna(due) and due.date() < today:
        return (f"impact assessment {row['id']} is overdue for review since {due.date()}: "
                "reassess the system and submit the assessment again")
    return None


def people_todo(row: pd.Series) -> list[str]:
    """What a counted assessment lacks on individuals and groups (A.5.4): the affected people
    named (a party of a people category) and the harms to them. Empty when it covers them."""
    cats = {p.get("category") for p in (row["interested_parties"] or [])}
    items = []
    if not cats & _PEOPLE_CATEGORIES:
        items.append("name the affected individuals or groups")
    if not list(row["harms"] or []):
        items.append("assess the harms to them")
    return [f"impact assessment {row['id']}: " + " and ".join(items)] if items else []


def society_todo(row: pd.Series) -> str | None:
    """Why a counted assessment does not consider society (A.5.5), or None when it does (an
    interested party of category society)."""
    if any(p.get("category") == "society" for p in (row["interested_parties"] or [])):
        return None
    return (f"impact assessment {row['id']} does not consider societal impacts: add society as "
            "an interested party and assess the impacts on it")


def fairness_breaches(f: Facts, system_id: str | None = None) -> list[str]:
    """Valid fairness evidence (of one system, or any) with a metric outside its threshold."""
    ev = f.evidence()
    fair = ev[(ev["evidence_kind"] == "fairness_metrics") & ev["valid"]] if not ev.empty else ev
    out = []
    for eid, details, systems in zip(fair["id"], fair["details"], fair["system_ids"],
                                     strict=True):
        if system_id is not None and system_id not in list(systems or []):
            continue
        for m in (details or {}).get("metrics") or []:
            if m.get("breach"):
                out.append(f"fairness evidence {eid}: {m.get('metric')} by "
                           f"{m.get('feature', 'group')} = {m.get('value')} is outside its "
                           f"threshold {m.get('threshold')}; treat or accept it")
    return out


_PROCESS = "the documented impact assessment process (procedure, criteria, responsibilities)"


@rule("A.5.2", reads=("impact_assessment", "ai_system", "evidence", *_SIGNOFF))
def impact_assessment_process(f: Facts) -> Outcome:
    """Met when the impact assessment process is documented (evidence for A.5.2) and has run
    for every in-scope system: each has a submitted assessment that passes the submit check
    (a draft, or an empty or incomplete submission, does not count)."""
    systems, latest, counted = f.systems_in("in_scope"), latest_assessments(f), \
        counted_assessments(f)
    cov = f.coverage(["A.5.2"])
    done: list[str] = [f"evidence {e}" for e in cov.valid]
    todo: list[str] = []
    if not cov.valid:
        renew = f" (renew expired {', '.join(cov.expired)})" if cov.expired else ""
        todo.append(f"document the impact assessment process: add evidence for A.5.2, "
                    f"{_PROCESS}{renew}")
    ran = []
    for sid, label in zip(systems["id"], systems["label"], strict=True):
        if sid in counted.index:
            ran.append(sid)
        elif sid in latest.index:
            todo.append(f"{label}: {assessment_todo(latest.loc[sid])}")
        else:
            todo.append(f"{label}: start its impact assessment")
    reason = (f"{len(ran):,} of {len(systems):,} in-scope systems have a submitted, complete "
              "impact assessment; the process is "
              + ("documented" if cov.valid else "not documented"))
    return graded(done + ran, todo, reason=reason, expired=cov.expired,
                  evidence=done + [f"impact_assessment {counted.at[s, 'id']}" for s in ran])


@rule("A.5.3", reads=("impact_assessment", "ai_system", *_SIGNOFF))
def documentation_of_impact_assessments(f: Facts) -> Outcome:
    """Met when every submitted impact assessment passes the submit check and is approved
    (the approved version is the record kept) and none of those approvals is stale."""
    ia = f.assessments()
    submitted = ia[ia["status"] == "submitted"] if not ia.empty else ia
    if submitted.empty:
        return missing("no submitted impact assessment", [("complete and submit the impact "
                                                          "assessments")])
    todo = [assessment_todo(row) for _, row in submitted[~submitted["counts"]].iterrows()]
    complete = submitted[submitted["counts"]]
    todo += [t for t in (approval_todo(f, "impact_assessment", str(i), f"impact assessment {i}")
                         for i in complete["id"]) if t]
    done = [f"impact_assessment {i} (approved)" for i, s in
            zip(complete["id"], complete["approval"], strict=True) if s == "approved"]
    return graded(done, todo, reason=f"{len(done):,} of {len(submitted):,} submitted assessments "
                  "complete and approved", evidence=done)


@rule("A.5.4", reads=("impact_assessment", "ai_system", "evidence", *_SIGNOFF))
def impact_on_individuals_and_groups(f: Facts) -> Outcome:
    """Met when each assessed in-scope system's latest counted impact assessment (submitted,
    passing the submit check) names the affected individuals or groups and the harms to them,
    and no valid fairness evidence breaches its threshold."""
    systems, latest, newest = f.systems_in("in_scope"), counted_assessments(f), \
        latest_assessments(f)
    todo, done = [], []
    for sid, label in zip(systems["id"], systems["label"], strict=True):
        if sid not in latest.index:
            if sid in newest.index:
                todo.append(f"{label}: {assessment_todo(newest.loc[sid])}")
            continue
        items = people_todo(latest.loc[sid])
        (todo.append(f"{label}: {items[0]}") if items else done.append(sid))
    todo += fairness_breaches(f)
    if not done and not len(newest):
        return missing("no submitted, complete impact assessment", [
            "assess the impact of each system on individuals and groups, and submit it"])
    return graded(done, todo, reason=f"{len(done)} assessed systems "
                  "cover individuals and groups", evidence=[f"impact_assessment "
                                                            f"{latest.at[s, 'id']}"
                                                            for s in done])


@rule("A.5.5", reads=("impact_assessment", "ai_system", *_SIGNOFF))
def societal_impacts(f: Facts) -> Outcome:
    """Met when each assessed in-scope system's latest counted impact assessment (submitted,
    passing the submit check) considers society (an interested party of category society)."""
    systems, latest, newest = f.systems_in("in_scope"), counted_assessments(f), \
        latest_assessments(f)
    assessed = [(s, lab) for s, lab in zip(systems["id"], systems["label"], strict=True)
                if s in latest.index]
    waiting = [f"{lab}: {assessment_todo(newest.loc[s])}" for s, lab in
               zip(systems["id"], systems["label"], strict=True)
               if s in newest.index and s not in latest.index]
    if not assessed:
        return missing("no submitted, complete impact assessment", waiting or [
            "assess each system's societal impacts, and submit the assessment"])
    done = [s for s, _ in assessed if society_todo(latest.loc[s]) is None]
    todo = [f"{lab}: {society_todo(latest.loc[s])}" for s, lab in assessed
            if s not in done] + waiting
    return graded(done, todo, reason=f"{len(done):,} of {len(assessed):,} assessments consider "
                  "society", evidence=[f"impact_assessment {latest.at[s, 'id']}" for s in done])
