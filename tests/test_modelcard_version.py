"""A model card shows the model version and the fingerprint of the same model: the version
the newest explanation evidence declares, never its predecessor's version next to a new
fingerprint."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression

import workbench as wb
from workbench.demo.explain import MODELS, SENSITIVE, demo_model
from workbench.explain import card as C

SYSTEM = "credit-scoring"
TARGET = MODELS[SYSTEM]["target"]


@pytest.fixture(scope="module")
def holdout():
    return demo_model(SYSTEM)[1]


def _retrained(holdout, c: float) -> LogisticRegression:
    """Another model of the same inputs (a new fingerprint for each ``c``)."""
    features = [col for col in holdout.columns if col not in (*SENSITIVE, TARGET)]
    return LogisticRegression(C=c, max_iter=2000).fit(holdout[features], holdout[TARGET])


def _explain(store, model, data, version: str | None) -> str:
    result = wb.explain.explain(model, data, target=TARGET, sensitive=SENSITIVE, n_repeats=2,
                                random_state=0, grid_resolution=5, pd_rows=100, shap=False,
                                model_version=version)
    return wb.explain.record_evidence(store, result, system_id=SYSTEM).record_id


def _sha(model) -> str:
    return wb.explain.model_fingerprint(model)["sha256"]


def test_a_new_model_shows_the_version_its_evidence_declares(demo_store, holdout):
    before = demo_store.get("model_card", f"mc-{SYSTEM}").record
    assert before.model_version == "2026.2"
    model = _retrained(holdout, 0.5)
    evidence_id = _explain(demo_store, model, holdout, "2026.3")
    card = C.fill(demo_store, SYSTEM)
    assert card.source("explanation").id == evidence_id
    assert (card.model_version, card.model_fingerprint) == ("2026.3", _sha(model))
    assert card.model_fingerprint != before.model_fingerprint
    annex = {item.id: item.content for item in card.annex_iv}
    assert "; version 2026.3. Deployed in " in annex["annex_iv.1"]
    # a version given when filling still wins
    assert C.fill(demo_store, SYSTEM, model_version="2026.3-rc1").model_version == "2026.3-rc1"


def test_a_version_is_kept_for_the_same_model_only(demo_store, holdout):
    model = _retrained(holdout, 0.5)
    _explain(demo_store, model, holdout, "2026.3")
    kept = C.refill(demo_store, SYSTEM)
    assert (kept.content["model_version"], kept.content["model_fingerprint"]) == (
        "2026.3", _sha(model))
    # the same model explained again on other rows, declaring no version: still 2026.3
    _explain(demo_store, model, holdout.iloc[:600].reset_index(drop=True), None)
    same = C.fill(demo_store, SYSTEM)
    assert (same.model_version, same.model_fingerprint) == ("2026.3", _sha(model))
    # a new model declaring no version: no version, rather than its predecessor's
    newer = _retrained(holdout, 0.05)
    _explain(demo_store, newer, holdout, None)
    card = C.fill(demo_store, SYSTEM)
    assert (card.model_version, card.model_fingerprint) == ("", _sha(newer))
    annex = {item.id: item.content for item in card.annex_iv}
    assert "; version not declared. Deployed in " in annex["annex_iv.1"]
