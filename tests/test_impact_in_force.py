"""A reassessment started but not submitted does not undo the assessment before it: the EU AI
Act tier, the portfolio and readiness read the assessment in force, and a draft performs no
assessment for clause 8.4."""

from __future__ import annotations

from actors import acting

import workbench as wb


def _start_reassessment(store, system_id: str):
    with acting("alice"):
        draft = wb.impact.new_assessment(store, system_id,
                                         assessment_id=f"ia-{system_id}-2026b",
                                         trigger="periodic")
        return wb.impact.save_assessment(store, draft)


def test_a_draft_reassessment_keeps_the_tier_of_the_submitted_one(demo_store):
    before = wb.impact.classify_system(demo_store, "credit-scoring")
    assert before.tier == "high_risk"
    _start_reassessment(demo_store, "credit-scoring")
    assert wb.impact.latest_assessment(demo_store, "credit-scoring").record_id == \
        "ia-credit-scoring-2026b"  # what the form opens to edit
    assert wb.impact.assessment_in_force(demo_store, "credit-scoring").record_id == \
        "ia-credit-scoring"
    assert wb.impact.classify_system(demo_store, "credit-scoring").tier == "high_risk"
    row = wb.impact.portfolio(demo_store).set_index("system_id").loc["credit-scoring"]
    assert (row["tier"], row["assessment_id"]) == ("high_risk", "ia-credit-scoring")


def test_8_4_is_not_met_by_drafts(demo_store):
    def row():
        return next(r for r in wb.readiness.assess(demo_store, only=["8.4"], verify=False)
                    .requirements.to_dict(orient="records") if r["id"] == "8.4")

    assert row()["status"] == "partial"
    for system_id in ("demand-forecast", "credit-scoring"):
        _start_reassessment(demo_store, system_id)
    after = row()
    assert after["status"] == "partial", after
    assert any(m.startswith("Orion demand forecast (demand-forecast): complete and submit "
                            "impact assessment ia-demand-forecast-2026b") or
               "ia-demand-forecast-2026b" in m for m in after["missing"]), after["missing"]
    assert any("ia-credit-scoring-2026b is not submitted yet" in m for m in after["missing"]), \
        after["missing"]
