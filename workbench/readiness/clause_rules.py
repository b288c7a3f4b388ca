"""Readiness rules of ISO/IEC 42001 clauses 4 to 10: one small named function per sub-clause.

Each docstring's first line says when the requirement is met; the function says why not,
naming what is missing. Requirements no record can prove (awareness, communication) are
judged from evidence linked to the clause.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from workbench.readiness.rules import (
    Outcome,
    evidence_rule,
    graded,
    met,
    missing,
    partial,
    plural,
    rule,
)

if TYPE_CHECKING:  # pragma: no cover
    from workbench.readiness.facts import Facts

__all__ = ["EXECUTIVE", "approval_todo", "executive_approvers", "held_reviews",
           "management_decisions"]

_SIGNOFF = ("signoff", "signoff_request")
#: The role of top management.
EXECUTIVE = "executive"


def approval_todo(facts: Facts, kind: str, record_id: str, what: str) -> str | None:
    """The to-do item that gets a record approved, or None when it is approved."""
    row = facts.approval(kind, record_id)
    state = "none" if row is None else str(row["state"])
    if state == "approved":
        return None
    if state == "pending":
        return f"sign-off of {what} is pending with {row['pending_with']}"
    if state == "stale":
        return (f"{what} changed after version {int(row['approved_version'])} was approved: "
                f"request sign-off of version {int(row['current_version'])} (a stale approval "
                "does not count)")
    if state in ("rejected", "changes_requested"):
        verb = "was rejected" if state == "rejected" else "was sent back for changes"
        return f"{what} {verb}: revise it and request sign-off again"
    if state == "outdated":
        return (f"{what} changed after its sign-off was requested: request sign-off of "
                f"version {int(row['current_version'])}")
    return f"request sign-off of {what} (workbench signoff request {kind} {record_id})"


def _executive_history(facts: Facts) -> dict[str, list[tuple[object, int, bool]]]:
    """Per login, each version of their person record in the order saved: (day saved (UTC),
    seq, held the executive role and was active). Read once per :class:`Facts`."""
    def load() -> dict[str, list[tuple[object, int, bool]]]:
        people = facts.store.versions("person")
        history: dict[str, list[tuple[object, int, bool]]] = {}
        for login, saved, seq, roles, active in zip(people["id"], people["_saved_at"],
                                                    people["_seq"], people["roles"],
                                                    people["active"], strict=True):
            executive = EXECUTIVE in [str(r) for r in (roles if isinstance(roles, list) else [])]
            history.setdefault(str(login), []).append(
                (saved.date(), int(seq), executive and bool(active)))
        for versions in history.values():
            versions.sort(key=lambda v: v[1])
        return history

    return facts._get("executive_history", ("person",), load)


def held_reviews(facts: Facts) -> pd.DataFrame:
    """Management reviews held by :attr:`Facts.today`, newest first, with who was top
    management then: ``chair_executive`` (the chair held the executive role on the day the
    review was held) and ``executives_present`` (the chair and attendees who did).

    A person's roles on a day are those of their record's version in force then: the latest
    version saved by the end of that day (UTC). A person whose record was first saved after
    the review (a review recorded when the store was set up) is judged by that first version,
    the earliest statement of their roles. Reads ``management_review`` and ``person``.
    """
    def load() -> pd.DataFrame:
        reviews = facts.reviews()
        held = reviews[reviews["held"].notna() & (reviews["held"] <= pd.Timestamp(facts.today))]
        held = held.reset_index(drop=True)
        history = _executive_history(facts)

        def executive_on(login: object, day: object) -> bool:
            versions = history.get(str(login))
            if not versions:
                return False
            then = [e for saved, _, e in versions if saved <= day]
            return then[-1] if then else versions[0][2]

        days = [h.date() for h in held["held"]]
        present = [[p for p in dict.fromkeys([chair, *(attendees or [])])
                    if executive_on(p, day)]
                   for chair, attendees, day in zip(held["chair"], held["attendees"], days,
                                                    strict=True)]
        chaired = [executive_on(c, day) for c, day in zip(held["chair"], days, strict=True)]
        return held.assign(chair_executive=pd.Series(chaired, index=held.index, dtype=bool),
                           executives_present=pd.Series(present, index=held.index,
                                                        dtype=object))

    return facts._get("held_reviews", ("management_review", "person"), load)


def management_decisions(facts: Facts) -> pd.DataFrame:
    """The decisions (:meth:`Facts.review_decisions`) of reviews held by :attr:`Facts.today`
    and chaired by top management (:func:`held_reviews`): the only decisions readiness
    credits (6.3, 7.1, 10.1). Reads ``management_review``, ``review_followup`` and
    ``person``."""
    reviews = held_reviews(facts)
    chaired = set(reviews.loc[reviews["chair_executive"].astype(bool), "id"])
    decisions = facts.review_decisions()
    return decisions[decisions["review_id"].isin(chaired)]


def uncredited_reviews(facts: Facts, kind: str) -> list[str]:
    """Why decisions of ``kind`` recorded by reviews top management did not chair do not
    count: one item per such review."""
    reviews = held_reviews(facts)
    others = reviews[~reviews["chair_executive"].astype(bool)]
    decisions = facts.review_decisions()
    with_kind = set(decisions.loc[decisions["kind"] == kind, "review_id"])
    return [f"review {i} was chaired by {c}, who did not hold the executive role on "
            f"{h.date()}: its decisions do not count"
            for i, c, h in zip(others["id"], others["chair"], others["held"], strict=True)
            if i in with_kind]


def executive_approvers(facts: Facts, kind: str, record_id: str) -> list[str]:
    """Who approved the record's approved version while holding the executive role (their
    person record as it stood when they decided, active): a role gained or lost since does
    not change it. Empty when the record is not approved. Reads ``person``, ``signoff`` and
    ``signoff_request``."""
    row = facts.approval(kind, record_id)
    if row is None or str(row["state"]) != "approved":
        return []

    def load() -> pd.DataFrame:
        from workbench.oversight.model import APPROVING
        from workbench.oversight.status import signoff_frames

        _, dec = signoff_frames(facts.store, kind)  # valid decisions only
        return dec[dec["decision"].isin([d.value for d in APPROVING])]

    dec = facts._get(f"approving_decisions:{kind}", ("person", *_SIGNOFF), load)
    version = row["approved_version"]
    mine = dec[(dec["target_id"].astype(str) == str(record_id))
               & (dec["target_version"] == version)]
    history = _executive_history(facts)
    out = []
    for login in [s for s in str(row["approved_by"]).split(", ") if s]:
        seqs = mine.loc[mine["signer"].astype(str) == login, "decided_seq"]
        if seqs.empty:
            continue
        seq = int(seqs.max())
        then = [e for _, at, e in history.get(login, []) if at < seq]
        if then and then[-1]:
            out.append(login)
    return out


def _latest_scope(facts: Facts):
    scope = facts.frame("aims_scope")
    if scope.empty:
        return None
    return scope.sort_values("_saved_at").iloc[-1]


def _in_last_year(facts: Facts, values) -> bool:
    dates = [facts.date(v) for v in values]
    return any(d is not None and facts.year_ago <= d <= facts.today for d in dates)


# -- 4 context ------------------------------------------------------------------------------------
@rule("4.1", reads=("aims_scope",))
def context_of_the_organization(f: Facts) -> Outcome:
    """Met when the AIMS scope record lists the external and the internal issues."""
    row = _latest_scope(f)
    if row is None:
        return missing("no AIMS scope record", [("record the AIMS scope with its external and "
                                                "internal issues")])
    todo = [f"list the {side} issues in the AIMS scope" for side in ("external", "internal")
            if not list(row[f"{side}_issues"] or [])]
    done = ["issues"] if len(todo) < 2 else []
    return graded(done, todo, reason=f"AIMS scope {row['id']}: external and internal issues "
                  "recorded" if not todo else "the AIMS scope lacks issues",
                  evidence=[f"aims_scope {row['id']} v{row['_version']}"])


@rule("4.2", reads=("aims_scope",))
def interested_parties(f: Facts) -> Outcome:
    """Met when the AIMS scope names interested parties, each with its needs and how the
    AIMS addresses them."""
    row = _latest_scope(f)
    parties = [] if row is None else list(row["interested_parties"] or [])
    if not parties:
        return missing("no interested parties recorded", [("list the interested parties, "
                                                          "their needs and how they are "
                                                          "addressed, in the AIMS scope")])
    todo = [f"interested party {p['name']}: record its {what}" for p in parties
            for what, key in (("needs", "needs"), ("addressed-by", "addressed_by"))
            if not p.get(key)]
    recorded = plural(len(parties), "interested party", "interested parties")
    return graded(parties, todo, reason=f"{recorded} recorded",
                  evidence=[f"aims_scope {row['id']} v{row['_version']}"])


@rule("4.3", reads=("aims_scope", *_SIGNOFF))
def scope_of_the_aims(f: Facts) -> Outcome:
    """Met when the AIMS scope is recorded and approved by top management (not stale)."""
    row = _latest_scope(f)
    if row is None:
        return missing("no AIMS scope record", ["record the scope of the AI management system"])
    todo = approval_todo(f, "aims_scope", str(row["id"]), "the AIMS scope")
    ref = f"aims_scope {row['id']} v{row['_version']}"
    if todo is None:
        return met("the AIMS scope is recorded and approved", evidence=[f"{ref} (approved)"])
    return partial("the AIMS scope is recorded but not approved", [todo], evidence=[ref])


@rule("4.4", reads=("risk", "risk_criteria", "ai_system", "impact_assessment",
                    "audit_programme", "management_review", "person", *_SIGNOFF))
def ai_management_system(f: Facts) -> Outcome:
    """Met when the AIMS processes ran in the last 12 months: risk assessment, impact
    assessment (a counted one: submitted, passing the submit check), internal audit and
    management review (chaired by top management)."""
    reg, ia, audits = f.register(), f.assessments(), f.audits()
    reviews = held_reviews(f)
    reviews = reviews[reviews["chair_executive"].astype(bool)]
    ia = ia[ia["counts"]] if not ia.empty else ia
    checks = {
        "assess or review an AI risk": _in_last_year(f, reg["_saved_at"]) if not reg.empty
        else False,
        "carry out an AI system impact assessment": _in_last_year(f, ia["assessed_on"]),
        "complete an internal audit": _in_last_year(f, audits["completed_on"]),
        "hold a management review": _in_last_year(f, reviews["held_on"]),
    }
    done = [k for k, ok in checks.items() if ok]
    todo = [f"{k} (none in the last 12 months)" for k, ok in checks.items() if not ok]
    return graded(done, todo, reason=f"{len(done)} of 4 AIMS processes ran in the last 12 "
                  "months", none_reason="no AIMS process ran in the last 12 months")


# -- 5 leadership ---------------------------------------------------------------------------------
@rule("5.1", reads=("person", "ai_policy", "management_review", *_SIGNOFF))
def leadership_and_commitment(f: Facts) -> Outcome:
    """Met when top management (people with the executive role) approved the AI policy
    (holding the executive role when deciding) and took part in a management review in the
    last 12 months (chaired or attended it while holding the executive role on the day it was
    held)."""
    executives = f.holders(EXECUTIVE)
    if not executives:
        return missing("nobody holds the executive role", [
            "give the members of top management the executive role"])
    pol = f.policy()
    # judged by the role each approver held when deciding, not by today's roles
    approvers = executive_approvers(f, "ai_policy", pol.record_id) if pol.approved else []
    reviews = held_reviews(f)
    recent = reviews[reviews["held"] >= pd.Timestamp(f.year_ago)]
    # judged by the roles people held on the day of each review, not by today's roles
    attended = {p for present in recent["executives_present"] for p in present}
    todo = []
    if not approvers:
        todo.append("an executive approves the AI policy")
    if not attended:
        todo.append("an executive chairs or attends a management review (none in 12 months)")
    return graded(executives, todo, reason="top management approved the policy and reviewed "
                  "the AIMS" if not todo else "top management's commitment is not shown yet",
                  evidence=[f"person {e} (executive)" for e in executives])


@rule("5.2", reads=("ai_policy", *_SIGNOFF))
def ai_policy(f: Facts) -> Outcome:
    """Met when an AI policy with both commitments is approved (not stale) and communicated."""
    pol = f.policy()
    if pol.policy is None:
        return missing("no AI policy record", [
            "AI policy: none is recorded; the AI governance lead records it (an ai_policy "
            "record with both commitments) and an executive approves it through sign-off"])
    what = f"the AI policy {pol.record_id}"
    who = "the AI governance lead"
    todo = [t for t in [approval_todo(f, "ai_policy", pol.record_id, what)] if t]
    lacks = [text for ok, text in (
        (pol.policy.commits_to_requirements, "the commitment to meet applicable requirements "
         "(commits_to_requirements)"),
        (pol.policy.commits_to_improvement, "the commitment to continual improvement "
         "(commits_to_improvement)")) if not ok]
    if lacks:
        todo.append(f"{what}: it lacks {' and '.join(lacks)}; {who} adds "
                    f"{'them' if len(lacks) > 1 else 'it'} and an executive approves the new "
                    "version")
    if pol.policy.communicated_on is None:
        todo.append(f"{what}: it does not record when and to whom it was communicated "
                    f"(communicated_on, communicated_to); {who} records it once the policy "
                    "is communicated")
    ref = f"ai_policy {pol.record_id} v{pol.version} ({pol.state})"
    return graded([ref], todo, reason="the AI policy is approved and communicated" if not todo
                  else f"the AI policy exists ({pol.state})", evidence=[ref])


@rule("5.3", reads=("person", "ai_system"))
def roles_responsibilities_and_authorities(f: Facts) -> Outcome:
    """Met when an AI governance lead and top management are named and every in-scope AI
    system has an active owner holding the owner role."""
    people = f.people().set_index("id") if not f.people().empty else None
    todo = []
    if not f.holders("governance_lead"):
        todo.append("name an AI governance lead (governance_lead role)")
    if not f.holders("executive"):
        todo.append("give top management the executive role")
    owners = set(f.holders("owner"))
    systems = f.systems_in("in_scope")
    for sid, label, owner in zip(systems["id"], systems["label"], systems["owner"],
                                 strict=True):
        if owner not in owners:
            active = people is not None and owner in people.index and bool(
                people.at[owner, "active"])
            why = "does not hold the owner role" if active else "is not an active person"
            todo.append(f"{label}: its owner {owner} {why}")
    done = [s for s in systems["owner"] if s in owners]
    return graded(done or f.holders("governance_lead"), todo,
                  reason="roles are assigned" if not todo else "roles are incomplete",
                  none_reason="no roles are assigned")


# -- 6 planning -----------------------------------------------------------------------------------
@rule("6.1.1", reads=("risk", "risk_criteria", "ai_system"))
def risks_and_opportunities(f: Facts) -> Outcome:
    """Met when the organization saved its own risk criteria and keeps a risk register."""
    todo = []
    if not f.criteria_saved():
        todo.append("save the organization's risk criteria (the default criteria are in use)")
    if f.register().empty:
        todo.append("record the AI risks in the risk register")
    done = [x for x, ok in (("criteria", f.criteria_saved()), ("register",
                                                                not f.register().empty)) if ok]
    return graded(done, todo, reason="risk criteria set and risks registered" if not todo
                  else "risk criteria or register missing")


@rule("6.1.2", reads=("risk", "risk_criteria", "ai_system"))
def ai_risk_assessment(f: Facts) -> Outcome:
    """Met when every in-scope AI system has assessed risks, rated on the organization's own
    risk criteria."""
    reg, systems = f.register(), f.systems_in("in_scope")
    assessed = reg[reg["status"] != "identified"] if not reg.empty else reg
    with_risks = set(assessed["system_id"]) if not assessed.empty else set()
    todo = [] if f.criteria_saved() else ["save the organization's risk criteria"]
    todo += [f"{label}: assess its AI risks (none assessed yet)" for sid, label in
             zip(systems["id"], systems["label"], strict=True) if sid not in with_risks]
    done = [s for s in systems["id"] if s in with_risks]
    return graded(done, todo, reason=f"{len(done):,} of {len(systems):,} in-scope systems have "
                  "assessed risks", evidence=[f"risk register ({len(reg)} risks)"] if len(reg)
                  else ())


@rule("6.1.3", reads=("soa", "risk", "risk_criteria", "ai_system", *_SIGNOFF))
def ai_risk_treatment(f: Facts) -> Outcome:
    """Met when the Statement of Applicability is complete and approved (not stale), every
    control chosen in a treatment is included in it, and no residual risk above the appetite
    awaits acceptance."""
    soa, reg = f.soa(), f.register()
    todo, done, evidence = [], [], []
    if soa.current is None:
        todo.append("draft the Statement of Applicability (workbench soa draft --save) and "
                    "complete it")
    else:
        evidence.append(f"soa {soa.current.id} v{soa.version} ({soa.state})")
        undecided = [e.control_id for e in soa.current.entries if e.applicable is None]
        if undecided:
            todo.append(f"decide and justify {len(undecided)} controls in the SoA: "
                        f"{', '.join(undecided)}")
        elif soa.current.status.value != "submitted":
            todo.append("submit the Statement of Applicability")
        approval = approval_todo(f, "soa", soa.current.id, "the Statement of Applicability")
        if approval:
            todo.append(approval)
        excluded = {e.control_id for e in soa.current.entries if e.applicable is False}
        live = reg[reg["status"] != "closed"] if not reg.empty else reg
        used = live[["id", "controls"]].explode("controls").dropna() if not live.empty else live
        for control, group in (used.groupby("controls") if not used.empty else []):
            if control in excluded:
                todo.append(f"{control} treats risks {', '.join(sorted(group['id']))} but the "
                            "SoA excludes it")
        done.append("soa")
    if not reg.empty:
        waiting = reg[reg["awaiting_acceptance"]]
        pending = (waiting["signoff_pending_with"] if "signoff_pending_with" in waiting
                   else [""] * len(waiting))
        # a requested sign-off names who it waits for (an executive stands in for a risk
        # owner who wrote the version); otherwise the owner is to accept it
        todo += [f"risk {r}: residual level above the appetite awaits sign-off by {p}"
                 if isinstance(p, str) and p else
                 f"risk {r}: residual level above the appetite awaits acceptance by {o}"
                 for r, o, p in zip(waiting["id"], waiting["owner"], pending, strict=True)]
        done.append("treatments")
    return graded(done, todo, reason="the SoA is approved and risks are treated or accepted"
                  if not todo else "risk treatment is incomplete", evidence=evidence)


@rule("6.1.4", reads=("impact_assessment", "ai_system", *_SIGNOFF))
def ai_system_impact_assessment(f: Facts) -> Outcome:
    """Met when every in-scope AI system has an approved, not stale impact assessment that
    passes the submit check (harms, benefits, uses and misuse, data, model, measures) and
    whose review date has not passed."""
    systems, ia = f.systems_in("in_scope"), f.assessments()
    approved = ia[(ia["approval"] == "approved") & ia["counts"]] if not ia.empty else ia
    newest = (approved.sort_values("assessed_on").drop_duplicates("system_id", keep="last")
              .set_index("system_id") if not approved.empty else approved)
    states = (ia.sort_values("assessed_on").drop_duplicates("system_id", keep="last")
              .set_index("system_id") if not ia.empty else ia)
    todo, done, evidence = [], [], []
    for sid, label in zip(systems["id"], systems["label"], strict=True):
        if sid in newest.index:
            due = newest.at[sid, "review_due"]
            aid = newest.at[sid, "id"]
            if pd.notna(due) and due.date() < f.today:
                todo.append(f"{label}: impact assessment {aid} was due for review on "
                            f"{due.date()}")
                continue
            done.append(sid)
            evidence.append(f"impact_assessment {aid} (approved)")
        elif sid in states.index:
            aid = str(states.at[sid, "id"])
            item = approval_todo(f, "impact_assessment", aid, f"impact assessment {aid}")
            if states.at[sid, "status"] != "submitted":
                item = f"submit impact assessment {aid} and have it approved"
            elif not states.at[sid, "counts"]:
                from workbench.readiness.impact_rules import assessment_todo

                item = assessment_todo(states.loc[sid]) + ", then have it approved"
            todo.append(f"{label}: {item}")
        else:
            todo.append(f"{label}: no impact assessment")
    return graded(done, todo, reason=f"{len(done):,} of {len(systems):,} in-scope systems have an "
                  "approved, current impact assessment", evidence=evidence)


@rule("6.2", reads=("ai_objective",))
def ai_objectives(f: Facts) -> Outcome:
    """Met when AI objectives exist, each with a measure, target, plan of resources and
    evaluation, and none is past its due date unachieved."""
    obj = f.objectives()
    if obj.empty:
        return missing("no AI objectives recorded", ["set measurable AI objectives (6.2)"])
    todo = []
    for row in obj.itertuples():
        todo += [f"objective {row.id}: give its {part}" for part in
                 ("measure", "target", "resources", "evaluation") if not getattr(row, part)]
        due = f.date(row.due)
        if due and due < f.today and row.status not in ("achieved", "discontinued"):
            todo.append(f"objective {row.id} was due on {due} and is {row.status}")
    return graded(list(obj["id"]), todo, reason=f"{plural(len(obj), 'AI objective')} with plans" if
                  not todo else f"{plural(len(obj), 'AI objective')}, plans incomplete",
                  evidence=[f"ai_objective {i}" for i in obj["id"]])


@rule("6.3", reads=("management_review", "review_followup", "evidence", "person"))
def planning_of_changes(f: Facts) -> Outcome:
    """Met when changes to the AIMS are decided with an owner and due date (a management
    review decision of kind change, of a review chaired by top management) or a change
    procedure is evidenced (clause 6.3)."""
    decisions = management_decisions(f)
    changes = decisions[decisions["kind"] == "change"]
    cov = f.coverage(["6.3"])
    evidence = [f"evidence {e}" for e in cov.valid] + [
        f"management_review {r} decision {d}" for r, d in
        zip(changes["review_id"], changes["id"], strict=True)]
    late = changes[changes["done_on"].isna() & (changes["due"] < pd.Timestamp(f.today))]
    todo = [f"change {d} of review {r} was due on {due.date()}" for r, d, due in
            zip(late["review_id"], late["id"], late["due"], strict=True)]
    if not evidence:
        return missing("no planned change of the AIMS recorded", [
            ("record changes to the AIMS as management review decisions (kind change) or link "
            "the change procedure as evidence for 6.3"), *uncredited_reviews(f, "change")],
            expired=cov.expired)
    return graded(evidence, todo, reason="changes are planned with owners and dates",
                  evidence=evidence, expired=cov.expired)


# -- 7 support ------------------------------------------------------------------------------------
@rule("7.1", reads=("evidence", "management_review", "review_followup", "person"))
def resources(f: Facts) -> Outcome:
    """Met when resources for the AIMS are decided in a management review chaired by top
    management (kind resources) or evidenced for clause 7.1."""
    decisions = management_decisions(f)
    decided = decisions[decisions["kind"] == "resources"]
    cov = f.coverage(["7.1"])
    evidence = [f"evidence {e}" for e in cov.valid] + [
        f"management_review {r} decision {d}" for r, d in
        zip(decided["review_id"], decided["id"], strict=True)]
    if evidence:
        return met("resources are determined", evidence=evidence, expired=cov.expired)
    todo = [("record the resources the AIMS needs (a management review decision of kind "
            "resources, or evidence for 7.1 such as a budget or staffing plan)"),
            *uncredited_reviews(f, "resources")]
    return missing("no record of the resources determined for the AIMS", todo,
                   expired=cov.expired)


evidence_rule("7.2", "training, qualification or competence records of the people "
              "working on it", scope="in_scope", org_wide_counts=True,
              evidence_kinds=("training_record",))


@rule("7.3", reads=("evidence", "ai_policy", *_SIGNOFF))
def awareness(f: Facts) -> Outcome:
    """Met when the AI policy was communicated and awareness is evidenced for clause 7.3
    (briefings, acknowledgements, awareness training)."""
    cov = f.coverage(["7.3"])
    pol = f.policy()
    todo = []
    if pol.policy is None or pol.policy.communicated_on is None:
        todo.append("communicate the AI policy to the people working for the organization")
    if not cov.valid:
        renew = f" (renew expired {', '.join(cov.expired)})" if cov.expired else ""
        todo.append(f"add evidence for 7.3: awareness briefings or acknowledgements{renew}")
    done = cov.valid + ([] if todo and todo[0].startswith("communicate") else ["policy"])
    return graded(done, todo, reason="people are made aware of the AI policy" if not todo
                  else "awareness is not evidenced", evidence=[f"evidence {e}" for e in
                                                               cov.valid],
                  expired=cov.expired)


evidence_rule("7.4", "a communication plan saying what is communicated, when, to whom and how")


@rule("7.5.1", reads=("aims_scope", "ai_policy", "risk_criteria", "soa", "ai_objective",
                      "impact_assessment", "audit_programme", "management_review", "person",
                      *_SIGNOFF))
def documented_information(f: Facts) -> Outcome:
    """Met when the documented information the standard requires exists: scope, AI policy,
    risk criteria, Statement of Applicability, objectives, impact assessments, audit
    programme and management review results (impact assessments that count: submitted, passing
    the submit check; reviews chaired by top management)."""
    ia, reviews = f.assessments(), held_reviews(f)
    present = {
        "the AIMS scope (4.3)": not f.frame("aims_scope").empty,
        "the AI policy (5.2)": f.policy().policy is not None,
        "the risk criteria (6.1.2)": f.criteria_saved(),
        "the Statement of Applicability (6.1.3)": f.soa().current is not None,
        "AI objectives (6.2)": not f.objectives().empty,
        "impact assessment results (6.1.4, 8.4)": bool(not ia.empty and ia["counts"].any()),
        "the audit programme (9.2.2)": not f.frame("audit_programme").empty,
        "management review results (9.3.3)": bool(reviews["chair_executive"].any()),
    }
    done = [k for k, ok in present.items() if ok]
    todo = [f"record {k}" for k, ok in present.items() if not ok]
    return graded(done, todo, reason=f"{len(done):,} of {len(present):,} required documents exist",
                  evidence=done)


@rule("7.5.2", reads=("aims_scope", "ai_policy", "soa", "impact_assessment", *_SIGNOFF))
def creating_and_updating(f: Facts) -> Outcome:
    """Met when the documents that need approval (AIMS scope, AI policy in force, SoA,
    submitted impact assessments) are approved and not stale."""
    targets = [("aims_scope", str(i), f"the AIMS scope {i}") for i in f.frame("aims_scope")["id"]]
    pol = f.policy()
    if pol.record_id:
        targets.append(("ai_policy", pol.record_id, f"the AI policy {pol.record_id}"))
    if f.soa().current is not None:
        targets.append(("soa", f.soa().current.id, "the Statement of Applicability"))
    ia = f.assessments()
    targets += [("impact_assessment", str(i), f"impact assessment {i}") for i in
                ia.loc[ia["status"] == "submitted", "id"]] if not ia.empty else []
    if not targets:
        return missing("no document that needs approval exists yet", [
            "record the AIMS scope, AI policy and Statement of Applicability"])
    todo = [t for t in (approval_todo(f, k, i, w) for k, i, w in targets) if t]
    done = [f"{k} {i} (approved)" for k, i, _ in targets if f.state_of(k, i) == "approved"]
    return graded(done, todo, reason=f"{len(done):,} of {len(targets):,} documents needing "
                  "approval are approved", evidence=done)


@rule("7.5.3", reads=("evidence",))
def control_of_documented_information(f: Facts) -> Outcome:
    """Met when the store's hash chain verifies (every record versioned, none altered) and
    every evidence item carries a content hash."""
    report = f.verify()
    ev = f.evidence()
    unhashed = sorted(ev.loc[ev["content_hash"].fillna("") == "", "id"]) if not ev.empty \
        else []
    if report is None:
        todo = ["verify the store (workbench verify)"]
    elif not report.ok:
        return missing(f"the store failed verification: {report.first_problem}", [
            "investigate the integrity failure reported by workbench verify"])
    else:
        todo = []
    todo += [f"evidence {e}: record the SHA-256 of its content" for e in unhashed]
    evidence = [report.summary()] if report is not None and report.ok else []
    return graded(evidence or ["store"], todo, reason="records are versioned and "
                  "tamper-evident" if not todo else "some documented information cannot be "
                  "shown unchanged", evidence=evidence)
