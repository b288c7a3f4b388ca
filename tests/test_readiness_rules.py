"""Readiness rules of clauses 4 to 10, each on a built-up store: missing, then partial, then
met as records are added, and back when an approval goes stale. Also the rule registry:
every requirement has exactly one rule, rules declare what they read, bad rules are refused.

The :class:`Org` builder and the ``org`` fixture are shared with the Annex A rule tests.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from actors import acting

import workbench as wb
from workbench.errors import ConfigurationError, NotFoundError
from workbench.model import AISystem, Evidence, Organization, Person
from workbench.readiness import rules as R

TODAY = dt.date.today()
HIGH_RISK = {"context.affects_individuals": "yes", "high_risk.annex_i_product": "no",
             "high_risk.annex_iii_use_cases": ["annex3.5.b"], "high_risk.derogation": "no",
             "high_risk.fraud_detection_only": "no", "high_risk.profiling": "yes",
             "gpai.provides_model": "no", **{f"prohibited.{q}": "no" for q in (
                 "manipulation", "exploits_vulnerabilities", "social_scoring",
                 "crime_prediction", "facial_scraping", "emotion_work_education",
                 "biometric_sensitive_categorisation", "realtime_biometric_identification")},
             **{f"transparency.{q}": "no" for q in (
                 "interacts_with_people", "synthetic_content",
                 "emotion_or_biometric_categorisation", "deepfake_or_public_text")}}
TRANSPARENCY = {**HIGH_RISK, "high_risk.annex_iii_use_cases": ["none"],
                "high_risk.profiling": "no", "transparency.interacts_with_people": "yes"}
#: Every required screening question answered: a minimal-tier system.
MINIMAL = {**TRANSPARENCY, "transparency.interacts_with_people": "no"}
_CONTEXT = {"context.vulnerable_groups": "no", "context.public_service": "no"}


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


class Org:
    """Builds up a small organization in a store: three AI systems, five people.

    ``alpha``: provided and deployed, in operation; ``beta``: deployed third-party LLM, in
    operation, its inventory entry incomplete; ``gamma``: provided, in validation. Records are
    saved by ``alex`` (an assessor who may also write as a governance lead), so chloe (the
    governance lead who approves), the owners and the executive may approve.
    """

    def __init__(self, store) -> None:
        self.store = store

    # -- generic --------------------------------------------------------------------------------
    def save(self, record, author: str = "alex"):
        with acting(author):
            return self.store.save(record)

    def edit(self, kind: str, record_id: str, author: str = "alex", **changes):
        current = self.store.get(kind, record_id)
        data = {**current.record.model_dump(), **changes}
        record = type(current.record).model_validate(data)
        with acting(author):
            return self.store.save(record, base_version=current.version)

    def approve(self, kind: str, record_id: str, *signers: tuple[str, str]) -> None:
        """Request sign-off (by alex) and approve as each ``(login, signer)``."""
        with acting("alex"):
            wb.oversight.request(self.store, kind, record_id)
        for login, role in signers:
            with acting(login):
                wb.oversight.decide(self.store, kind, record_id, "approve", role=role)

    def status(self, requirement: str) -> str:
        return self.row(requirement)["status"]

    def row(self, requirement: str) -> dict:
        verify = requirement == "7.5.3"
        return wb.readiness.assess(self.store, today=TODAY, only=[requirement],
                                   verify=verify).requirement(requirement)

    # -- records --------------------------------------------------------------------------------
    def evidence(self, eid: str, *, controls=(), clauses=(), systems=(),
                 kind: str = "document", expired: bool = False, hashed: bool = True,
                 details: dict | None = None):
        collected = dt.datetime.combine(day(-400 if expired else -10), dt.time(9),
                                        tzinfo=dt.timezone.utc)
        return self.save(Evidence(
            id=eid, title=f"Evidence {eid}", evidence_kind=kind, collected_by="alex",
            collected_at=collected, expires_at=day(-5) if expired else day(200),
            control_ids=list(controls), clause_ids=list(clauses), system_ids=list(systems),
            uri=f"https://docs.example/{eid}", content_hash=("a" * 64) if hashed else "",
            details=details or {}))

    def scope(self, **changes):
        data = {"id": "aims-scope", "organization": "acme", "statement": "All AI systems.",
                "external_issues": ["EU AI Act"], "internal_issues": ["one data team"],
                "interested_parties": [{"name": "Customers", "needs": "fairness",
                                        "addressed_by": "impact assessments"}], **changes}
        return self.save(wb.model.AIMSScope(**data))

    def policy(self, **changes):
        data = {"id": "ai-policy", "title": "AI policy", "owner": "chloe", "authors": ["alex"],
                "purpose": "Use AI well.", "commits_to_requirements": True,
                "commits_to_improvement": True, "effective_from": day(-100),
                "review_due": day(200), "communicated_on": day(-90),
                "communicated_to": ["all staff"],
                "related_policies": [{"name": "Privacy policy", "decision": "amended"}],
                **changes}
        return self.save(wb.readiness.AIPolicy(**data))

    def criteria(self) -> None:
        self.save(wb.risk.default_criteria(), author="chloe")  # only admins change criteria

    def risk(self, rid: str, system: str = "alpha", **changes):
        data = {"id": rid, "system_id": system, "title": f"Risk {rid}",
                "risk_source": "source.level_of_automation", "objective": "objective.fairness",
                "inherent_likelihood": 3, "inherent_consequence": 3, "treatment": "modify",
                "controls": ["A.6.2.4"], "residual_likelihood": 2, "residual_consequence": 2,
                "owner": "sam", "status": "assessed", "identified_on": day(-30),
                "next_review": day(100), **changes}
        with acting("alex"):
            return wb.risk.save_risk(self.store, data)

    def assessment(self, system: str, *, submitted: bool = True, answers: dict | None = None,
                   **changes):
        data = {"id": f"ia-{system}", "system_id": system, "assessor": "alex",
                "assessed_on": day(-20), "trigger": "new_system",
                "status": "submitted" if submitted else "draft", "scope": "the system",
                "system_description": "what it is", "purpose": "why",
                "intended_uses": ["its use"], "conclusion": "acceptable",
                "review_due": day(300), "answers": {**_CONTEXT, **(answers or MINIMAL)},
                "unintended_uses": ["a misuse"], "data": {"sources": ["crm"]},
                "model_info": {"model_type": "gbm", "limitations": "small data"},
                "interested_parties": [{"name": "Customers", "category": "affected_individual"},
                                       {"name": "Public", "category": "society"}],
                "benefits": [{"party": "Customers", "description": "faster answers",
                              "severity": "moderate", "likelihood": "likely",
                              "scale": "group"}],
                "harms": [{"id": "h1", "party": "Customers", "objective": "objective.fairness",
                           "description": "unfair outcome", "severity": "moderate",
                           "likelihood": "possible", "reversibility": "reversible",
                           "scale": "group"}],
                "measures": [{"id": "m1", "description": "a review", "harm_ids": ["h1"]}],
                **changes}
        return self.save(wb.impact.ImpactAssessment(**data))

    @staticmethod
    def assessment_parts() -> dict:
        """Interested parties (people and society) and a harm, for an assessment edit."""
        return {"interested_parties": [
            {"name": "Customers", "category": "affected_individual"},
            {"name": "Public", "category": "society"}],
            "harms": [{"id": "h1", "party": "Customers", "objective": "objective.fairness",
                       "description": "unfair", "severity": "moderate",
                       "likelihood": "possible", "reversibility": "reversible",
                       "scale": "group"}]}

    def soa(self, *, decided: bool = True, status: str = "submitted", **overrides):
        from workbench import catalog

        entries = []
        for cid in catalog.control_ids():
            entry = {"control_id": cid}
            if decided:
                entry.update(applicable=True, justification=f"needed: {cid}",
                             implementation="partial", owner="chloe")
            entry.update(overrides.get(cid, {}))
            entries.append(entry)
        return self.save(wb.readiness.StatementOfApplicability(
            id="soa", owner="chloe", status=status if decided else "draft", entries=entries))

    def soa_entries(self, overrides: dict | None = None) -> dict:
        """The fields of a complete, submitted SoA (every control included) for an edit."""
        from workbench import catalog

        entries = []
        for cid in catalog.control_ids():
            entry = {"control_id": cid, "applicable": True, "justification": f"needed: {cid}",
                     "implementation": "partial", "owner": "chloe"}
            entry.update((overrides or {}).get(cid, {}))
            entries.append(entry)
        return {"entries": entries, "status": "submitted"}

    def objective(self, oid: str = "obj-1", **changes):
        data = {"id": oid, "title": "An objective", "owner": "chloe", "due": day(100),
                "measure": "share", "target": "100%", "resources": "team",
                "evaluation": "monthly", **changes}
        return self.save(wb.readiness.AIObjective(**data))

    def programme(self, audits: list[dict] | None = None, **changes):
        default = [{"id": "a1", "title": "Clauses 4-6", "planned_on": day(-40),
                    "auditor": "hiro", "completed_on": day(-30), "results": "ok",
                    "reported_to": ["chloe"]}]
        data = {"id": "audit-programme", "title": "Audit programme", "owner": "hiro",
                "period_start": day(-100), "period_end": day(200), "frequency": "yearly",
                "audits": default if audits is None else audits, **changes}
        return self.save(wb.readiness.AuditProgramme(**data))

    def review(self, rid: str = "mr-1", **changes):
        from workbench.readiness import ReviewTopic

        data = {"id": rid, "title": "Management review", "held_on": day(-30),
                "chair": "elena", "attendees": ["chloe"],
                "inputs": [{"topic": t.value, "summary": "discussed"} for t in ReviewTopic],
                "decisions": [{"id": "d1", "description": "improve", "kind": "improvement",
                               "owner": "chloe", "due": day(-5), "done_on": day(-10)}],
                "next_review_due": day(300), **changes}
        return self.save(wb.readiness.ManagementReview(**data))

    def nonconformity(self, nid: str = "nc-1", **changes):
        data = {"id": nid, "title": "A finding", "description": "what went wrong",
                "raised_on": day(-20), "raised_by": "hiro", "source": "internal_audit",
                "correction": "contained", "root_cause": "no check",
                "corrective_actions": [{"description": "add the check", "owner": "chloe",
                                        "due": day(10)}], **changes}
        return self.save(wb.readiness.Nonconformity(**data))

    def person(self, login: str, **changes):
        return self.edit("person", login, author="chloe", **changes)  # an admin edits people


PEOPLE = [("chloe", ["admin", "governance_lead", "approver"]), ("elena", ["executive"]),
          ("sam", ["owner"]), ("dana", ["owner"]),
          ("alex", ["assessor", "contributor", "governance_lead"]),
          ("hiro", ["auditor"])]
SYSTEMS = [
    {"id": "alpha", "name": "Alpha scoring", "owner": "sam", "lifecycle_stage": "operate",
     "org_roles": ["provider", "deployer"], "data_categories": ["personal"],
     "deployment_context": "branch offices"},
    {"id": "beta", "name": "Beta assistant", "owner": "dana", "lifecycle_stage": "operate",
     "org_roles": ["deployer"], "third_party_components": ["Hosted LLM"]},
    {"id": "gamma", "name": "Gamma pilot", "owner": "sam", "lifecycle_stage": "validate",
     "org_roles": ["provider"], "data_categories": ["health"], "deployment_context": "lab"},
]


def build_base(store) -> Org:
    """The organization, its people and its three AI systems, in an empty store (chloe, an
    admin, creates herself, the others and the organization in its first save)."""
    with acting("chloe"):
        store.save_many([(Organization(id="acme", name="Acme"), None),
                         *((Person(id=i, name=i.title(), roles=r), None) for i, r in PEOPLE)])
    with acting("alex"):
        store.save_many([(AISystem(purpose="p", business_unit="Ops", technique="t",
                                   technique_family="classical_ml", automation_level="partial",
                                   oversight_mode="on_the_loop", **s), None) for s in SYSTEMS])
    return Org(store)


@pytest.fixture(scope="module")
def _org_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("readiness") / "base.db"
    with wb.open_store(f"sqlite:///{path}") as store:
        build_base(store)
    return path


@pytest.fixture
def org(_org_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of the organization; the test acts as alex unless it says otherwise."""
    monkeypatch.setenv("WORKBENCH_USER", "alex")
    target = tmp_path / "org.db"
    shutil.copyfile(_org_template, target)
    with wb.open_store(f"sqlite:///{target}", create=False) as store:
        yield Org(store)


