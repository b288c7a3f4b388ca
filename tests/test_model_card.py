"""Model cards on the demo store: filled from the records, stale when a source changes (and
saying what changed), submitted, signed off by the system owner and the AI governance lead,
and read by readiness (A.6.2.7, A.8.2, Art. 13)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from actors import acting
from sklearn.inspection import permutation_importance

import workbench as wb
from workbench.demo.explain import MODELS, SENSITIVE, demo_model
from workbench.errors import PermissionDeniedError, ValidationError
from workbench.explain import card as C


def _edit_system(store, system_id: str, **changes):
    current = store.get("ai_system", system_id)
    return store.save(current.record.model_copy(update=changes),
                      base_version=current.version, reason="edited in a test")


def _a62_7(store) -> dict:
    return wb.readiness.assess(store, only=["A.6.2.7"], verify=False).requirement("A.6.2.7")


def test_demo_cards_and_their_state(demo_store):
    credit = C.card_state(demo_store, "credit-scoring")
    assert (credit.status, credit.signoff_state, credit.stale, credit.current) == (
        "submitted", "approved", False, True)
    assert sorted(credit.signoff.approved_by) == ["chloe", "grace"]
    roles = [s.role for s in credit.card.sources]
    assert roles == ["organization", "ai_system", "owner", "impact_assessment", "explanation",
                     "fairness", "logging"]
    cv = C.card_state(demo_store, "cv-screening")
    assert (cv.signoff_state, cv.stale, cv.current) == ("approved", True, False)
    newer = wb.explain.latest_explanation(demo_store, "cv-screening").record_id
    filled_from = cv.card.source("explanation").id
    assert newer != filled_from
    assert [c.text() for c in cv.changes] == [
        f"newer explanation evidence {newer} (filled from {filled_from})"]
    assert C.card_state(demo_store, "card-fraud").stored is None


def test_demo_explanations_are_computed_from_the_trained_models(demo_store):
    """Nothing hard-coded: scikit-learn on the same model and rows gives the recorded figures."""
    for system_id, spec in MODELS.items():
        model, holdout = demo_model(system_id)
        ref = C.card_state(demo_store, system_id).card.source("explanation")
        details = demo_store.get("evidence", ref.id, ref.version).content["details"]
        features = details["features"]
        direct = permutation_importance(model, holdout[features], holdout[spec["target"]],
                                        n_repeats=5, random_state=0)
        recorded = {r["feature"]: r["importance_mean"] for r in details["importance"]}
        np.testing.assert_allclose([recorded[f] for f in features], direct.importances_mean)
        assert details["sample_size"] == len(holdout) == 1000
        assert details["model"]["sha256"] == wb.explain.model_fingerprint(model)["sha256"]
        assert details["data_fingerprint"] == wb.explain.data_fingerprint(
            holdout[[*features, spec["target"], *SENSITIVE]])


def test_editing_a_source_makes_the_card_stale_and_says_what_changed(demo_store):
    before = demo_store.get("ai_system", "credit-scoring").version
    _edit_system(demo_store, "credit-scoring", deployment_context="Online applications only")
    state = C.card_state(demo_store, "credit-scoring")
    assert state.stale and state.signoff_state == "approved"  # the card's content is unchanged
    assert [c.text() for c in state.changes] == [
        f"AI system credit-scoring changed (version {before} -> {before + 1}): "
        "deployment_context"]
    row = _a62_7(demo_store)
    assert ("ClearCredit consumer credit scoring (credit-scoring): model card mc-credit-scoring "
            f"is stale (AI system credit-scoring changed (version {before} -> {before + 1})): "
            "refill it, submit it and have it approved again") in row["missing"]
    panel = wb.portfolio.build_panels(wb.portfolio.load(demo_store),
                                      ["workbench.portfolio.system_panels:model_card_panel"],
                                      "credit-scoring")[0]
    assert ">sources changed<" in panel.html and "deployment_context" in panel.html


def test_refill_submit_and_sign_off(demo_store, monkeypatch):
    _edit_system(demo_store, "credit-scoring", deployment_context="Online applications only")
    monkeypatch.setenv("WORKBENCH_USER", "ravi")  # the data team keeps the card
    old = demo_store.get("model_card", "mc-credit-scoring")
    saved = C.refill(demo_store, "credit-scoring")
    assert saved.version == old.version + 1 and saved.content["status"] == "draft"
    assert saved.content["human_oversight"] == old.content["human_oversight"]  # written: kept
    assert "Online applications only" in saved.content["oversight"]  # filled: refreshed
    assert not C.card_state(demo_store, "credit-scoring").stale
    assert C.refill(demo_store, "credit-scoring").version == saved.version  # nothing changed
    submitted = C.submit(demo_store, "credit-scoring")
    assert submitted.content["status"] == "submitted"
    # The policy: the system owner (grace) and the AI governance lead (chloe).
    with acting("ravi"):
        request = wb.oversight.request(demo_store, "model_card", "mc-credit-scoring")
    assert request.rule == "model-card"
    assert [(s.signer, s.person or s.role) for s in request.required] == [
        ("system_owner", "grace"), ("governance_lead", "governance_lead")]
    with pytest.raises(PermissionDeniedError), acting("ravi"):  # he wrote it
        wb.oversight.decide(demo_store, "model_card", "mc-credit-scoring", "approve")
    with acting("grace"):
        wb.oversight.decide(demo_store, "model_card", "mc-credit-scoring", "approve",
                            role="system_owner")
    assert ("ClearCredit consumer credit scoring (credit-scoring): sign-off of model card "
            "mc-credit-scoring is pending with AI governance lead") in \
        _a62_7(demo_store)["missing"]
    with acting("chloe"):
        wb.oversight.decide(demo_store, "model_card", "mc-credit-scoring", "approve",
                            role="governance_lead")
    state = C.card_state(demo_store, "credit-scoring")
    assert state.current and state.signoff.approved_version == submitted.version
    row = _a62_7(demo_store)
    assert f"model_card mc-credit-scoring v{submitted.version} (approved, explanation " \
        f"{state.card.source('explanation').id})" in row["evidence"]
    assert not any("credit-scoring" in item for item in row["missing"])


def test_a_stale_card_can_be_neither_submitted_nor_signed_off(demo_store):
    C.write(demo_store, "credit-scoring", {"maintenance": "Monthly monitoring and retraining."})
    C.submit(demo_store, "credit-scoring")
    _edit_system(demo_store, "credit-scoring", deployment_context="Branches only")
    with pytest.raises(ValidationError) as caught:
        with acting("ravi"):
            wb.oversight.request(demo_store, "model_card", "mc-credit-scoring")
    assert str(caught.value).startswith(
        "cannot request sign-off of model card 'mc-credit-scoring': a stale model card cannot "
        "be signed off (the records it was filled from changed); refill it and submit it "
        "again (workbench modelcard fill) (stale is True)")
    C.write(demo_store, "credit-scoring", {"maintenance": "Quarterly."})
    head = demo_store.head()
    with pytest.raises(ValidationError) as caught:
        C.submit(demo_store, "credit-scoring")
    assert str(caught.value).startswith("cannot submit the model card of credit-scoring: it "
                                        "is stale (AI system credit-scoring changed")
    assert demo_store.head() == head


def test_a_new_card_lists_what_is_still_to_write(demo_store):
    saved = C.refill(demo_store, "card-fraud")
    card = saved.record
    assert card.provider.name == "Larkspur Group N.V."
    assert card.monitoring.startswith("Monthly monitoring pack: precision, recall, alert "
                                      "volumes (evidence ev-card-fraud-11, collected ")
    assert card.source("monitoring").id == "ev-card-fraud-11"
    with pytest.raises(ValidationError) as caught:
        C.submit(demo_store, "card-fraud")
    # known limitations are filled from the impact assessment (its failure modes, data gaps)
    ia = demo_store.get("impact_assessment", "ia-card-fraud").record
    assert card.known_limitations and all(
        any(part in text for part in [*ia.failure_modes, str(ia.data.gaps or "")] if part)
        for text in card.known_limitations), card.known_limitations
    assert str(caught.value) == (
        "cannot submit the model card of card-fraud: 8 required item(s) empty: "
        "accuracy_metrics, accuracy_statement, interpretation, "
        "input_features, "
        "human_oversight, expected_lifetime, maintenance, logging; write them "
        "(ModelCardEditor) or keep it as a draft")
    with pytest.raises(ValidationError, match="^cannot request sign-off of model card "
                       "'mc-card-fraud': only a submitted model card can be signed off"):
        with acting("ravi"):
            wb.oversight.request(demo_store, "model_card", "mc-card-fraud")


def test_only_written_fields_are_written(demo_store):
    with pytest.raises(ValidationError) as caught:
        C.write(demo_store, "credit-scoring", {"intended_purpose": "anything"})
    assert str(caught.value).startswith("intended_purpose: not a written field of a model card")
    with pytest.raises(wb.errors.NotFoundError, match="^card-fraud has no model card yet: "
                       "fill it first"):
        C.write(demo_store, "card-fraud", {"logging": "x"})


def test_expired_explanation_evidence_makes_the_card_stale(demo_store):
    ref = C.card_state(demo_store, "credit-scoring").card.source("explanation")
    expires = dt.date.fromisoformat(demo_store.get("evidence", ref.id).content["expires_at"])
    state = C.card_state(demo_store, "credit-scoring", today=expires + dt.timedelta(days=1))
    assert [c.text() for c in state.changes if c.role == "explanation"] == [
        f"explanation evidence {ref.id} no longer counts (expired or unlinked)"]


def test_art13_reads_the_card(demo_store):
    result = wb.readiness.assess(demo_store, verify=False)
    eu = wb.readiness.eu_obligations(demo_store, result=result).set_index(
        ["system_id", "article"])
    credit = eu.loc[("credit-scoring", "art13")]
    assert "model_card mc-credit-scoring (approved)" in credit["records"]
    assert not any("model card" in m for m in credit["missing"])
    cv = eu.loc[("cv-screening", "art13")]
    assert "model_card mc-cv-screening (approved, stale)" in cv["records"]
    assert any(m.startswith("model card mc-cv-screening is stale (newer explanation evidence")
               for m in cv["missing"])
    assert cv["status"] != "met"


def test_model_card_html_escapes_and_follows_the_sections(demo_store):
    C.write(demo_store, "credit-scoring", {"logging": "<script>alert(1)</script>"})
    state = C.card_state(demo_store, "credit-scoring")
    html = wb.explain.card_html(state.card, state)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    order = [html.index(f'data-section="{s.id}"') for s in
             wb.explain.sections().instructions_for_use]
    assert order == sorted(order)
    assert "Annex IV(9) Post-market monitoring" in html


def test_a8_2_reads_the_card_and_its_explanation(demo_store):
    def row() -> dict:
        return wb.readiness.assess(demo_store, only=["A.8.2"], verify=False).requirement("A.8.2")

    first = row()
    assert any(e.startswith("model_card mc-credit-scoring v2 (approved, explanation "
                            "explain-credit-scoring-") for e in first["evidence"])
    cv = [m for m in first["missing"] if "(cv-screening)" in m]
    assert len(cv) == 1 and cv[0].startswith("TalentMatch CV screening (cv-screening): model "
                                             "card mc-cv-screening is stale (newer "
                                             "explanation evidence explain-cv-screening-")
    C.refill(demo_store, "card-fraud")  # a card without explanation evidence, as a draft
    fraud = [m for m in row()["missing"] if "(card-fraud)" in m]
    assert fraud == [
        "Sentinel card-fraud detection (card-fraud): model card mc-card-fraud rests on no "
        "explanation evidence: record one (workbench explain run) and refill the card",
        "Sentinel card-fraud detection (card-fraud): submit model card mc-card-fraud "
        "(workbench modelcard submit) and request its sign-off"]
