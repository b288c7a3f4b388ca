"""Readiness rules of the Annex A controls (those of A.5, assessing impacts, are in
:mod:`workbench.readiness.impact_rules`).

Most controls are judged from valid evidence linked to them, per AI system where the control
is about each system (rules as data: :func:`~workbench.readiness.rules.evidence_rule`); the
others are small named functions over the records. The engine applies the approved
Statement of Applicability on top: a control it excludes is not applicable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.readiness.clause_rules import approval_todo
from workbench.readiness.impact_rules import (
    assessment_todo,
    counted_assessments,
    latest_assessments,
)
from workbench.readiness.operation_rules import MONITORING_READS, monitoring_states
from workbench.readiness.rules import (
    EvidenceRule,
    Outcome,
    evidence_rule,
    few,
    graded,
    met,
    missing,
    not_applicable,
    plural,
    rule,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.readiness.facts import Facts

__all__ = ["card_todo", "incident_reports", "monitoring_of"]

_SIGNOFF = ("signoff", "signoff_request")


# -- A.2 policies related to AI -------------------------------------------------------------------
@rule("A.2.2", reads=("ai_policy", *_SIGNOFF))
def ai_policy_control(f: Facts) -> Outcome:
    """Met when an AI policy is approved and its approval is not stale."""
    pol = f.policy()
    if pol.policy is None:
        return missing("no AI policy record", ["write the AI policy and have it approved"])
    ref = f"ai_policy {pol.record_id} v{pol.version} ({pol.state})"
    todo = approval_todo(f, "ai_policy", pol.record_id, f"the AI policy {pol.record_id}")
    return graded([ref], [todo] if todo else [], reason="the AI policy is approved" if not todo
                  else f"the AI policy is {pol.state.replace('_', ' ')}", evidence=[ref])


@rule("A.2.3", reads=("ai_policy", "evidence", *_SIGNOFF))
def alignment_with_other_policies(f: Facts) -> Outcome:
    """Met when the AI policy records its alignment with other organizational policies, or
    an alignment review is evidenced."""
    pol, cov = f.policy(), f.coverage(["A.2.3"])
    related = list(pol.policy.related_policies) if pol.policy else []
    evidence = [f"ai_policy {pol.record_id}: {r.name}" for r in related] + [
        f"evidence {e}" for e in cov.valid]
    if evidence:
        return met(f"aligned with {plural(len(related), 'related policy', 'related policies')}",
                   evidence=evidence,
                   expired=cov.expired)
    if pol.policy is None:
        return missing("no AI policy record", [("write the AI policy, listing the related "
                                               "policies it aligns with")], expired=cov.expired)
    return missing("the AI policy records no related policy", [
        "list the organizational policies the AI policy aligns with (related_policies)"],
        expired=cov.expired)


@rule("A.2.4", reads=("ai_policy", *_SIGNOFF))
def review_of_the_ai_policy(f: Facts) -> Outcome:
    """Met when the AI policy's planned review date has not passed."""
    pol = f.policy()
    if pol.policy is None:
        return missing("no AI policy record", ["write the AI policy with a review date"])
    due = pol.policy.review_due
    ref = f"ai_policy {pol.record_id} v{pol.version}"
    if due < f.today:
        return graded([ref], [f"review the AI policy (due on {due})"],
                      reason=f"the AI policy review was due on {due}", evidence=[ref])
    return met(f"the AI policy is next reviewed on {due}", evidence=[ref])