# -- the registry ---------------------------------------------------------------------------------
def test_every_requirement_has_exactly_one_named_rule():
    assert R.check_rules() == []
    every = R.all_rules()
    kinds = R.requirement_ids()
    assert len(every) == len(kinds) == 70  # 32 leaf sub-clauses + 38 Annex A controls
    assert sum(1 for k in kinds.values() if k == "control") == 38
    assert list(every) == list(kinds)
    assert {"4.1", "6.1.4", "7.5.3", "9.2.2", "9.3.3", "10.2"} <= set(every)
    assert not {"4", "6.1", "9.2", "9.3"} & set(every)  # groups, judged by their sub-clauses
    for rule in every.values():
        assert rule.description and rule.reads and rule.name


def test_rules_declare_every_kind_they_read(demo_store):
    facts = wb.readiness.Facts(demo_store, verify=False)
    for rule in R.all_rules().values():
        facts.touched = set()
        rule.evaluate(facts)
        assert facts.touched <= set(rule.reads), (rule.id, facts.touched - set(rule.reads))


def test_a_rule_reading_an_unknown_record_kind_is_refused():
    def check(facts):
        return R.met("fine")

    with pytest.raises(ConfigurationError, match=r"readiness rule 5\.2 \(check\) reads unknown "
                       r"record kind 'ai_polcy'; known kinds: .*ai_policy"):
        R.register_rule("5.2", check, reads=("ai_polcy",), replace=True)
    with pytest.raises(ConfigurationError, match="unknown requirement '6.9'"):
        R.register_rule("6.9", check, reads=("ai_policy",))
    with pytest.raises(ConfigurationError, match="names no record kind it reads"):
        R.register_rule("5.2", check, reads=(), replace=True)
    with pytest.raises(ConfigurationError, match=r"5\.2 already has a rule \(ai_policy\)"):
        R.register_rule("5.2", check, reads=("ai_policy",))
    assert R.get_rule("5.2").name == "ai_policy"  # nothing was replaced
    with pytest.raises(NotFoundError, match="unknown requirement 'A.9.9'; did you mean A.9.4"):
        R.get_rule("A.9.9")


