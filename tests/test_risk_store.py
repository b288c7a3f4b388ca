"""Risks in the store (SQLite and PostgreSQL): every bad input refused with nothing saved,
criteria replaced and risks re-levelled, the register and heatmap built from the store."""

from __future__ import annotations

import datetime as dt

import pytest
from actors import acting

from workbench import risk as wr
from workbench.errors import ConflictError, NotFoundError, ValidationError
from workbench.model import AISystem, Person

TODAY = dt.date.today()
XSS = "<img src=x onerror=alert(1)>"


def _day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def _system(sid: str, owner: str, unit: str) -> AISystem:
    return AISystem(id=sid, name=f"System {sid}", purpose="test", owner=owner,
                    business_unit=unit, lifecycle_stage="operate", org_roles=["deployer"],
                    technique="GBM", technique_family="classical_ml",
                    automation_level="partial", oversight_mode="in_the_loop")


@pytest.fixture
def org(store):
    people = [Person(id="farid", name="Farid", roles=["owner"]),
              Person(id="marta", name="Marta", roles=["owner"]),
              Person(id="ravi", name="Ravi", roles=["contributor"]),
              Person(id="dev", name="Dev", roles=["executive"]),
              Person(id="alice", name="Alice", roles=["assessor"])]
    store.save_many([(p, None) for p in people])  # by the tests' admin
    store.save_many([(_system("cv", "farid", "People & Culture"), None),
                     (_system("chat", "marta", "Customer Care"), None)])
    return store


def _risk(**kw) -> dict:
    data = dict(id="cv-r01", system_id="cv", title="Ranking under-scores career gaps",
                risk_source="source.machine_learning", objective="objective.fairness",
                inherent_likelihood=4, inherent_consequence=4, treatment="modify",
                controls=["A.5.4"], residual_likelihood=2, residual_consequence=3,
                owner="farid", status="treated", identified_on=_day(-100),
                actions=[{"description": "Retrain", "owner": "ravi", "due": _day(-10)},
                         {"description": "Retest", "owner": "ravi", "due": _day(20)}])
    data.update(kw)
    return data


@pytest.mark.parametrize(("change", "field", "fragment"), [
    ({"inherent_likelihood": 6}, "inherent_likelihood",
     "6 is outside the likelihood scale in force (1 Rare to 5 Almost certain)"),
    ({"residual_consequence": 9}, "residual_consequence", "outside the consequence scale"),
    ({"system_id": "nope"}, "system_id", "no AI system 'nope' in the store"),
    ({"owner": "nobody"}, "owner", "no person 'nobody'"),
    ({"actions": [{"description": "x", "owner": "ghost", "due": _day(1)}]}, "actions.0.owner",
     "no person 'ghost'"),
    ({"controls": ["A.11.1"]}, "controls.0", "unknown Annex A control 'A.11.1'"),
    ({"actions": [{"description": "x", "owner": "ravi", "due": _day(-200)}]}, "actions.0.due",
     "before the risk was identified"),
    ({"status": "accepted", "residual_likelihood": 3, "residual_consequence": 4},
     "acceptance", "the residual risk is high, above the appetite (medium), so an accepted "
     "risk needs an acceptance"),
    ({"status": "accepted", "residual_likelihood": 3, "residual_consequence": 4,
      "acceptance": {"accepted_by": "ravi", "accepted_on": _day(-1), "rationale": "fine"}},
     "acceptance.accepted_by", "'ravi' may not accept this risk"),
])
def test_bad_risks_are_refused_naming_the_field_and_nothing_is_saved(org, change, field,
                                                                     fragment):
    head = org.head()
    with pytest.raises(ValidationError) as err:
        wr.save_risk(org, _risk(**change))
    fields = dict(err.value.errors)
    assert field in fields and fragment in fields[field], fields
    assert str(err.value).startswith("invalid risk") and "\n" not in str(err.value)
    assert org.head() == head and org.count("risk") == 0


def test_every_problem_is_reported_at_once(org):
    with pytest.raises(ValidationError) as err:
        wr.save_risk(org, _risk(system_id="nope", inherent_likelihood=7, controls=["A.99"],
                                owner="nobody"))
    assert {"system_id", "inherent_likelihood", "controls.0", "owner"} <= \
        {f for f, _ in err.value.errors}


