"""Readiness rules of ISO/IEC 42001 clauses 8 (operation), 9 (performance evaluation) and 10
(improvement): one small named function per sub-clause."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.readiness.clause_rules import approval_todo, held_reviews, management_decisions
from workbench.readiness.model import ReviewTopic
from workbench.readiness.rules import Outcome, graded, met, missing, partial, plural, rule

if TYPE_CHECKING:  # pragma: no cover
    from workbench.readiness.facts import Facts

__all__: list[str] = []

_SIGNOFF = ("signoff", "signoff_request")
_TOPIC_TEXT = {
    "previous_actions": "the status of actions from previous reviews",
    "context_changes": "changes in external and internal issues",
    "interested_parties": "changes in the needs of interested parties",
    "nonconformities": "nonconformities and corrective actions",
    "monitoring_results": "monitoring and measurement results",
    "audit_results": "audit results",
    "improvement_opportunities": "opportunities for continual improvement",
}


# -- 8 operation ----------------------------------------------------------------------------------
@rule("8.1", reads=("ai_system", "risk", "risk_criteria", "impact_assessment", *_SIGNOFF))
def operational_planning_and_control(f: Facts) -> Outcome:
    """Met when every AI system in deployment or operation went live as planned: its risks
    assessed, an impact assessment made (submitted, passing the submit check: a draft does not
    count) and its go-live approved (not stale)."""
    from workbench.readiness.impact_rules import (
        assessment_todo,
        counted_assessments,
        latest_assessments,
    )

    systems, reg = f.systems_in("operating"), f.register()
    counted, newest = counted_assessments(f), latest_assessments(f)
    if systems.empty:
        return missing("no AI system in deployment or operation is recorded",
                       ["register the AI systems in operation in the inventory"])
    assessed = set(reg.loc[reg["status"] != "identified", "system_id"]) if not reg.empty \
        else set()
    todo, done = [], []
    for sid, label in zip(systems["id"], systems["label"], strict=True):
        items = []
        if sid not in assessed:
            items.append("assess its risks")
        if sid not in counted.index:
            items.append(assessment_todo(newest.loc[sid]) if sid in newest.index
                         else "carry out its impact assessment")
        go_live = approval_todo(f, "ai_system", sid, "its go-live")
        if go_live:
            items.append(go_live)
        if items:
            todo.append(f"{label}: " + "; ".join(items))
        else:
            done.append(sid)
    return graded(done, todo, reason=f"{len(done):,} of {len(systems):,} operating systems went "
                  "live with risk and impact assessment and an approved go-live")


@rule("8.2", reads=("risk", "risk_criteria", "ai_system"))
def risk_assessment_at_intervals(f: Facts) -> Outcome:
    """Met when no open risk is past its review date (risks are reassessed at planned
    intervals)."""
    reg = f.register()
    if reg.empty:
        return missing("no AI risk assessed yet", [("assess the AI risks of the in-scope "
                                                  "systems")])
    live = reg[reg["status"] != "closed"]
    due = live[live["review_due"]]
    todo = [f"risk {r}: review was due on {f.date(d)}" for r, d in
            zip(due["id"], due["next_review"], strict=True)]
    return graded(list(live["id"]), todo, reason=f"{len(live) - len(due):,} of {len(live):,} open "
                  "risks reviewed on schedule", evidence=[f"risk register ({len(reg)} risks)"])


@rule("8.3", reads=("risk", "risk_criteria", "ai_system"))
def risk_treatment_implemented(f: Facts) -> Outcome:
    """Met when risks are treated with controls or actions and no treatment action is
    overdue."""
    reg = f.register()
    treated = reg[reg["controls"].map(bool) | reg["actions"].map(bool)] if not reg.empty \
        else reg
    if treated.empty:
        return missing("no risk treatment recorded", [("choose controls and actions that treat "
                                                      "the assessed risks")])
    late = reg[reg["overdue_actions"] > 0]
    todo = [f"risk {r}: {n} overdue treatment action{'s' if n > 1 else ''}" for r, n in
            zip(late["id"], late["overdue_actions"], strict=True)]
    return graded(list(treated["id"]), todo, reason=f"{len(treated)} risks treated, "
                  f"{len(late)} with overdue actions")


@rule("8.4", reads=("impact_assessment", "ai_system", *_SIGNOFF))
def impact_assessment_at_intervals(f: Facts) -> Outcome:
    """Met when every in-scope AI system has a counted impact assessment (submitted, passing
    the submit check) whose review date has not passed (a draft, or a submission the submit
    check refuses, performs no assessment, however recent)."""
    from workbench.readiness.impact_rules import (
        assessment_todo,
        counted_assessments,
        latest_assessments,
    )

    systems, ia = f.systems_in("in_scope"), f.assessments()
    drafts = ia[ia["status"].astype(str) == "draft"] if not ia.empty else ia
    latest, newest = counted_assessments(f), latest_assessments(f)
    draft_of = (dict(zip(drafts["system_id"], drafts["id"], strict=True))
                if not drafts.empty else {})
    todo, done = [], []
    for sid, label in zip(systems["id"], systems["label"], strict=True):
        draft = draft_of.get(sid)
        pending = f"; its draft {draft} is not submitted yet" if draft else ""
        if sid not in latest.index:
            if draft:
                todo.append(f"{label}: complete and submit impact assessment {draft}")
            elif sid in newest.index:
                todo.append(f"{label}: {assessment_todo(newest.loc[sid])}")
            else:
                todo.append(f"{label}: no impact assessment")
            continue
        due = latest.at[sid, "review_due"]
        if pd.notna(due) and due.date() < f.today:
            todo.append(f"{label}: reassess (impact assessment {latest.at[sid, 'id']} was due "
                        f"for review on {due.date()}{pending})")
        else:
            done.append(sid)
    return graded(done, todo, reason=f"{len(done):,} of {len(systems):,} in-scope systems have an "
                  "impact assessment within its review interval")


# -- 9 performance evaluation ---------------------------------------------------------------------
#: What the monitoring rules (9.1, A.6.2.6) read.
MONITORING_READS = ("ai_system", "monitoring_plan", "monitoring_run")


def monitoring_states(f: Facts) -> pd.DataFrame:
    """Each AI system's monitoring state on :attr:`Facts.today` (runs after it not counted),
    read once per assessment (see :func:`workbench.monitoring.status_frame`)."""
    def load() -> pd.DataFrame:
        from workbench.monitoring import status_frame

        return status_frame(f.store, now=f.today, systems=f.frame("ai_system"))

    return f._get("monitoring_states", MONITORING_READS, load)


@rule("9.1", reads=MONITORING_READS)
def monitoring_and_measurement(f: Facts) -> Outcome:
    """Met when every AI system in operation is measured on the schedule of its monitoring
    plan (a run within the plan's frequency). Reports and other evidence are not
    measurements; an overdue plan does not count."""
    systems = f.systems_in("operating")
    if systems.empty:
        return missing("no AI system in operation to monitor is recorded",
                       ["register the AI systems in operation"])
    states = monitoring_states(f).set_index("system_id")
    done, todo, refs = [], [], []
    for sid, label in zip(systems["id"], systems["label"], strict=True):
        row = states.loc[sid] if sid in states.index else None
        state = "no_plan" if row is None else row["state"]
        if state == "no_plan":
            todo.append(f"{label}: add a monitoring plan and record its runs (`workbench "
                        f"monitor plan {sid} --set FILE`, then `workbench monitor run`)")
        elif row["runs"] == 0 and state != "overdue":
            todo.append(f"{label}: record the first run of its monitoring plan (due "
                        f"{row['next_due'].date()})")
        elif state == "overdue":
            last = row["last_run_at"]
            since = (f"the last run was on {last.date()}" if pd.notna(last)
                     else "no run recorded yet")
            todo.append(f"{label}: monitoring is overdue (every {int(row['frequency_days'])} "
                        f"days; {since})")
        else:
            done.append(sid)
            refs.append(f"monitoring_run of {sid} on {row['last_run_at'].date()} "
                        f"({row['state']})")
    return graded(done, todo, reason=f"{len(done):,} of {len(systems):,} operating systems are "
                  "measured on their monitoring plan's schedule", evidence=refs)


def _completed(f: Facts):
    audits = f.audits()
    done = audits[audits["completed_on"].notna()]
    return done[done["completed_on"] >= pd.Timestamp(f.year_ago)]


# An audit's results that mention nonconformities found (not "no nonconformities").
_NC_TEXT = re.compile(r"non-?conformit(?:y|ies)", re.IGNORECASE)
_NO_NC_TEXT = re.compile(r"\b(?:no|zero|without|none|nor)\b[^.;]{0,30}non-?conformit",
                         re.IGNORECASE)


def _recent_audits(f: Facts) -> list[dict[str, Any]]:
    """Audits completed in the last 12 months, each with its programme id, as dicts (their
    findings included)."""
    out = []
    progs = f.frame("audit_programme")
    for pid, audits in zip(progs.get("id", []), progs.get("audits", []), strict=True):
        for audit in audits if isinstance(audits, list) else []:
            done = f.date(audit.get("completed_on"))
            if done is not None and done >= f.year_ago:
                out.append({**audit, "programme_id": pid, "completed": done})
    return sorted(out, key=lambda a: (a["completed"], a["programme_id"], a["id"]))


def _nc_findings(audit: dict[str, Any]) -> int | None:
    """How many nonconformities the audit found: its NC findings, or (an audit recorded
    without findings) whether its results say it found any (1), or None when none."""
    findings = audit.get("findings") or []
    if findings:
        return sum(1 for x in findings if x.get("outcome") in ("minor_nc", "major_nc")) or None
    text = str(audit.get("results") or "")
    return 1 if _NC_TEXT.search(text) and not _NO_NC_TEXT.search(text) else None


def _scope_of(audit: dict[str, Any]) -> list[str]:
    """The clause and control ids in an audit's scope."""
    return [*(audit.get("clause_ids") or []), *(audit.get("control_ids") or [])]


def _units(ids: list[str]) -> set[str]:
    """Clause groups (``7``) and Annex A objectives (``A.6``) the ids belong to."""
    return {".".join(i.split(".")[:2]) if i.startswith("A.") else i.split(".")[0] for i in ids}


@rule("9.2.1", reads=("audit_programme",))
def internal_audit(f: Facts) -> Outcome:
    """Met when internal audits completed in the last 12 months cover the whole management
    system: every clause 4 to 10 and every Annex A objective in at least one audit's scope."""
    from workbench import catalog

    if f.frame("audit_programme").empty:
        return missing("no internal audit programme", [("plan internal audits in an audit "
                                                       "programme")])
    recent = _recent_audits(f)
    if not recent:
        audits = f.audits()
        last = audits["completed_on"].max() if not audits.empty else None
        when = f" (the last was completed on {last.date()})" if pd.notna(last) else ""
        return missing(f"no internal audit completed in the last 12 months{when}", [
            "complete an internal audit and record its results"])
    wanted = sorted(_units([*catalog.clause_ids(), *catalog.control_ids()]),
                    key=lambda u: (u.startswith("A."), int(u.split(".")[-1])))
    covered = set().union(*(_units(_scope_of(a)) for a in recent))
    planned: dict[str, str] = {}
    audits = f.audits()
    for p, a, when, done in zip(audits["programme_id"], audits["id"], audits["planned_on"],
                                audits["completed_on"], strict=True):
        if pd.isna(done):
            prog = f.frame("audit_programme").set_index("id").at[p, "audits"]
            scope = next((x for x in prog if x["id"] == a), {})
            for unit in _units(_scope_of(scope)):
                planned.setdefault(unit, f"audit {a} planned for {when.date()}")
    todo = []
    for annex, what in ((False, "clauses"), (True, "Annex A objectives")):
        gaps = [u + (f" ({planned[u]})" if u in planned else "") for u in wanted
                if u.startswith("A.") == annex and u not in covered]
        if gaps:
            todo.append(f"audit {what} {', '.join(gaps)}: not covered by an audit completed "
                        "in the last 12 months")
    refs = [f"audit {a['programme_id']}/{a['id']} ({a['completed']})" for a in recent]
    return graded(sorted(covered & set(wanted)), todo, evidence=refs,
                  reason=f"{plural(len(recent), 'internal audit')} completed in the last 12 "
                  f"months cover {len(covered & set(wanted)):,} of {len(wanted):,} clauses and "
                  "Annex A objectives")


@rule("9.2.2", reads=("audit_programme", "person", "ai_system"))
def internal_audit_programme(f: Facts) -> Outcome:
    """Met when an audit programme covers today, its audits have impartial auditors (the
    auditor role, not on the team of a system they audit), and each audit completed in the
    last 12 months recorded a finding on every requirement in its scope and reported its
    results."""
    progs = f.frame("audit_programme")
    if progs.empty:
        return missing("no internal audit programme", [("establish the internal audit "
                                                       "programme (frequency, methods, "
                                                       "responsibilities, reporting)")])
    current = [r["id"] for _, r in progs.iterrows()
               if f.date(r["period_start"]) <= f.today <= f.date(r["period_end"])]
    todo = [] if current else [(f"extend or renew the audit programme (the last ended on "
                               f"{max(f.date(d) for d in progs['period_end'])})")]
    audits, auditors = f.audits(), set(f.holders("auditor"))
    for p, a, who in zip(audits["programme_id"], audits["id"], audits["auditor"], strict=True):
        if who not in auditors:
            todo.append(f"audit {p}/{a}: auditor {who} does not hold the auditor role "
                        "(impartiality)")
    systems = f.frame("ai_system")
    teams = {sid: {owner, *(team if isinstance(team, list) else [])} for sid, owner, team in
             zip(systems.get("id", []), systems.get("owner", []), systems.get("team", []),
                 strict=True)}
    recent = _recent_audits(f)
    if not recent:
        todo.append("complete an audit and record its results (none in the last 12 months)")
    for audit in recent:
        ref = f"audit {audit['programme_id']}/{audit['id']}"
        scope = _scope_of(audit)
        found = {x.get("requirement_id") for x in audit.get("findings") or []}
        if scope and not set(scope) <= found:
            todo.append(f"{ref}: record a finding on each requirement in its scope "
                        f"({len(found & set(scope))} of {len(scope)} recorded)")
        own = [s for s in audit.get("system_ids") or [] if audit["auditor"] in teams.get(s, ())]
        if own:
            todo.append(f"{ref}: auditor {audit['auditor']} audited their own system "
                        f"{', '.join(own)} (impartiality)")
        if not audit.get("reported_to"):
            todo.append(f"{ref}: report its results to management (reported_to)")
    return graded(current, todo, reason="the audit programme is current and audits report "
                  "results" if not todo else "the audit programme is incomplete",
                  evidence=[f"audit_programme {p}" for p in current])


def _chaired_reviews(f: Facts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reviews held by then, newest first: those chaired by top management (a person holding
    the executive role on the day the review was held) and the others."""
    reviews = held_reviews(f)
    chaired = reviews["chair_executive"].astype(bool)
    return reviews[chaired], reviews[~chaired]


def _not_top_management(others: pd.DataFrame) -> str:
    return "; ".join(f"review {i} was chaired by {c}, who did not hold the executive role on "
                     f"{h.date()}" for i, c, h in zip(others["id"], others["chair"],
                                                      others["held"], strict=True))


@rule("9.3.1", reads=("management_review", "person"))
def management_review(f: Facts) -> Outcome:
    """Met when top management (a chair holding the executive role) held a management review
    in the last 12 months and the next one is not overdue; a review chaired by anyone else
    does not count."""
    reviews, others = _chaired_reviews(f)
    if reviews.empty:
        if not others.empty:
            return missing(f"no management review chaired by top management ("
                           f"{_not_top_management(others.head(3))})",
                           ["hold a management review chaired by a member of top management "
                            "(the executive role) and record it"])
        return missing("no management review held", [("hold a management review and record "
                                                     "it")])
    last = reviews.iloc[0]
    held = last["held"].date()
    due = f.date(last["next_review_due"])
    ref = f"management_review {last['id']} ({held}, chaired by {last['chair']})"
    if held < f.year_ago:
        return graded([ref], [f"hold a management review (the last was on {held})"],
                      reason="the last management review is over 12 months old",
                      evidence=[ref])
    if due is not None and due < f.today:
        return graded([ref], [f"hold the management review planned for {due}"],
                      reason="the next management review is overdue", evidence=[ref])
    return met(f"management review held on {held}", evidence=[ref])


#: What 9.3.2 reads to check a review's recorded figures against the records.
_INPUT_READS = ("nonconformity", "incident", "audit_programme")


def _contradicted(f: Facts, review: pd.Series) -> list[str]:
    """The nonconformity, incident and audit figures the review's inputs recorded that the
    records as they stood for its pack contradict (see :mod:`workbench.review.consistency`)."""
    def load() -> list[str]:
        from workbench.review.consistency import contradictions

        return contradictions(f.store, {"id": review["id"], "held_on": review["held_on"],
                                        "inputs": list(review["inputs"] or [])})

    return f._get(f"review_inputs:{review['id']}", ("management_review", *_INPUT_READS),
                  load)


@rule("9.3.2", reads=("management_review", "person", *_INPUT_READS))
def management_review_inputs(f: Facts) -> Outcome:
    """Met when the latest management review of top management considered every input 9.3.2
    lists, and the nonconformity, incident and audit figures it recorded agree with the
    records as they stood for its pack."""
    reviews, _ = _chaired_reviews(f)
    if reviews.empty:
        return missing("no management review chaired by top management", [
            "hold a management review covering the required inputs"])
    last = reviews.iloc[0]
    covered = {i["topic"] for i in (last["inputs"] or [])}
    todo = [f"review {last['id']} did not consider {_TOPIC_TEXT[t.value]}" for t in ReviewTopic
            if t.value not in covered]
    wrong = _contradicted(f, last)
    reason = (f"review {last['id']} considered {len(covered):,} of {len(ReviewTopic):,} "
              "required inputs")
    if wrong:
        reason += f"; {plural(len(wrong), 'recorded figure')} contradicted by the records"
    return graded(sorted(covered), todo + wrong, reason=reason,
                  evidence=[f"management_review {last['id']}"])


@rule("9.3.3", reads=("management_review", "review_followup", "person"))
def management_review_results(f: Facts) -> Outcome:
    """Met when the latest management review of top management recorded decisions on
    improvement or changes, each with an owner and a due date, and no decision of any review
    is overdue (overdue decisions make it partial)."""
    reviews, _ = _chaired_reviews(f)
    if reviews.empty:
        return missing("no management review chaired by top management", [
            "record the results of a management review"])
    last = reviews.iloc[0]
    ref = f"management_review {last['id']}"
    decisions = list(last["decisions"] or [])
    if not decisions:
        return graded(["review"], [(f"record the decisions of review {last['id']} (improvement "
                                   "opportunities, changes needed)")],
                      reason=f"review {last['id']} recorded no decisions", evidence=[ref])
    d = f.review_decisions()
    today = pd.Timestamp(f.today)
    done = d["done_on"].notna() & (d["done_on"] <= today)
    late = d[~done & d["due"].notna() & (d["due"] < today)]
    if not late.empty:
        items = [f"decision {r}/{i} ({o}) was due on {due.date()}" for r, i, o, due in
                 zip(late["review_id"], late["id"], late["owner"], late["due"], strict=True)]
        return partial(f"review {last['id']} recorded {plural(len(decisions), 'decision')}; "
                       f"{plural(len(late), 'decision')} overdue", items, evidence=[ref])
    return met(f"review {last['id']} recorded {plural(len(decisions), 'decision')}, none "
               "overdue", evidence=[ref])


# -- 10 improvement -------------------------------------------------------------------------------
@rule("10.1", reads=("management_review", "review_followup", "nonconformity", "person"))
def continual_improvement(f: Facts) -> Outcome:
    """Met when an improvement decided by management was completed in the last 12 months
    (or a nonconformity was closed, its actions reviewed effective) and no improvement action
    is overdue. Only decisions of reviews chaired by top management count (as for 9.3)."""
    d = management_decisions(f)
    improvements = d[d["kind"] == "improvement"]
    finished = improvements[improvements["done_on"].notna()
                            & (improvements["done_on"] >= pd.Timestamp(f.year_ago))]
    late = improvements[improvements["done_on"].isna()
                        & (improvements["due"] < pd.Timestamp(f.today))]
    nc = f.nonconformities()
    closed = [i for i, c, e in zip(nc.get("id", []), nc.get("closed_on", []),
                                   nc.get("effective", []), strict=True)
              if f.date(c) is not None and f.date(c) >= f.year_ago and e is True]
    done = ([f"improvement {r}/{i}" for r, i in zip(finished["review_id"], finished["id"],
                                                     strict=True)]
            + [f"nonconformity {i} closed" for i in closed])
    todo = [f"improvement {r}/{i} was due on {due.date()}" for r, i, due in
            zip(late["review_id"], late["id"], late["due"], strict=True)]
    if done:
        return graded(done, todo, reason=f"{plural(len(done), 'improvement')} completed in 12 "
                      "months", evidence=done)
    todo.append("complete an improvement decided by management (none in 12 months)")
    if improvements.empty:
        return missing("no improvement decided or completed", todo)
    return partial(f"{plural(len(improvements), 'improvement')} decided, none completed in 12 "
                   "months", todo, evidence=[f"improvement {r}/{i}" for r, i in
                                             zip(improvements["review_id"], improvements["id"],
                                                 strict=True)])


def _system_teams(f: Facts) -> dict[str, set[str]]:
    """AI system id -> its owner and team."""
    systems = f.frame("ai_system")
    return {str(sid): {p for p in [owner, *(team if isinstance(team, list) else [])] if p}
            for sid, owner, team in zip(systems.get("id", []), systems.get("owner", []),
                                        systems.get("team", []), strict=True)}


def _dismissed_finding(row: Any, who: str | None, teams: dict[str, set[str]]) -> list[str]:
    """An audit's nonconformity cancelled (``who`` saved the cancelled version) by someone it
    was about (an owner of one of its
    corrective actions, or on the team of an audited AI system): the finding does not count
    as handled. Empty when the cancellation stands."""
    if not (getattr(row, "audit_id", None) or str(getattr(row, "source", "")) in (
            "internal_audit", "external_audit")):
        return []
    owners = {a.get("owner") for a in (row.corrective_actions or [])}
    audited = [s for s in (row.system_ids or []) if who in teams.get(str(s), set())]
    if who in owners:
        why = "an owner of its corrective actions"
    elif audited:
        why = f"on the team of the audited AI system {audited[0]}"
    else:
        return []
    return [f"nonconformity {row.id}, raised by an audit, was cancelled by {who}, {why}; only "
            "its auditor or the governance lead dismisses an audit's finding: reopen it (save "
            "its previous version again) or have them cancel it"]


@rule("10.2", reads=("nonconformity", "audit_programme", "ai_system"))
def nonconformity_and_corrective_action(f: Facts) -> Outcome:
    """Met when every nonconformity an audit of the last 12 months found is recorded, every
    open one has a correction, a root cause and corrective actions on schedule, and closed
    ones had their actions reviewed effective by someone other than the action owners; with
    none recorded, when the audits of the last 12 months found none."""
    nc = f.nonconformities()
    recent = _recent_audits(f)
    todo = []
    for audit in recent:
        found = _nc_findings(audit)
        if not found:
            continue
        linked = 0 if nc.empty else int(((nc["audit_programme_id"] == audit["programme_id"])
                                         & (nc["audit_id"] == audit["id"])).sum())
        if linked < found:
            said = (f"{found} nonconformity finding{'s' if found > 1 else ''}"
                    if audit.get("findings") else
                    f"results: {str(audit.get('results'))[:80]!r}")
            todo.append(f"audit {audit['programme_id']}/{audit['id']} found nonconformities "
                        f"({said}) but {linked or 'no'} nonconformity record"
                        f"{'s link' if linked != 1 else ' links'} to it; raise them")
    if nc.empty:
        if todo:
            return missing("internal audits found nonconformities that are not recorded",
                           todo)
        if recent:
            return met("no nonconformity recorded; the internal audits of the last 12 months "
                       "raised none", evidence=[f"audit {a['programme_id']}/{a['id']}"
                                                for a in recent])
        return missing("no nonconformity records and no recent audit that could find any", [
            ("record nonconformities (from audits, monitoring, incidents) with their "
            "corrective actions")])
    live = []
    teams = _system_teams(f)
    saved_by = dict(zip(nc["id"], nc.get("_saved_by", pd.Series(None, index=nc.index)),
                        strict=True))
    for row in nc.itertuples():
        stage = getattr(row, "stage", None)
        if stage == "cancelled":
            todo += _dismissed_finding(row, saved_by.get(row.id), teams)
            continue
        live.append(row.id)
        actions = list(row.corrective_actions or [])
        if f.date(row.closed_on):
            owners = {a["owner"] for a in actions}
            who = getattr(row, "effectiveness_reviewed_by", None)
            if isinstance(who, str) and who in owners:
                todo.append(f"nonconformity {row.id}: its effectiveness was reviewed by "
                            f"{who}, an action owner; have someone else review it")
            continue
        if not row.correction:
            todo.append(f"nonconformity {row.id}: record the correction (containment)")
        if not row.root_cause:
            todo.append(f"nonconformity {row.id}: determine its root cause")
        if not actions:
            todo.append(f"nonconformity {row.id}: plan corrective actions")
        todo += [f"nonconformity {row.id}: corrective action '{a['description']}' was due on "
                 f"{a['due']}" for a in actions
                 if not a.get("done_on") and f.date(a["due"]) < f.today]
    handled = plural(len(live), "nonconformity", "nonconformities")
    return graded(live, todo, reason=f"{handled} handled" if not todo else
                  f"{handled}, some not handled yet",
                  evidence=[f"nonconformity {i}" for i in live])