def test_outcome_refuses_an_unknown_status():
    with pytest.raises(ValueError, match="status 'done' is not one of met, partial"):
        R.Outcome("done", "x")


# -- clause 4 -------------------------------------------------------------------------------------
def test_4_1_context(org):
    assert org.status("4.1") == "missing"
    org.scope(internal_issues=[])
    row = org.row("4.1")
    assert row["status"] == "partial" and row["missing"] == [
        "list the internal issues in the AIMS scope"]
    org.edit("aims_scope", "aims-scope", internal_issues=["one team"])
    assert org.status("4.1") == "met"


def test_4_2_interested_parties(org):
    org.scope(interested_parties=[])
    assert org.status("4.2") == "missing"
    org.edit("aims_scope", "aims-scope", interested_parties=[{"name": "Regulators"}])
    row = org.row("4.2")
    assert row["status"] == "partial"
    assert "interested party Regulators: record its needs" in row["missing"]
    org.edit("aims_scope", "aims-scope", interested_parties=[
        {"name": "Regulators", "needs": "evidence", "addressed_by": "the register"}])
    assert org.status("4.2") == "met"


def test_4_3_scope_approved_and_stale(org):
    assert org.status("4.3") == "missing"
    org.scope()
    row = org.row("4.3")
    assert row["status"] == "partial" and "request sign-off of the AIMS scope" in row[
        "missing"][0]
    org.approve("aims_scope", "aims-scope", ("elena", "executive"))
    assert org.status("4.3") == "met"
    org.edit("aims_scope", "aims-scope", statement="Only EU AI systems.")
    row = org.row("4.3")
    assert row["status"] == "partial"
    assert "a stale approval does not count" in row["missing"][0]