def test_save_fills_next_review_and_conflicts_name_who(org):
    saved = wr.save_risk(org, _risk(), reason="workshop")
    assert saved.version == 1 and saved.record.next_review == \
        dt.date.fromisoformat(_day(-100)) + dt.timedelta(days=180)
    with acting("farid"):
        wr.save_risk(org, _risk(title="Changed by Farid"), base_version=1)
    with pytest.raises(ConflictError) as err:
        wr.save_risk(org, _risk(description="mine"), base_version=1)
    assert "changed by farid" in str(err.value) and err.value.latest_version == 2
    assert org.get("risk", "cv-r01").record.title == "Changed by Farid"


def test_acceptance_by_owner_or_executive(org):
    high = dict(status="accepted", residual_likelihood=3, residual_consequence=4)
    ok = wr.save_risk(org, _risk(**high, acceptance={"accepted_by": "dev",
                                                     "accepted_on": _day(-1),
                                                     "rationale": "CRO accepts"}))
    assert ok.record.acceptance.accepted_by == "dev"
    wr.save_risk(org, _risk(id="cv-r02", residual_likelihood=3, residual_consequence=4))
    with acting("farid"):  # the acceptance is the acting person's (the system owner)
        accepted = wr.accept_risk(org, "cv-r02", rationale="Recruiters read every shortlist")
    assert accepted.version == 2 and accepted.record.status.value == "accepted"
    assert accepted.record.acceptance.accepted_by == "farid" and accepted.author == "farid"
    with pytest.raises(ValidationError, match="acceptance needs a rationale"), acting("farid"):
        wr.accept_risk(org, "cv-r02", rationale=" ")
    # accepted within the appetite needs no acceptance record
    assert wr.save_risk(org, _risk(id="cv-r03", status="accepted")).version == 1


def test_criteria_replaced_relevels_every_risk_without_editing_them(org):
    assert wr.criteria_version(org) is None
    assert wr.criteria_in_force(org) == wr.default_criteria()
    wr.save_risk(org, _risk())  # residual 2 x 3 = 6: medium, within appetite
    before = wr.register(org)
    assert before.loc[0, "residual_level"] == "medium" and not before.loc[0, "above_appetite"]
    strict = wr.default_criteria().model_dump()
    strict["appetite"] = "low"
    strict["bands"][0]["max_score"] = 5
    strict["bands"][1]["min_score"] = 6
    saved = wr.save_criteria(org, strict, reason="appetite lowered by the board")
    assert saved.version == 1 and wr.criteria_version(org).reason == \
        "appetite lowered by the board"
    after = wr.register(org)
    assert after.loc[0, "residual_level"] == "medium" and bool(after.loc[0, "above_appetite"])
    assert after.loc[0, "_version"] == 1 and len(org.history("risk", "cv-r01")) == 1
    # the second save names the version it replaces
    with pytest.raises(ConflictError, match="already exists"):
        wr.save_criteria(org, wr.default_criteria())
    wr.save_criteria(org, wr.default_criteria(), base_version=1)
    assert not bool(wr.register(org).loc[0, "above_appetite"])


def test_criteria_that_drop_levels_in_use_are_refused(org):
    wr.save_risk(org, _risk(inherent_likelihood=5))
    small = dict(
        likelihood=[dict(level=i, label=f"L{i}") for i in range(1, 5)],
        consequence=[dict(level=i, label=f"C{i}") for i in range(1, 5)],
        bands=[dict(name="low", colour="#2da44e", min_score=1, max_score=6),
               dict(name="high", colour="#cf222e", min_score=7, max_score=16)],
        appetite="low", review_interval_days=90)
    head = org.head()
    with pytest.raises(ValidationError) as err:
        wr.save_criteria(org, small)
    assert dict(err.value.errors)["likelihood"].startswith(
        "the scale has 4 levels but 1 risk(s) use likelihood up to 5 (cv-r01)")
    assert org.head() == head
    bad = {**small, "bands": [dict(name="low", colour="#2da44e", min_score=1, max_score=6),
                              dict(name="high", colour="#cf222e", min_score=8,
                                   max_score=16)]}
    with pytest.raises(ValidationError, match="bands.1.min_score: gap: score 7 is in no band"):
        wr.save_criteria(org, bad)
    assert org.head() == head


