"""Readiness counts only evidence of a kind the requirement accepts (catalog data).

The cases are the ones an auditor held against the demo store: evidence that proves nothing
about the requirement must not move it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from actors import acting

import workbench as wb
from workbench import catalog
from workbench.errors import ConfigurationError
from workbench.model import Evidence, EvidenceKind
from workbench.readiness.rules import EvidenceRule, all_rules, register_rule

KINDS = {k.value for k in EvidenceKind}


def test_catalog_evidence_kinds_are_the_models():
    assert set(catalog.EVIDENCE_KINDS) == KINDS


def test_every_rule_that_reads_evidence_names_valid_accepted_kinds():
    reading = [r for r in all_rules().values() if "evidence" in r.reads]
    assert len(reading) > 30
    for r in reading:
        assert r.accepts, f"{r.id} reads evidence but accepts no kind"
        assert set(r.accepts) <= KINDS, f"{r.id}: {set(r.accepts) - KINDS}"
        assert "other" not in r.accepts, r.id
        assert "Evidence accepted: " in r.description, r.id
        if isinstance(r.evaluate, EvidenceRule):
            assert set(r.evaluate.evidence_kinds) <= set(r.accepts), r.id
    for r in all_rules().values():
        if "evidence" not in r.reads:
            assert r.accepts == ()


def test_every_requirement_in_the_catalog_accepts_valid_kinds():
    for rid in [*catalog.clause_ids(), *catalog.control_ids()]:
        assert set(catalog.accepted_evidence(rid)) <= KINDS - {"other"}, rid
    assert catalog.accepted_evidence("A.6.2.4") == ("test_result", "metric", "fairness_metrics")
    assert catalog.accepted_evidence_text("A.6.2.4") == (
        "test results, performance metrics or fairness results")


def test_a_rule_cannot_count_a_kind_its_requirement_does_not_accept():
    data = EvidenceRule("A.6.2.4", "results", "in_scope", False, ("document",))
    with pytest.raises(ConfigurationError, match="does not accept"):
        register_rule("A.6.2.4", data, reads=["evidence", "ai_system"], replace=True)
    assert all_rules()["A.6.2.4"].evaluate.evidence_kinds == ()


def _canteen_menu(store, systems: list[str]) -> str:
    item = Evidence(
        id="ev-canteen-menu", title="Canteen menu for December", evidence_kind="other",
        collected_by="chloe", collected_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc),
        control_ids=["A.6.2.4"], system_ids=systems,
        uri="https://intranet.larkspur.example/canteen/december")
    with acting("chloe"):
        store.save(item, reason="evidence for A.6.2.4")
    return item.id


def test_canteen_menu_does_not_verify_and_validate_the_ai_systems(demo_store):
    """Auditor case: an evidence item of kind "other" titled "Canteen menu for December"
    moved A.6.2.4 from partial to met."""
    before = wb.readiness.assess(demo_store, only=["A.6.2.4"], verify=False)
    row = before.requirement("A.6.2.4")
    assert row["status"] == "partial"
    systems = sorted(v.record_id for v in demo_store.latest("ai_system"))
    _canteen_menu(demo_store, systems)
    after = wb.readiness.assess(demo_store, only=["A.6.2.4"], verify=False)
    now = after.requirement("A.6.2.4")
    assert now["status"] == "partial"
    assert "evidence ev-canteen-menu" not in now["evidence"]
    assert now["missing"] == row["missing"]
    assert ("ev-canteen-menu (other) is not accepted for A.6.2.4: it takes test results, "
            "performance metrics or fairness results") in now["refused"]
    assert "not accepted for A.6.2.4: " in now["reason"] and "ev-canteen-menu" in now["reason"]


def test_a_validation_plan_is_not_a_validation_result(demo_store):
    """The demo's clinical validation protocol (a document) is a plan, not results: it no
    longer covers the triage pilot for A.6.2.4."""
    row = wb.readiness.assess(demo_store, only=["A.6.2.4"], verify=False).requirement("A.6.2.4")
    assert any(m.startswith("Clinic triage assistant (clinical-triage): add evidence")
               for m in row["missing"]), row["missing"]
    assert any(r.startswith("ev-clinical-triage-15 (document) is not accepted")
               for r in row["refused"])


def test_accepted_evidence_still_counts(demo_store):
    systems = ["clinical-triage"]
    item = Evidence(
        id="ev-triage-validation", title="Pilot validation: sensitivity by urgency level",
        evidence_kind="test_result", collected_by="chloe",
        collected_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc),
        control_ids=["A.6.2.4"], system_ids=systems,
        uri="https://docs.larkspur.example/ai/clinical-triage/validation")
    with acting("chloe"):
        demo_store.save(item, reason="validation results")
    row = wb.readiness.assess(demo_store, only=["A.6.2.4"], verify=False).requirement("A.6.2.4")
    assert "evidence ev-triage-validation" in row["evidence"]
    assert not any(m.startswith("Clinic triage assistant") for m in row["missing"])


def test_readiness_show_and_catalog_show_name_the_accepted_kinds(demo_url, demo_store,
                                                               monkeypatch, capsys):
    from workbench.cli import main

    systems = sorted(v.record_id for v in demo_store.latest("ai_system"))
    _canteen_menu(demo_store, systems)
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    assert main(["readiness", "show", "A.6.2.4"]) == 0
    out = capsys.readouterr().out
    assert "accepts" in out and "test_result, metric, fairness_metrics" in out
    assert "not accepted" in out and "ev-canteen-menu (other) is not accepted" in out
    assert main(["catalog", "show", "A.6.2.4"]) == 0
    out = capsys.readouterr().out
    assert "test_result, metric, fairness_metrics (test results, performance metrics or" in out
    assert main(["catalog", "show", "7.2"]) == 0
    assert "training_record, document" in capsys.readouterr().out