def test_4_4_processes_ran_in_the_last_year(org):
    assert org.status("4.4") == "missing"
    org.review()
    row = org.row("4.4")
    assert row["status"] == "partial" and len(row["missing"]) == 3
    org.programme()
    org.criteria()
    org.risk("r1")
    org.assessment("alpha", submitted=False)
    assert org.status("4.4") == "partial"  # a draft assessment has not been carried out
    org.edit("impact_assessment", "ia-alpha", status="submitted")
    assert org.status("4.4") == "met"


# -- clause 5 -------------------------------------------------------------------------------------
def test_5_1_leadership(org):
    org.person("elena", active=False)
    row = org.row("5.1")
    assert row["status"] == "missing" and "executive role" in row["missing"][0]
    org.person("elena", active=True)
    assert org.status("5.1") == "partial"
    org.policy()
    org.approve("ai_policy", "ai-policy", ("elena", "executive"))
    org.review()
    assert org.status("5.1") == "met"


def test_5_2_ai_policy_approved_communicated_and_stale(org):
    assert org.status("5.2") == "missing"
    org.policy(communicated_on=None, communicated_to=[])
    row = org.row("5.2")
    assert row["status"] == "partial"
    assert ("the AI policy ai-policy: it does not record when and to whom it was communicated "
            "(communicated_on, communicated_to); the AI governance lead records it once the "
            "policy is communicated") in row["missing"]
    org.approve("ai_policy", "ai-policy", ("elena", "executive"))
    assert org.status("5.2") == "partial"  # approved, not communicated
    org.edit("ai_policy", "ai-policy", communicated_on=day(-1),
             communicated_to=["all staff"])
    assert org.status("5.2") == "partial"  # that edit made the approval stale
    org.approve("ai_policy", "ai-policy", ("elena", "executive"))
    assert org.status("5.2") == "met"


def test_5_3_roles(org):
    assert org.status("5.3") == "met"  # the template names a lead, an executive and owners
    org.person("alex", roles=["assessor", "contributor"])
    org.person("chloe", roles=["admin"])
    org.person("sam", roles=[])
    org.person("dana", roles=[])
    assert org.status("5.3") == "missing"
    org.person("chloe", roles=["admin", "governance_lead"])
    row = org.row("5.3")
    assert row["status"] == "partial"
    assert "Alpha scoring (alpha): its owner sam does not hold the owner role" in row["missing"]
    org.person("sam", roles=["owner"])
    org.person("dana", roles=["owner"])
    assert org.status("5.3") == "met"


