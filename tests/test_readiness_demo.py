"""Readiness of the demo organization: every gap named with its reason, and adding the missing
record moves the figure."""

from __future__ import annotations

import datetime as dt

from actors import acting

import workbench as wb
from workbench.model import Evidence

TODAY = dt.date.today()


def _percent(result: wb.readiness.Readiness, group: str) -> float:
    return float(result.by_clause.set_index("group").at[group, "percent"])


def test_demo_readiness_names_every_gap_with_its_reason(demo_store):
    result = wb.readiness.assess(demo_store)
    counts = result.counts()
    assert counts["met"] >= 20 and counts["partial"] >= 20 and counts["missing"] >= 5
    assert 40 < result.overall < 80
    open_ = result.requirements[result.requirements["status"].isin(["partial", "missing"])]
    for row in open_.itertuples():
        gaps = result.gaps[result.gaps["requirement"] == row.id]
        assert len(gaps) == len(row.missing) > 0, row.id
        assert (gaps["reason"] == row.reason).all() and row.reason
        assert (gaps["item"].str.len() > 10).all()
    req = result.requirements.set_index("id")
    assert req.at["5.2", "status"] == "met"  # the policy approved by the CEO
    # the review was recorded with every input from the pack (wb.review.record)
    assert req.at["9.3.2", "status"] == "met"
    assert req.at["9.3.2", "reason"] == "review mr-1 considered 7 of 7 required inputs"
    assert "objective obj-trained-users: give its evaluation" in req.at["6.2", "missing"]
    # expired evidence stops counting and shows as expired
    assert any(e.startswith("ev-cv-screening-02 (expired ") for e in req.at["A.6.2.4",
                                                                            "expired"])
    assert req.at["A.3.3", "reason"] == "only expired evidence of A.3.3"
    # the SoA awaits top management, so its exclusion of A.10.4 does not count yet
    assert result.soa_state == "pending"
    assert req.at["A.10.4", "soa_applicable"] == "no"
    assert "does not count until approved" in req.at["A.10.4", "reason"]


def test_adding_the_missing_record_moves_the_figure(demo_store):
    before = wb.readiness.assess(demo_store)
    assert before.requirement("7.4")["status"] == "missing"
    with acting("chloe"):
        demo_store.save(Evidence(
            id="ev-communication-plan", title="AI communication plan", evidence_kind="document",
            collected_by="chloe", collected_at=dt.datetime.now(dt.timezone.utc),
            expires_at=TODAY + dt.timedelta(days=365), clause_ids=["7.4"],
            uri="https://docs.larkspur.example/ai/communication-plan", content_hash="c" * 64))
    after = wb.readiness.assess(demo_store)
    assert after.requirement("7.4")["status"] == "met"
    assert after.overall > before.overall
    assert _percent(after, "7") > _percent(before, "7")
    bars = {g: x for g, x in zip(wb.readiness.readiness_figure(after).data[0].customdata,
                                 wb.readiness.readiness_figure(after).data[0].x, strict=True)}
    assert bars["7"] == _percent(after, "7")
    assert len(after.gaps) == len(before.gaps) - 1

    # top management approves the AIMS scope and the Statement of Applicability
    with acting("elena"):
        wb.oversight.decide(demo_store, "aims_scope", "aims-scope", "approve")
    with acting("dev"):
        wb.oversight.decide(demo_store, "soa", "soa", "approve")
    approved = wb.readiness.assess(demo_store)
    assert approved.requirement("4.3")["status"] == "met"
    assert approved.requirement("A.10.4")["status"] == "not_applicable"
    assert approved.soa_state == "approved"
    assert approved.overall > after.overall

    # a stale approval drops the requirement back
    policy = demo_store.get("ai_policy", "ai-policy")
    with acting("chloe"):
        demo_store.save(policy.record.model_copy(update={"version_label": "1.1"}),
                        base_version=policy.version)
    stale = wb.readiness.assess(demo_store)
    assert stale.requirement("5.2")["status"] == "partial"
    assert stale.requirement("A.2.2")["status"] == "partial"
    assert stale.overall < approved.overall


def test_demo_frameworks_and_soa(demo_store):
    result = wb.readiness.assess(demo_store, verify=False)
    nist = wb.readiness.nist_by_function(wb.readiness.nist_coverage(result))
    assert list(nist["function"]) == ["GOVERN", "MAP", "MEASURE", "MANAGE"]
    obligations = wb.readiness.eu_obligations(demo_store, result=result)
    assert set(obligations["system_id"]) == {"credit-scoring", "cv-screening"}
    credit = obligations[obligations["system_id"] == "credit-scoring"].set_index("article")
    assert credit.at["art11", "status"] == "met"  # technical documentation is evidenced
    table = wb.readiness.soa_table(demo_store)
    info = table.attrs["soa"]
    assert info["banner"] == "NOT APPROVED: version 1 awaits sign-off by executive."
    assert (table["justification"].str.len() > 0).all()
    excluded = table[table["applicable"] == "no"]
    assert list(excluded["control_id"]) == ["A.10.4"]
    vv = table.set_index("control_id").loc["A.6.2.4"]
    assert vv["justification"].startswith("Selected to treat ") and len(vv["risks"]) >= 5
