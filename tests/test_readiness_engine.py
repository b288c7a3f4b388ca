"""The readiness engine: percentages, groups, gaps, the Statement of Applicability applied to
the controls, the figure, escaping, and a query count that does not grow with the records."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from actors import acting
from test_readiness_rules import Org, _org_template, day, org

import workbench as wb
from workbench.errors import NotFoundError, ValidationError, WorkbenchError
from workbench.readiness import rules as R

__all__ = ["_org_template", "org"]

XSS = "<img src=x onerror=alert(1)>"


def test_percentages_count_met_partial_missing_and_leave_out_not_applicable(org: Org):
    org.scope(internal_issues=[])  # 4.1 partial, 4.2 met, 4.3 partial, 4.4 missing
    result = wb.readiness.assess(org.store, only=["4", "A.8"], verify=False)
    req = result.requirements.set_index("id")
    assert list(req.loc[["4.1", "4.2", "4.3", "4.4"], "status"]) == [
        "partial", "met", "partial", "missing"]
    by = result.by_clause.set_index("group")
    assert by.loc["4", ["met", "partial", "missing", "counted"]].tolist() == [1, 2, 1, 4]
    assert by.loc["4", "percent"] == pytest.approx((1 + 0.5 + 0.5 + 0) / 4 * 100)
    # A.8.5 is not applicable (no system with EU transparency duties): left out
    assert req.loc["A.8.5", "status"] == "not_applicable" and math.isnan(req.loc["A.8.5",
                                                                                  "score"])
    assert by.loc["A.8", ["not_applicable", "counted"]].tolist() == [1, 3]
    counted = result.requirements["score"].dropna()
    assert result.overall == pytest.approx(counted.mean() * 100)
    assert result.totals["clauses 4-10"] == pytest.approx(50.0)
    assert list(by.index) == ["4", "A.8"] and by.loc["A.8", "kind"] == "annex_a"
    assert by.loc["4", "title"] == "Context of the organization"


def test_gaps_name_every_missing_item_with_its_reason(org: Org):
    org.scope(internal_issues=[])
    result = wb.readiness.assess(org.store, only=["4"], verify=False)
    gaps = result.gaps
    open_ = result.requirements[result.requirements["status"].isin(["missing", "partial"])]
    assert set(gaps["requirement"]) == set(open_["id"])
    assert len(gaps) == sum(len(m) for m in open_["missing"])
    assert (gaps["item"].str.len() > 0).all() and (gaps["reason"].str.len() > 0).all()
    first = gaps[gaps["requirement"] == "4.1"].iloc[0]
    assert first["item"] == "list the internal issues in the AIMS scope"
    assert first["reason"] == "the AIMS scope lacks issues" and first["status"] == "partial"
    todo = wb.readiness.gap_table(result)
    assert todo["status"].iloc[0] == "missing"  # missing first


def test_an_soa_exclusion_counts_only_once_approved_and_not_when_stale(org: Org):
    excluded = {"A.10.4": {"applicable": False, "implementation": None,
                           "justification": "We provide no AI system to customers."}}
    org.soa(**excluded)
    row = org.row("A.10.4")
    assert row["status"] == "missing" and row["soa_applicable"] == "no"
    assert "the exclusion does not count until approved" in row["reason"]
    before = wb.readiness.assess(org.store, verify=False).overall
    org.approve("soa", "soa", ("chloe", "governance_lead"), ("elena", "executive"))
    row = org.row("A.10.4")
    assert row["status"] == "not_applicable"
    assert row["reason"] == ("excluded in the approved Statement of Applicability: We provide "
                             "no AI system to customers.")
    assert wb.readiness.assess(org.store, verify=False).overall != before
    org.edit("soa", "soa", notes="reviewed")
    row = org.row("A.10.4")
    assert row["status"] == "missing" and "which is stale" in row["reason"]


def test_an_soa_claim_of_implemented_that_no_record_shows_is_named(org: Org):
    org.soa(**{"A.8.4": {"implementation": "implemented"}})
    row = org.row("A.8.4")
    assert row["status"] == "missing" and row["soa_implementation"] == "implemented"
    assert row["reason"].endswith("(the SoA says implemented, but no record shows it)")


def test_only_names_clauses_objectives_or_requirements(org: Org):
    result = wb.readiness.assess(org.store, only=["9.2", "A.7.4"], verify=False)
    assert list(result.requirements["id"]) == ["9.2.1", "9.2.2", "A.7.4"]
    with pytest.raises(NotFoundError, match="unknown requirement '6.9'"):
        wb.readiness.assess(org.store, only=["6.9"])
    one = wb.readiness.assess(org.store, only="9.2", today=str(day(-3)), verify=False)
    assert list(one.requirements["id"]) == ["9.2.1", "9.2.2"] and one.today == day(-3)
    assert len(wb.readiness.assess(org.store, only="", verify=False).requirements) == 70
    with pytest.raises(ValidationError, match="today: 'soon' is not a date; use YYYY-MM-DD"):
        wb.readiness.assess(org.store, today="soon")
    with pytest.raises(NotFoundError, match="no clause or Annex A objective '5'"):
        result.clause("5")
    with pytest.raises(NotFoundError, match="was not part of this assessment"):
        result.requirement("5.2")


def test_a_failing_rule_is_named(org: Org, monkeypatch: pytest.MonkeyPatch):
    def boom(facts):
        return 1 / 0

    monkeypatch.setitem(R._RULES, "7.4", R.Rule("7.4", "clause", "boom", ("evidence",), boom))
    with pytest.raises(WorkbenchError, match=r"readiness rule 7\.4 \(boom\) failed: "
                       "ZeroDivisionError"):
        wb.readiness.assess(org.store, only=["7.4"])


def test_figure_has_a_bar_per_group_coloured_by_band(org: Org):
    org.scope()
    result = wb.readiness.assess(org.store, only=["4", "5", "A.8"], verify=False)
    fig = wb.readiness.readiness_figure(result)
    data = fig.to_plotly_json()
    bar = data["data"][0]
    assert bar["type"] == "bar" and bar["orientation"] == "h"
    by = result.by_clause
    assert list(bar["customdata"]) == list(by["group"])
    assert [round(x, 1) for x in bar["x"]] == [round(p, 1) for p in by["percent"]]
    assert bar["y"][0] == "Clause 4 Context of the organization"
    assert bar["y"][-1].startswith("A.8 ")
    colours = dict(zip(by["group"], bar["marker"]["color"], strict=True))
    assert colours["4"] == "#9a6700"  # 62.5%: partial band
    assert data["layout"]["title"]["text"].startswith(
        f"ISO/IEC 42001 readiness: {result.overall:.0f}% overall")
    assert data["layout"]["yaxis"]["autorange"] == "reversed"


def test_result_serializes_to_json(org: Org):
    result = wb.readiness.assess(org.store, verify=False)
    data = json.loads(json.dumps(result.to_dict(), default=str))
    assert len(data["requirements"]) == 70 and data["counts"]["met"] >= 1
    assert set(data["by_clause"][0]) >= {"group", "percent", "met"}
    assert result.summary().startswith("readiness ")


def test_user_text_is_escaped_in_every_html_output(org: Org):
    org.edit("ai_system", "beta", name=XSS)
    org.scope(interested_parties=[{"name": XSS}])
    org.soa(**{"A.2.2": {"justification": XSS}})
    result = wb.readiness.assess(org.store, verify=False)
    assert any(XSS in item for item in result.gaps["item"])  # the raw text is kept
    pages = [wb.readiness.readiness_html(result),
             wb.readiness.requirement_html(result, "4.2"),
             wb.readiness.requirement_html(result, "A.6.2.4"),
             wb.readiness.soa_document(org.store, which="current"),
             result._repr_html_()]
    for page in pages:
        assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[0]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[3]


def test_queries_do_not_grow_with_the_number_of_records(org: Org):
    import sqlalchemy as sa

    def queries() -> int:
        count = 0

        def counter(*_):
            nonlocal count
            count += 1

        sa.event.listen(org.store.engine, "before_cursor_execute", counter)
        try:
            wb.readiness.assess(org.store, verify=False)
        finally:
            sa.event.remove(org.store.engine, "before_cursor_execute", counter)
        return count

    org.criteria()
    org.soa()
    small = queries()
    for n in range(12):
        org.save(wb.model.AISystem(
            id=f"extra-{n}", name=f"Extra {n}", purpose="p", owner="sam", business_unit="Ops",
            lifecycle_stage="operate", org_roles=["provider"], technique="t",
            technique_family="rules", automation_level="partial", oversight_mode="in_the_loop"))
        org.risk(f"r{n}", f"extra-{n}")
        org.evidence(f"ev{n}", controls=["A.6.2.4"], systems=[f"extra-{n}"])
        org.assessment(f"extra-{n}", submitted=False)
    assert queries() == small


def test_requirements_frame_has_the_documented_columns(org: Org):
    result = wb.readiness.assess(org.store, only=["A.6.2.4"], verify=False)
    assert list(result.requirements.columns) == wb.readiness.engine.REQUIREMENT_COLUMNS
    row = result.requirement("A.6.2.4")
    assert row["kind"] == "control" and row["group"] == "A.6"
    assert row["title"] == "AI system verification and validation"
    assert row["rule"] == "evidence_of_A_6_2_4"
    assert isinstance(result.requirements, pd.DataFrame)
    assert day(0) == result.today


def test_a_thousand_systems_assess_in_one_pass(org: Org):
    """Vectorized over the registers: 1,000 more systems, a third of their evidence expired."""
    from workbench.model import AISystem, Evidence
    from workbench.risk.model import Risk

    store = org.store
    org.criteria()
    with acting("alex"):
        store.save_many([(AISystem(
            id=f"s{i:04d}", name=f"System {i}", purpose="p", owner="sam", business_unit="Ops",
            lifecycle_stage="operate", org_roles=["provider"], technique="t",
            technique_family="rules", automation_level="partial", oversight_mode="in_the_loop"),
            None) for i in range(1000)])
    with acting("alex"):
        store.save_many([(Evidence(
            id=f"e{i:04d}", title="tests", evidence_kind="test_result", collected_by="alex",
            collected_at="2026-01-01T00:00:00Z", expires_at=day(-1 if i % 3 == 0 else 100),
            control_ids=["A.6.2.4"], system_ids=[f"s{i:04d}"], uri="u", content_hash="a" * 64),
            None) for i in range(1000)])
    with acting("alex"):
        store.save_many([(Risk(
            id=f"r{i:04d}", system_id=f"s{i:04d}", title="r",
            risk_source="source.level_of_automation",
            objective="objective.fairness", inherent_likelihood=3, inherent_consequence=3,
            treatment="modify", controls=["A.6.2.4"], residual_likelihood=2, residual_consequence=2,
            owner="sam", status="assessed", identified_on=day(-10), next_review=day(100)), None)
            for i in range(0, 1000, 2)])
    result = wb.readiness.assess(store, verify=False)
    vv = result.requirement("A.6.2.4")
    assert vv["status"] == "partial" and len(vv["missing"]) == 1003 - 666
    assert vv["reason"].startswith("666 of 1,003 in-scope AI systems have valid evidence")
    assert vv["reason"].endswith("and 331 more") and len(vv["expired"]) == 334
    assert result.requirement("6.1.2")["reason"] == "500 of 1,003 in-scope systems have " \
                                                    "assessed risks"
    assert len(result.gaps) > 3000


def test_an_empty_store_is_assessed_without_vacuous_passes(empty_store):
    """No records at all: nothing is met by default (only the store's own integrity, 7.5.3),
    per-system requirements are not applicable, the rest is missing with its reason."""
    from workbench import readiness

    result = readiness.assess(empty_store)
    req = result.requirements.set_index("id")
    assert set(req.loc[req["status"] == "met"].index) == {"7.5.3"}
    assert req.at["6.1.4", "status"] == "not_applicable"
    assert req.at["5.2", "status"] == "missing" and req.at["5.2", "reason"]
    assert 0 < result.overall < 10