# -- clause 6 -------------------------------------------------------------------------------------
def test_6_1_1_criteria_and_register(org):
    assert org.status("6.1.1") == "missing"
    org.criteria()
    assert org.status("6.1.1") == "partial"
    org.risk("r1")
    assert org.status("6.1.1") == "met"


def test_6_1_2_every_system_assessed(org):
    assert org.status("6.1.2") == "missing"
    org.criteria()
    org.risk("r1", "alpha")
    org.risk("r2", "beta", status="identified")
    row = org.row("6.1.2")
    assert row["status"] == "partial"
    assert "Beta assistant (beta): assess its AI risks (none assessed yet)" in row["missing"]
    org.risk("r3", "beta")
    org.risk("r4", "gamma")
    assert org.status("6.1.2") == "met"


def test_6_1_3_soa_approved_and_treatments(org):
    assert org.status("6.1.3") == "missing"
    org.soa(decided=False)
    row = org.row("6.1.3")
    assert row["status"] == "partial" and "decide and justify 38 controls" in row["missing"][0]
    org.edit("soa", "soa", **org.soa_entries())
    org.approve("soa", "soa", ("chloe", "governance_lead"), ("elena", "executive"))
    assert org.status("6.1.3") == "met"
    org.criteria()
    org.risk("r1", controls=["A.10.4"])
    org.edit("soa", "soa", **org.soa_entries({"A.10.4": {"applicable": False,
                                                        "implementation": None,
                                                        "justification": "no customers"}}))
    row = org.row("6.1.3")
    assert row["status"] == "partial"
    assert any("changed after version" in m for m in row["missing"])  # stale approval
    assert "A.10.4 treats risks r1 but the SoA excludes it" in row["missing"]



def test_6_1_3_risk_above_appetite_awaits_acceptance(org):
    org.soa()
    org.approve("soa", "soa", ("chloe", "governance_lead"), ("elena", "executive"))
    org.criteria()
    org.risk("r1", residual_likelihood=4, residual_consequence=4)
    row = org.row("6.1.3")
    assert row["status"] == "partial"
    assert "risk r1: residual level above the appetite awaits acceptance by sam" in row[
        "missing"]
    with acting("alex"):  # once requested, the gap names whom the request waits for
        wb.oversight.request(org.store, "risk", "r1")
    assert "risk r1: residual level above the appetite awaits sign-off by risk owner sam" in (
        org.row("6.1.3")["missing"])


def test_6_1_4_approved_current_impact_assessments(org):
    assert org.status("6.1.4") == "missing"
    for system in ("alpha", "beta"):
        org.assessment(system)
        org.approve("impact_assessment", f"ia-{system}", ("chloe", "governance_lead"))
    row = org.row("6.1.4")
    assert row["status"] == "partial" and row["missing"] == [("Gamma pilot (gamma): no "
                                                             "impact assessment")]
    org.assessment("gamma", review_due=day(10))
    org.approve("impact_assessment", "ia-gamma", ("chloe", "governance_lead"))
    assert org.status("6.1.4") == "met"
    org.edit("impact_assessment", "ia-beta", conclusion="acceptable with conditions")
    row = org.row("6.1.4")
    assert row["status"] == "partial"
    assert "Beta assistant (beta): impact assessment ia-beta changed after version 1" in row[
        "missing"][0]


def test_6_1_4_review_date_passed(org):
    org.assessment("alpha", assessed_on=day(-400), review_due=day(-35))
    org.approve("impact_assessment", "ia-alpha", ("chloe", "governance_lead"))
    row = org.row("6.1.4")
    assert f"Alpha scoring (alpha): impact assessment ia-alpha was due for review on " \
           f"{day(-35)}" in row["missing"]


def test_6_2_objectives(org):
    assert org.status("6.2") == "missing"
    org.objective(measure="", evaluation="")
    row = org.row("6.2")
    assert row["status"] == "partial"
    assert row["missing"] == ["objective obj-1: give its measure",
                              "objective obj-1: give its evaluation"]
    org.edit("ai_objective", "obj-1", measure="share", evaluation="monthly")
    assert org.status("6.2") == "met"
    org.edit("ai_objective", "obj-1", due=day(-1), status="at_risk")
    assert org.row("6.2")["missing"] == [f"objective obj-1 was due on {day(-1)} and is at_risk"]