# -- A.3 internal organization --------------------------------------------------------------------
@rule("A.3.2", reads=("person", "ai_system", "risk", "risk_criteria"))
def ai_roles_and_responsibilities(f: Facts) -> Outcome:
    """Met when an AI governance lead is named, every in-scope system's owner holds the
    owner role and every open risk has an active owner."""
    owners, active = set(f.holders("owner")), set()
    people = f.people()
    if not people.empty:
        active = set(people.loc[people["active"].astype(bool), "id"])
    todo = [] if f.holders("governance_lead") else ["name an AI governance lead"]
    systems = f.systems_in("in_scope")
    todo += [f"{label}: owner {o} does not hold the owner role" for label, o in
             zip(systems["label"], systems["owner"], strict=True) if o not in owners]
    reg = f.register()
    if not reg.empty:
        live = reg[reg["status"] != "closed"]
        todo += [f"risk {r}: owner {o} is not an active person" for r, o in
                 zip(live["id"], live["owner"], strict=True) if o not in active]
    done = [o for o in systems["owner"] if o in owners]
    return graded(done, todo, reason="AI roles are assigned" if not todo else
                  "some AI roles are unassigned", none_reason="no AI roles are assigned")


evidence_rule("A.3.3", "the concern-reporting procedure and its channel")


# -- A.4 resources for AI systems -----------------------------------------------------------------
@rule("A.4.2", reads=("ai_system",))
def resource_documentation(f: Facts) -> Outcome:
    """Met when every in-scope system's inventory entry documents its data categories and
    deployment context (technique and components are required fields)."""
    systems = f.systems_in("in_scope")
    if systems.empty:
        return missing("no AI system in the inventory", ["register the AI systems in scope"])
    todo = []
    for label, cats, ctx in zip(systems["label"], systems["data_categories"],
                                systems["deployment_context"], strict=True):
        if not cats:
            todo.append(f"{label}: record its data categories")
        if not ctx:
            todo.append(f"{label}: describe its deployment context")
    done = [s for s, c, x in zip(systems["id"], systems["data_categories"],
                                 systems["deployment_context"], strict=True) if c and x]
    return graded(done, todo, reason=f"{len(done):,} of {len(systems):,} inventory entries "
                  "document their resources", evidence=[f"ai_system {s}" for s in done])


evidence_rule("A.4.3", "a data sheet or data set register entry", scope="in_scope",
              evidence_kinds=("data_sheet",))
evidence_rule("A.4.4", "the tool and model inventory with versions")
evidence_rule("A.4.5", "the infrastructure and computing resources per system")
_A46 = EvidenceRule("A.4.6", "a competence matrix or training records",
                    evidence_kinds=("training_record",))


@rule("A.4.6", reads=("evidence",))
def human_resources(f: Facts) -> Outcome:
    """Met when valid organization-wide evidence exists: a competence matrix or training
    records (of kind training_record or linked to A.4.6). Evidence scoped to AI systems
    shows the competence of those systems' people, not the organization's, and does not
    count."""
    import pandas as pd

    targets = [_A46.requirement, *(f"kind:{k}" for k in _A46.evidence_kinds)]
    # no system wanted: only evidence that names no AI system is left
    org_wide = f.coverage(targets, pd.DataFrame({"id": []}))
    if org_wide.valid:
        return met(f"valid evidence: {', '.join(org_wide.valid)}",
                   evidence=[f"evidence {e}" for e in org_wide.valid],
                   expired=org_wide.expired)
    scoped = f.coverage(targets)
    if not scoped.valid:
        return _A46(f)
    renew = f" (renew expired {', '.join(org_wide.expired)})" if org_wide.expired else ""
    todo = [f"add organization-wide evidence for A.4.6 (naming no AI system): {_A46.expects}"
            f"{renew}"]
    return missing(f"only evidence scoped to AI systems ({few(scoped.valid)}), which does not "
                   "show the organization's competence", todo, expired=org_wide.expired)