def test_register_from_the_store_filters_and_views(org):
    wr.save_risk(org, _risk())
    wr.save_risk(org, _risk(id="chat-r01", system_id="chat", owner="marta", title=XSS,
                            residual_likelihood=3, residual_consequence=4, status="assessed",
                            next_review=_day(-1), controls=["A.5.4", "A.8.2"]))
    wr.save_risk(org, _risk(id="chat-r02", system_id="chat", owner="marta", status="closed",
                            actions=[]))
    reg = wr.register(org)
    contract = {"system_id", "title", "description", "risk_source", "objective",
                "inherent_likelihood", "inherent_consequence", "treatment", "controls",
                "actions", "residual_likelihood", "residual_consequence", "owner", "status",
                "identified_on", "next_review", "acceptance", "system_name", "business_unit",
                "inherent_score", "inherent_level", "residual_score", "residual_level",
                "residual_colour", "above_appetite", "open_actions", "overdue_actions",
                "review_due"}
    assert contract <= set(reg.columns)
    # highest residual score first, then inherent score, then id
    assert list(reg["id"]) == ["chat-r01", "chat-r02", "cv-r01"]
    first = reg.iloc[0]
    assert first["system_name"] == "System chat" and first["business_unit"] == "Customer Care"
    assert first["residual_score"] == 12 and first["residual_level"] == "high"
    assert first["residual_colour"] == "#e16f24" and bool(first["above_appetite"])
    assert first["open_actions"] == 2 and first["overdue_actions"] == 1
    assert bool(first["review_due"]) and not bool(reg.iloc[2]["review_due"])
    assert reg.iloc[1]["overdue_actions"] == 0 and not bool(reg.iloc[1]["review_due"])
    assert list(wr.register(org, system_id="cv")["id"]) == ["cv-r01"]
    assert len(wr.register(org, business_unit="customer care")) == 2
    assert list(wr.register(org, owner="marta", status="assessed")["id"]) == ["chat-r01"]
    assert list(wr.register(org, level="high")["id"]) == ["chat-r01"]
    assert list(wr.register(org, level=["medium", "low"])["id"]) == ["chat-r02", "cv-r01"]
    assert list(wr.register(org, above_appetite=True)["id"]) == ["chat-r01"]
    with pytest.raises(NotFoundError, match="no AI system 'nope' in the store"):
        wr.register(org, system_id="nope")  # an unknown system is an error, not an empty table
    assert list(wr.awaiting_acceptance(reg)["id"]) == ["chat-r01"]
    assert len(wr.overdue_actions(reg)) == 2 and len(wr.actions(reg)) == 4
    assert list(wr.reviews_due(reg)["id"]) == ["chat-r01"]
    by_control = wr.treatments_by_control(reg).set_index("control_id")
    assert by_control.loc["A.5.4", "risks"] == 2 and by_control.loc["A.8.2", "systems"] == 1


def test_heatmap_figure_from_the_store(org):
    wr.save_risk(org, _risk())
    wr.save_risk(org, _risk(id="chat-r01", system_id="chat", owner="marta", title=XSS))
    fig = wr.heatmap_figure(org, system_id="chat")
    trace = fig.data[0]
    assert trace.text[1][2] == "1" and fig.layout.meta["risks"] == 1
    assert "&lt;img src=x" in trace.customdata[1][2] and "<img" not in trace.customdata[1][2]
    matrix = wr.heatmap_matrix(wr.register(org), which="inherent")
    assert matrix.loc[4, 4] == 2 and int(matrix.to_numpy().sum()) == 2


def test_empty_store_gives_an_empty_register_and_figure(org):
    reg = wr.register(org)
    assert reg.empty and "residual_level" in reg.columns
    fig = wr.heatmap_figure(org)
    assert fig.layout.meta["risks"] == 0 and all(t == "" for row in fig.data[0].text
                                                 for t in row)
    assert wr.actions(reg).empty and wr.treatments_by_control(reg).empty


def test_signoff_facts(org):
    saved = wr.save_risk(org, _risk(residual_likelihood=3, residual_consequence=4))
    facts = wr.signoff_facts(org, saved)
    assert facts == {"system_id": "cv", "system_owner": "farid",
                     "business_unit": "People & Culture", "owner": "farid",
                     "status": "treated", "inherent_level": "high", "residual_level": "high",
                     "residual_score": 12, "above_appetite": True, "accepted": False,
                     "appetite": "medium"}