def test_6_3_planning_of_changes(org):
    assert org.status("6.3") == "missing"
    org.review(decisions=[{"id": "c1", "description": "new gate", "kind": "change",
                           "owner": "chloe", "due": day(-3)}])
    row = org.row("6.3")
    assert row["status"] == "partial" and row["missing"] == [
        f"change c1 of review mr-1 was due on {day(-3)}"]
    org.edit("management_review", "mr-1", decisions=[
        {"id": "c1", "description": "new gate", "kind": "change", "owner": "chloe",
         "due": day(-3), "done_on": day(-4)}])
    assert org.status("6.3") == "met"


# -- clause 7 -------------------------------------------------------------------------------------
def test_7_1_resources(org):
    org.evidence("budget", clauses=["7.1"], expired=True)
    row = org.row("7.1")
    assert row["status"] == "missing" and row["expired"] == [f"budget (expired {day(-5)})"]
    org.review(decisions=[{"id": "r1", "description": "fund an analyst", "kind": "resources",
                           "owner": "elena", "due": day(30)}])
    assert org.status("7.1") == "met"


def test_7_2_competence_per_system_or_organization_wide(org):
    assert org.status("7.2") == "missing"
    org.evidence("training", kind="training_record", systems=["alpha"])
    row = org.row("7.2")
    assert row["status"] == "partial" and len(row["missing"]) == 2
    org.evidence("literacy", clauses=["7.2"])  # organization-wide
    assert org.status("7.2") == "met"


def test_7_3_awareness(org):
    assert org.status("7.3") == "missing"
    org.evidence("briefing", clauses=["7.3"])
    assert org.status("7.3") == "partial"
    org.policy()
    assert org.status("7.3") == "met"


def test_7_4_communication_expired_then_valid(org):
    assert org.status("7.4") == "missing"
    org.evidence("plan-2024", clauses=["7.4"], expired=True)
    row = org.row("7.4")
    assert row["status"] == "missing" and row["reason"] == "only expired evidence of 7.4"
    assert len(row["missing"]) == 1  # one item: add evidence, or renew the expired one
    assert row["missing"][0].endswith(f" (renew expired plan-2024 (expired {day(-5)}))")
    org.evidence("plan-2026", clauses=["7.4"])
    row = org.row("7.4")
    assert row["status"] == "met" and row["evidence"] == ["evidence plan-2026"]
    assert row["expired"] == [f"plan-2024 (expired {day(-5)})"]


def test_7_5_1_required_documents(org):
    assert org.status("7.5.1") == "missing"
    org.scope()
    org.policy()
    assert org.status("7.5.1") == "partial"
    org.criteria()
    org.soa()
    org.objective()
    org.assessment("alpha", submitted=False)
    org.programme()
    org.review()
    assert org.status("7.5.1") == "partial"  # a draft holds no assessment results
    org.edit("impact_assessment", "ia-alpha", status="submitted")
    assert org.status("7.5.1") == "met"


def test_7_5_2_documents_approved_before_use(org):
    assert org.status("7.5.2") == "missing"
    org.scope()
    org.policy()
    assert org.status("7.5.2") == "missing"  # nothing approved yet
    org.approve("aims_scope", "aims-scope", ("elena", "executive"))
    assert org.status("7.5.2") == "partial"
    org.approve("ai_policy", "ai-policy", ("elena", "executive"))
    assert org.status("7.5.2") == "met"
    org.edit("ai_policy", "ai-policy", purpose="Use AI very well.")
    assert org.status("7.5.2") == "partial"


def test_7_5_3_control_of_documented_information(org):
    import sqlalchemy as sa

    assert org.status("7.5.3") == "met"
    org.evidence("loose", hashed=False)
    row = org.row("7.5.3")
    assert row["status"] == "partial"
    assert row["missing"] == ["evidence loose: record the SHA-256 of its content"]
    with org.store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE record_versions SET content = replace(content, 'Alpha', "
                             "'Omega') WHERE record_id = 'alpha'"))
    row = org.row("7.5.3")
    assert row["status"] == "missing" and "failed verification" in row["reason"]


# -- clause 8 -------------------------------------------------------------------------------------
def test_8_1_operating_systems_went_live_as_planned(org):
    assert org.status("8.1") == "missing"
    org.criteria()
    for system in ("alpha", "beta"):
        org.risk(f"r-{system}", system)
        org.assessment(system)  # submitted: a draft is no impact assessment carried out
    org.approve("ai_system", "alpha", ("sam", "system_owner"), ("chloe", "governance_lead"))
    row = org.row("8.1")
    assert row["status"] == "partial"
    assert row["missing"] == [("Beta assistant (beta): request sign-off of its go-live "
                              "(workbench signoff request ai_system beta)")]
    org.approve("ai_system", "beta", ("dana", "system_owner"), ("chloe", "governance_lead"))
    assert org.status("8.1") == "met"
    org.edit("ai_system", "beta", deployment_context="call centre")
    assert org.status("8.1") == "partial"