# -- A.6 AI system life cycle ---------------------------------------------------------------------
def _objectives_of(f: Facts, area: str, control: str) -> Outcome:
    obj = f.objectives()
    mine = obj[obj["area"] == area] if not obj.empty else obj
    cov = f.coverage([control])
    evidence = [f"ai_objective {i}" for i in mine["id"]] + [f"evidence {e}" for e in cov.valid]
    if not evidence:
        return missing(f"no {area.replace('_', ' ')} objective", [
            f"set objectives for {area.replace('_', ' ')} (ai_objective, area {area})"],
            expired=cov.expired)
    todo = [f"objective {r.id}: give its {part}" for r in mine.itertuples()
            for part in ("measure", "target") if not getattr(r, part)]
    return graded(evidence, todo, reason=plural(len(mine), f"{area.replace('_', ' ')} objective"),
                  evidence=evidence, expired=cov.expired)


@rule("A.6.1.2", reads=("ai_objective", "evidence"))
def objectives_for_responsible_development(f: Facts) -> Outcome:
    """Met when objectives for responsible development are set, each with a measure and a
    target (or documented as evidence for A.6.1.2)."""
    return _objectives_of(f, "responsible_development", "A.6.1.2")


evidence_rule("A.6.1.3", "the documented AI development life-cycle process and its stage "
              "gates")
evidence_rule("A.6.2.2", "a requirements specification with acceptance criteria",
              scope="developed")
evidence_rule("A.6.2.3", "design and development documentation", scope="developed")
evidence_rule("A.6.2.4", "verification and validation results of that system (test, "
              "performance or fairness results), not a plan or any document", scope="in_scope")


@rule("A.6.2.5", reads=("ai_system", *_SIGNOFF))
def ai_system_deployment(f: Facts) -> Outcome:
    """Met when every AI system in deployment or operation has an approved go-live whose
    approval is not stale."""
    systems = f.systems_in("operating")
    if systems.empty:
        return missing("no AI system in deployment or operation is recorded",
                       ["register the systems in operation"])
    todo, done = [], []
    for sid, label in zip(systems["id"], systems["label"], strict=True):
        item = approval_todo(f, "ai_system", sid, "its go-live")
        (todo.append(f"{label}: {item}") if item else done.append(sid))
    return graded(done, todo, reason=f"{len(done):,} of {len(systems):,} operating systems have "
                  "an approved go-live", evidence=[f"ai_system {s} go-live (approved)"
                                                   for s in done])


#: Why a report never counts for A.6.2.6 (as for 9.1).
REPORT_REFUSED = "a report is a record of reporting, not a monitoring result"


def _refused_reports(f: Facts) -> dict[str | None, list[str]]:
    """Evidence of kind report linked to A.6.2.6, by the system it names (None:
    organization-wide), each as ``"ev-1 (report)"``: refused, never counted."""
    ev = f.evidence()
    out: dict[str | None, list[str]] = {}
    if ev.empty:
        return out
    reports = ev[(ev["evidence_kind"].astype(str) == "report")
                 & ev["control_ids"].map(lambda c: "A.6.2.6" in list(c or []))]
    for eid, systems in zip(reports["id"], reports["system_ids"], strict=True):
        for sid in list(systems or []) or [None]:
            out.setdefault(sid, []).append(f"{eid} (report)")
    return out


