"""The EU AI Act obligations view on the demo store agrees with readiness: a system's monitoring
plan counts for A.6.2.6, a control the approved SoA excludes is no gap, and evidence scoped to
one system does not make the organization-wide competence control (A.4.6) met."""

from __future__ import annotations

import datetime as dt

from actors import acting

import workbench as wb


def _eu(store, **kw):
    return wb.readiness.eu_obligations(store, system_id="credit-scoring", **kw).set_index(
        "article")


def _gaps(row, control: str) -> list[str]:
    return [m for m in row["missing"] if m.startswith(f"{control}:")]


def test_eu_view_counts_the_monitoring_plan_for_a626(demo_store):
    result = wb.readiness.assess(demo_store)
    assert "monitoring_plan mp-credit-scoring" in result.requirement("A.6.2.6")["evidence"]
    eu = _eu(demo_store, result=result)
    for article in ("art9", "art12", "art14", "art15", "art72"):
        if article in eu.index:
            assert not _gaps(eu.loc[article], "A.6.2.6"), article
    art72 = eu.loc["art72"]
    assert art72["status"] != "missing"
    assert any(r.startswith("monitoring_plan mp-credit-scoring (") for r in art72["records"])


def test_eu_view_does_not_count_an_overdue_monitoring_plan(demo_store):
    later = dt.date.today() + dt.timedelta(days=400)  # long after the last weekly run
    eu = _eu(demo_store, today=later)
    assert _gaps(eu.loc["art72"], "A.6.2.6")


def test_eu_view_leaves_out_controls_the_approved_soa_excludes(demo_store):
    before = _eu(demo_store)
    assert not before.loc["art13", "excluded"]  # the SoA is not approved yet
    with acting("elena"):
        wb.oversight.decide(demo_store, "soa", "soa", "approve")
    result = wb.readiness.assess(demo_store)
    assert result.requirement("A.10.4")["status"] == "not_applicable"
    eu = _eu(demo_store, result=result)
    for article in ("art13", "art72"):
        row = eu.loc[article]
        assert not _gaps(row, "A.10.4"), article
        assert [e.split(":")[0] for e in row["excluded"]] == ["A.10.4"]
        assert len(row["excluded"][0]) > len("A.10.4: ")  # the SoA's justification
    art13 = eu.loc["art13"]
    assert art13["status"] == ("met" if not art13["missing"] else "partial")
    assert art13["score"] > before.loc["art13", "score"]


def test_a46_needs_organization_wide_evidence(demo_store):
    with acting("chloe"):
        ev = demo_store.get("evidence", "ev-ai-literacy-2026")
        assert not ev.record.system_ids  # the organization-wide literacy evidence
        demo_store.save(ev.record.model_copy(update={"expires_at": dt.date(2026, 12, 1)}),
                        base_version=ev.version)
    result = wb.readiness.assess(demo_store)
    a46 = result.requirement("A.4.6")
    assert a46["status"] == "missing"
    assert "evidence ev-cv-screening-04" not in a46["evidence"]
    assert "only evidence scoped to AI systems" in a46["reason"]
    assert any("organization-wide evidence for A.4.6" in m for m in a46["missing"])
    art4 = _eu(demo_store, result=result).loc["art4"]
    assert art4["status"] == "missing"
    assert _gaps(art4, "A.4.6") and not art4["evidence"]
    # cv-screening's own training record still counts for cv-screening
    cv = wb.readiness.eu_obligations(demo_store, system_id="cv-screening", result=result)
    cv = cv.set_index("article")
    if "art4" in cv.index:
        assert cv.loc["art4", "status"] == "met"