def test_8_2_risks_reviewed_on_schedule(org):
    assert org.status("8.2") == "missing"
    org.criteria()
    org.risk("r1", identified_on=day(-200), next_review=day(-2))
    row = org.row("8.2")
    assert row["status"] == "partial" and row["missing"] == [
        f"risk r1: review was due on {day(-2)}"]
    org.edit("risk", "r1", next_review=day(90))
    assert org.status("8.2") == "met"


def test_8_3_treatment_actions_on_time(org):
    assert org.status("8.3") == "missing"
    org.criteria()
    org.risk("r1", actions=[{"description": "retrain", "owner": "alex", "due": day(-3)}])
    row = org.row("8.3")
    assert row["status"] == "partial" and row["missing"] == [
        "risk r1: 1 overdue treatment action"]
    org.edit("risk", "r1", actions=[{"description": "retrain", "owner": "alex",
                                     "due": day(-3), "done_on": day(-4)}])
    assert org.status("8.3") == "met"


def test_8_4_impact_assessments_within_their_interval(org):
    assert org.status("8.4") == "missing"
    org.assessment("alpha")
    org.assessment("beta", assessed_on=day(-400), review_due=day(-1))
    row = org.row("8.4")
    assert row["status"] == "partial"
    assert row["missing"] == [
        (f"Beta assistant (beta): reassess (impact assessment ia-beta was due for review on "
        f"{day(-1)})"), "Gamma pilot (gamma): no impact assessment"]
    org.edit("impact_assessment", "ia-beta", assessed_on=day(-5), review_due=day(360))
    org.assessment("gamma", submitted=False)  # a draft performs no assessment
    row = org.row("8.4")
    assert row["status"] == "partial" and row["missing"] == [
        "Gamma pilot (gamma): complete and submit impact assessment ia-gamma"]
    org.edit("impact_assessment", "ia-gamma", status="submitted")
    assert org.status("8.4") == "met"


# -- clause 9 -------------------------------------------------------------------------------------
def _monitoring_plan(org, system: str):
    from monitoring_data import plan_data

    data = plan_data(id=f"mp-{system}", system_id=system, reviewer="sam",
                     on_breach=["notify"])
    return org.save(wb.monitoring.MonitoringPlan(**data))


def test_9_1_monitoring_runs_on_the_plans_schedule(org):
    from monitoring_data import sample

    assert org.status("9.1") == "missing"
    org.evidence("pack", kind="metric", clauses=["9.1"], systems=["alpha"])
    org.evidence("report", kind="report", controls=["A.6.2.6"], systems=["beta"])
    row = org.row("9.1")
    assert row["status"] == "missing"  # evidence and reports are not measurements
    assert row["missing"] == [
        f"{name} ({sid}): add a monitoring plan and record its runs (`workbench monitor plan "
        f"{sid} --set FILE`, then `workbench monitor run`)"
        for sid, name in (("alpha", "Alpha scoring"), ("beta", "Beta assistant"))]
    for system in ("alpha", "beta"):
        _monitoring_plan(org, system)
    with acting("alex"):
        ran = wb.monitoring.run(org.store, "alpha", current=sample(seed=1),
                                reference=sample(seed=2))
    row = org.row("9.1")
    assert row["status"] == "partial"
    assert row["evidence"] == [f"monitoring_run of alpha on {ran.run.run_at.date()} (ok)"]
    with acting("alex"):
        wb.monitoring.run(org.store, "beta", current=sample(seed=1), reference=sample(seed=2))
    assert org.status("9.1") == "met"
    later = wb.readiness.assess(org.store, today=TODAY + dt.timedelta(days=21), only=["9.1"],
                                verify=False).requirement("9.1")
    assert later["status"] == "missing"
    assert later["missing"][0] == (f"Alpha scoring (alpha): monitoring is overdue (every 7 "
                                   f"days; the last run was on {ran.run.run_at.date()})")