def monitoring_of(f: Facts, systems: pd.DataFrame) -> tuple[list[str], dict[str, str],
                                                           list[str], list[str]]:
    """How each of ``systems`` is operated and monitored (A.6.2.6), as 9.1 reads its plan.

    Returns the ids of the systems that count (a monitoring plan with runs, on its schedule,
    or valid A.6.2.6 evidence naming the system), the item to do of each other system (by
    id, without its label), the records that count and the expired evidence. A system whose
    plan is overdue (:func:`~workbench.readiness.operation_rules.monitoring_states`) is a
    gap whatever evidence it has: the plan shows it is not monitored on schedule. Reports
    never count."""
    import pandas as pd

    from workbench import catalog

    states = monitoring_states(f).set_index("system_id")
    cov = f.coverage(["A.6.2.6"], systems, org_wide_counts=False)
    takes = catalog.accepted_evidence_text("A.6.2.6")
    refused = _refused_reports(f)
    done: list[str] = []
    todo: dict[str, str] = {}
    refs: list[str] = []
    for sid in systems["id"]:
        row = states.loc[sid] if sid in states.index else None
        state = "no_plan" if row is None else str(row["state"])
        runs = 0 if row is None else int(row["runs"])
        old = cov.expired_only.get(sid)
        note = f" (renew expired {', '.join(old)})" if old else ""
        reports = refused.get(sid, [])
        if reports:
            note += f"; refused: {', '.join(reports)}: {REPORT_REFUSED}"
        evidence = f"add evidence for A.6.2.6 of its operation and monitoring: {takes}"
        if state == "overdue":
            last = row["last_run_at"]
            since = (f"the last run was on {last.date()}" if pd.notna(last)
                     else "no run recorded yet")
            todo[sid] = (f"monitoring is overdue since {row['next_due'].date()} (every "
                         f"{int(row['frequency_days'])} days; {since}): record a run of its "
                         "monitoring plan (workbench monitor run)")
        elif state != "no_plan" and runs > 0:
            done.append(sid)
            refs.append(f"monitoring_plan mp-{sid}")
        elif sid in cov.covered:
            done.append(sid)
        elif state != "no_plan":
            todo[sid] = (f"record the first run of its monitoring plan (due "
                         f"{row['next_due'].date()}), or {evidence}{note}")
        else:
            todo[sid] = (f"add a monitoring plan and record its runs (workbench monitor plan "
                         f"{sid} --set FILE, then workbench monitor run), or {evidence}{note}")
    refs += [f"evidence {e}" for e in cov.valid]
    return done, todo, refs, cov.expired


@rule("A.6.2.6", reads=("evidence", *MONITORING_READS))
def ai_system_operation_and_monitoring(f: Facts) -> Outcome:
    """Met when every AI system in operation has a monitoring plan with runs, measured on its
    schedule, or valid evidence of its operation and monitoring. An overdue plan is a gap
    (as for 9.1); reports are refused (a record of reporting, not a monitoring result)."""
    from workbench.readiness.facts import SYSTEM_SCOPES

    systems = f.systems_in("operating")
    if systems.empty:
        return not_applicable(f"no {SYSTEM_SCOPES['operating']}")
    done, items, refs, expired = monitoring_of(f, systems)
    labels = dict(zip(systems["id"], systems["label"], strict=True))
    todo = [f"{labels[sid]}: {item}" for sid, item in items.items()]
    reason = (f"{len(done):,} of {len(systems):,} operating systems have a monitoring plan "
              "measured on schedule or valid monitoring evidence")
    org_reports = _refused_reports(f).get(None)
    if org_reports:
        reason += f" (refused: {', '.join(org_reports)}: {REPORT_REFUSED})"
    return graded(done, todo, reason=reason, evidence=refs, expired=expired)


# -- model cards (A.6.2.7, A.8.2): a system with a card is judged on its card ---------------------
_CARD_READS = ("model_card", "ai_system", "evidence", "organization", "person",
               "impact_assessment", *_SIGNOFF)


def card_todo(f: Facts, row: pd.Series) -> list[str]:
    """What stands between a system's model card and counting: it must be approved (its
    current content), not stale, and rest on explanation evidence. Empty when it counts."""
    card = str(row["card_id"])
    what = f"model card {card}"
    if bool(row["stale"]):
        changes = list(row["changes"])
        shown = "; ".join(changes[:2]) + (f" and {len(changes) - 2} more" if len(changes) > 2
                                          else "")
        return [f"{what} is stale ({shown}): refill it, submit it and have it approved again"]
    todo = []
    if not isinstance(row["explanation_id"], str) or not row["explanation_id"]:
        todo.append(f"{what} rests on no explanation evidence: record one "
                    "(workbench explain run) and refill the card")
    if row["signoff"] == "none" and row["status"] == "draft":
        todo.append(f"submit {what} (workbench modelcard submit) and request its sign-off")
    else:
        item = approval_todo(f, "model_card", card, what)
        if item:
            todo.append(item)
    return todo