def test_9_2_1_internal_audit_in_the_last_year(org):
    assert org.row("9.2.1")["reason"] == "no internal audit programme"
    org.programme(audits=[{"id": "a1", "title": "Planned", "planned_on": day(30),
                           "auditor": "hiro"}])
    row = org.row("9.2.1")
    assert row["status"] == "missing" and "no internal audit completed" in row["reason"]
    org.edit("audit_programme", "audit-programme", audits=[
        {"id": "a1", "title": "Done", "planned_on": day(-30), "auditor": "hiro",
         "completed_on": day(-25), "results": "two findings", "clause_ids": ["4.1", "5.2"],
         "control_ids": ["A.2.2"]},
        {"id": "a2", "title": "Planned", "planned_on": day(30), "auditor": "hiro",
         "clause_ids": ["6.1.2"]}])
    row = org.row("9.2.1")  # completed audits cover only part of the management system
    assert row["status"] == "partial"
    assert row["reason"] == ("1 internal audit completed in the last 12 months cover 3 of 16 "
                             "clauses and Annex A objectives")
    assert row["missing"] == [
        f"audit clauses 6 (audit a2 planned for {day(30)}), 7, 8, 9, 10: not covered by an "
        "audit completed in the last 12 months",
        "audit Annex A objectives A.3, A.4, A.5, A.6, A.7, A.8, A.9, A.10: not covered by "
        "an audit completed in the last 12 months"]
    from workbench import catalog

    org.edit("audit_programme", "audit-programme", audits=[
        {"id": "a1", "title": "Done", "planned_on": day(-30), "auditor": "hiro",
         "completed_on": day(-25), "results": "two findings",
         "clause_ids": list(catalog.clause_ids()), "control_ids": list(catalog.control_ids())}])
    assert org.status("9.2.1") == "met"


def test_9_2_2_audit_programme(org):
    assert org.status("9.2.2") == "missing"
    org.programme(audits=[{"id": "a1", "title": "Done", "planned_on": day(-30),
                           "auditor": "alex", "completed_on": day(-25), "results": "fine"}])
    row = org.row("9.2.2")
    assert row["status"] == "partial"
    assert row["missing"] == [
        "audit audit-programme/a1: auditor alex does not hold the auditor role (impartiality)",
        "audit audit-programme/a1: report its results to management (reported_to)"]
    org.edit("audit_programme", "audit-programme", audits=[
        {"id": "a1", "title": "Done", "planned_on": day(-30), "auditor": "hiro",
         "completed_on": day(-25), "results": "fine", "reported_to": ["elena"]}])
    assert org.status("9.2.2") == "met"
    org.edit("audit_programme", "audit-programme", period_start=day(-500), period_end=day(-1))
    assert org.status("9.2.2") == "missing"  # the programme ended: nothing current


def test_9_3_1_management_review_at_planned_intervals(org):
    assert org.status("9.3.1") == "missing"
    org.review(held_on=day(-400), next_review_due=day(-35))
    row = org.row("9.3.1")
    assert row["status"] == "partial" and row["missing"] == [
        f"hold a management review (the last was on {day(-400)})"]
    org.review("mr-2", held_on=day(-10), next_review_due=day(355))
    assert org.status("9.3.1") == "met"


def test_9_3_2_inputs_considered(org):
    assert org.status("9.3.2") == "missing"
    org.review(inputs=[{"topic": "audit_results", "summary": "one audit"}])
    row = org.row("9.3.2")
    assert row["status"] == "partial" and len(row["missing"]) == 6
    assert "review mr-1 did not consider changes in external and internal issues" in row[
        "missing"]
    org.edit("management_review", "mr-1", inputs=[
        {"topic": t.value, "summary": "done"} for t in wb.readiness.ReviewTopic])
    assert org.status("9.3.2") == "met"


def test_9_3_3_review_results(org):
    assert org.status("9.3.3") == "missing"
    org.review(decisions=[])
    assert org.status("9.3.3") == "partial"
    org.edit("management_review", "mr-1", decisions=[
        {"id": "d1", "description": "x", "kind": "improvement", "owner": "chloe",
         "due": day(10)}])
    assert org.status("9.3.3") == "met"


# -- clause 10 ------------------------------------------------------------------------------------
def test_10_1_continual_improvement(org):
    assert org.status("10.1") == "missing"
    org.review(decisions=[{"id": "d1", "description": "x", "kind": "improvement",
                           "owner": "chloe", "due": day(-2)}])
    row = org.row("10.1")
    assert row["status"] == "partial"
    assert f"improvement mr-1/d1 was due on {day(-2)}" in row["missing"]
    org.edit("management_review", "mr-1", decisions=[
        {"id": "d1", "description": "x", "kind": "improvement", "owner": "chloe",
         "due": day(-2), "done_on": day(-1)}])
    assert org.status("10.1") == "met"


def test_10_2_nonconformity_and_corrective_action(org):
    assert org.status("10.2") == "missing"
    org.nonconformity(root_cause="", corrective_actions=[])
    row = org.row("10.2")
    assert row["status"] == "partial"
    assert row["missing"] == ["nonconformity nc-1: determine its root cause",
                              "nonconformity nc-1: plan corrective actions"]
    org.edit("nonconformity", "nc-1", root_cause="no check", corrective_actions=[
        {"description": "add it", "owner": "chloe", "due": day(5)}])
    assert org.status("10.2") == "met"


def test_10_2_no_nonconformity_after_an_audit_is_met(org):
    org.programme()
    row = org.row("10.2")
    assert row["status"] == "met" and "raised none" in row["reason"]