def _documented(f: Facts, control: str, expects: str, *,
                evidence_kinds: tuple[str, ...] = ()) -> Outcome:
    """Per in-scope system: its model card when it has one (approved, current, on explanation
    evidence), else valid evidence linked to ``control`` (the evidence rule's reading)."""
    from workbench.readiness.facts import SYSTEM_SCOPES

    systems = f.systems_in("in_scope")
    if systems.empty:
        return not_applicable(f"no {SYSTEM_SCOPES['in_scope']}")
    cards = f.model_cards()
    plain = systems[~systems["id"].isin(cards.index)]
    cov = f.coverage([control, *(f"kind:{k}" for k in evidence_kinds)], plain,
                     org_wide_counts=False)
    todo: list[str] = []
    done: list[str] = []
    evidence = [f"evidence {e}" for e in cov.valid]
    for sid, label in zip(systems["id"], systems["label"], strict=True):
        if sid in cards.index:
            row = cards.loc[sid]
            items = card_todo(f, row)
            todo += [f"{label}: {item}" for item in items]
            if not items:
                done.append(sid)
                evidence.append(f"model_card {row['card_id']} v{row['version']} (approved, "
                                f"explanation {row['explanation_id']})")
        elif sid in cov.covered:
            done.append(sid)
        else:
            old = cov.expired_only.get(sid)
            note = f" (renew expired {', '.join(old)})" if old else ""
            todo.append(f"{label}: add evidence for {control}, {expects}{note}")
    reason = (f"{len(done):,} of {len(systems):,} in-scope AI systems are documented (an "
              f"approved, current model card, or valid evidence for {control})")
    if cov.expired:
        reason += f"; expired: {few(cov.expired)}"
    return graded(done, todo, reason=reason, evidence=evidence, expired=cov.expired)


@rule("A.6.2.7", reads=_CARD_READS)
def technical_documentation(f: Facts) -> Outcome:
    """Met when every in-scope system is documented: by its model card, approved, not stale and
    resting on explanation evidence, or (a system without a card) by valid technical
    documentation evidence."""
    return _documented(f, "A.6.2.7", "technical documentation or a model card (workbench "
                       "modelcard fill)", evidence_kinds=("model_card",))


evidence_rule("A.6.2.8", "the logging specification or sample event logs", scope="operating",
              evidence_kinds=("log",))

# -- A.7 data for AI systems ----------------------------------------------------------------------
evidence_rule("A.7.2", "the data management process for development data", scope="developed")
evidence_rule("A.7.3", "data acquisition records (source, terms, date)", scope="developed")
evidence_rule("A.7.4", "data quality criteria and reports", scope="developed")
evidence_rule("A.7.5", "data provenance or lineage records", scope="developed")
evidence_rule("A.7.6", "data preparation steps and their rationale", scope="developed")

# -- A.8 information for interested parties -------------------------------------------------------
@rule("A.8.2", reads=_CARD_READS)
def information_for_users(f: Facts) -> Outcome:
    """Met when every in-scope system has instructions for use: its model card, approved, not
    stale and resting on explanation evidence (the means to interpret outputs), or (a system
    without a card) valid user documentation evidence."""
    return _documented(f, "A.8.2", "user documentation or instructions for use (a model card)")

evidence_rule("A.8.3", "the external reporting channel and its procedure")


def incident_reports(f: Facts, system_id: str | None = None
                     ) -> tuple[list[str], list[str], int]:
    """Serious AI incidents detected in the last 12 months (of one system, or of all) against
    their EU AI Act Art. 73 reporting deadline: the ones reported on time or not due yet, the
    items to do (a report overdue or made late, naming the incident) and how many there are.
    An incident with no reporting deadline is not serious (nothing to report)."""
    frame = f.frame("incident")
    if system_id is not None and not frame.empty:
        frame = frame[frame["system_id"] == system_id]
    done: list[str] = []
    todo: list[str] = []
    serious = 0
    for row in frame.itertuples():
        due, on = f.date(row.report_deadline), f.date(row.reported_on)
        detected = f.date(row.detected_on)
        if due is None or (detected is not None and detected < f.year_ago):
            continue  # not serious (nothing to report), or older than 12 months
        serious += 1
        if on is None and due < f.today:
            todo.append(f"incident {row.id}: report it (the deadline was {due})")
        elif on is not None and on > due:
            todo.append(f"incident {row.id}: reported on {on}, after its deadline ({due}); "
                        "review why")
        else:
            done.append(f"incident {row.id} " + (f"reported on {on}" if on else
                                                 f"to report by {due}"))
    return done, todo, serious


@rule("A.8.4", reads=("incident", "evidence"))
def incident_communication(f: Facts) -> Outcome:
    """Met when the incident communication plan is evidenced (valid evidence for A.8.4) and
    every serious AI incident of the last 12 months was reported by its EU AI Act Art. 73
    deadline (none is overdue)."""
    plan = EvidenceRule("A.8.4", "the incident communication plan")(f)
    reported, late, serious = incident_reports(f)
    if not serious:
        return plan
    done: list[str] = (list(plan.evidence) if plan.status == "met" else []) + reported
    todo: list[str] = list(plan.missing) + late
    return graded(done, todo, evidence=done, expired=plan.expired,
                  reason=f"{plural(serious, 'serious incident')} in 12 months; "
                  + ("communication plan in place" if plan.status == "met" else
                     "no communication plan"))


evidence_rule("A.8.5", "the information provided to interested parties (transparency "
              "notices)", scope="interacting")

# -- A.9 use of AI systems ------------------------------------------------------------------------
evidence_rule("A.9.2", "the responsible-use process (acceptable use, user training)",
              scope="deployed")


@rule("A.9.3", reads=("ai_objective", "evidence"))
def objectives_for_responsible_use(f: Facts) -> Outcome:
    """Met when objectives for responsible use are set, each with a measure and a target
    (or documented as evidence for A.9.3)."""
    return _objectives_of(f, "responsible_use", "A.9.3")


@rule("A.9.4", reads=("ai_system", "impact_assessment", "evidence", *_SIGNOFF))
def intended_use(f: Facts) -> Outcome:
    """Met when every in-scope system's intended use is documented: in its latest counted
    impact assessment (submitted, passing the submit check: a draft does not count) or in valid
    evidence for A.9.4."""
    systems, latest, newest = f.systems_in("in_scope"), counted_assessments(f), \
        latest_assessments(f)
    cov = f.coverage(["A.9.4"], systems, org_wide_counts=False)
    todo, done = [], []
    for sid, label in zip(systems["id"], systems["label"], strict=True):
        uses = list(latest.at[sid, "intended_uses"] or []) if sid in latest.index else []
        if uses or sid in cov.covered:
            done.append(sid)
        elif sid not in latest.index and sid in newest.index:
            todo.append(f"{label}: document its intended use "
                        f"({assessment_todo(newest.loc[sid])}, or add evidence for A.9.4)")
        else:
            todo.append(f"{label}: document its intended use (impact assessment or evidence "
                        "for A.9.4)")
    return graded(done, todo, reason=f"{len(done):,} of {len(systems):,} systems document their "
                  "intended use", evidence=[f"evidence {e}" for e in cov.valid],
                  expired=cov.expired)


# -- A.10 third-party and customer relationships --------------------------------------------------
evidence_rule("A.10.2", "the split of responsibilities with suppliers and customers",
              scope="third_party")
evidence_rule("A.10.3", "supplier assessments or contract reviews", scope="third_party")
evidence_rule("A.10.4", "a document or review record of the requirements agreed with its "
              "customers and the documentation given to them (one organization-wide record "
              "covers every system)", scope="provided", org_wide_counts=True)
