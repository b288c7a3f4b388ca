"""Risk criteria and risk records: validation names the field; levels, matrix counts and the
figure are computed from the criteria, checked against hand-computed cases (no store)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from workbench import risk as wr
from workbench.errors import ValidationError
from workbench.model import validate_record
from workbench.risk.model import Risk, RiskCriteria

XSS = "<img src=x onerror=alert(1)>"
DAY = dt.date(2026, 3, 1)


def _risk(**kw) -> dict:
    data = dict(id="r1", system_id="cv", title="Ranking under-scores career gaps",
                risk_source="source.machine_learning", objective="objective.fairness",
                inherent_likelihood=4, inherent_consequence=4, treatment="modify",
                controls=["A.5.4", "A.6.2.4"], residual_likelihood=3, residual_consequence=4,
                owner="farid", status="treated", identified_on="2026-01-10",
                next_review="2026-07-10",
                actions=[{"description": "Retrain", "owner": "ravi", "due": "2026-02-01"}])
    data.update(kw)
    return data


def _errors(cls, data) -> dict[str, str]:
    with pytest.raises(ValidationError) as err:
        validate_record(cls, data)
    assert "\n" not in str(err.value)
    return dict(err.value.errors)


# -- criteria -------------------------------------------------------------------------------------
def test_default_criteria_is_a_5x5_with_four_bands():
    crit = wr.default_criteria()
    assert crit.id == "risk-criteria" and crit.kind == "risk_criteria"
    assert [s.label for s in crit.likelihood] == ["Rare", "Unlikely", "Possible", "Likely",
                                                  "Almost certain"]
    assert [s.label for s in crit.consequence][-1] == "Severe"
    assert all(s.description for s in crit.likelihood + crit.consequence)
    assert [(b.name, b.min_score, b.max_score) for b in crit.bands] == [
        ("low", 1, 4), ("medium", 5, 9), ("high", 10, 16), ("critical", 17, 25)]
    assert all(b.colour.startswith("#") for b in crit.bands)
    assert crit.appetite == "medium" and crit.review_interval_days == 180
    # hand-computed cells: score = likelihood x consequence
    assert crit.level(1, 4).name == "low"          # 4
    assert crit.level(1, 5).name == "medium"       # 5
    assert crit.level(3, 3).name == "medium"       # 9
    assert crit.level(2, 5).name == "high"         # 10
    assert crit.level(4, 4).name == "high"         # 16
    assert crit.level(4, 5).name == "critical"     # 20
    assert not crit.is_above_appetite(3, 3) and crit.is_above_appetite(2, 5)
    assert validate_record(RiskCriteria, crit.content()) == crit


def _bands(*spec):
    colours = ["#2da44e", "#bf8700", "#e16f24", "#cf222e"]
    return [dict(name=n, colour=colours[i % 4], min_score=a, max_score=b)
            for i, (n, a, b) in enumerate(spec)]


@pytest.mark.parametrize(("bands", "field", "fragment"), [
    (_bands(("low", 1, 4), ("medium", 6, 9), ("high", 10, 25)), "bands.1.min_score",
     "gap: score 5 is in no band"),
    (_bands(("low", 1, 4), ("medium", 5, 9), ("high", 13, 25)), "bands.2.min_score",
     "gap: scores 10 to 12 are in no band"),
    (_bands(("low", 1, 6), ("medium", 5, 9), ("high", 10, 25)), "bands.1.min_score",
     "overlap: band 'medium' starts at 5, inside band 'low' (1-6)"),
    (_bands(("low", 2, 4), ("medium", 5, 9), ("high", 10, 25)), "bands.0.min_score",
     "must start at score 1"),
    (_bands(("low", 1, 4), ("medium", 5, 9), ("high", 10, 20)), "bands.2.max_score",
     "must end at 25"),
    (_bands(("low", 1, 4), ("medium", 5, 3), ("high", 4, 25)), "bands.1.max_score",
     "below its min_score 5"),
    (_bands(("low", 1, 4), ("low", 5, 9), ("high", 10, 25)), "bands.1.name",
     "already used"),
    (_bands(("low", 1, 25)), "bands", "at least 2 bands"),
])
def test_band_gaps_and_overlaps_name_the_field(bands, field, fragment):
    data = {**wr.default_criteria().content(), "bands": bands, "appetite": "low"}
    errors = _errors(RiskCriteria, data)
    assert field in errors and fragment in errors[field], errors


@pytest.mark.parametrize(("change", "field", "fragment"), [
    ({"appetite": "moderate"}, "appetite", "'moderate' is not a band"),
    ({"id": "my-criteria"}, "id", "always 'risk-criteria'"),
    ({"review_interval_days": 0}, "review_interval_days", "greater than or equal to 7"),
    ({"likelihood": [{"level": 1, "label": "Rare"}, {"level": 3, "label": "Often"}]},
     "likelihood.1.level", "levels must run 1, 2, 3"),
    ({"consequence": [{"level": 1, "label": "Low"}, {"level": 2, "label": "low"}]},
     "consequence.1.label", "already used"),
    ({"consequence": [{"level": 1, "label": "Only"}]}, "consequence", "2 to 10 levels"),
])
def test_invalid_criteria_name_the_field(change, field, fragment):
    errors = _errors(RiskCriteria, {**wr.default_criteria().content(), **change})
    assert field in errors and fragment in errors[field], errors


def test_criteria_frames():
    crit = wr.default_criteria()
    matrix = wr.criteria_matrix(crit)
    assert list(matrix.index)[0] == "Almost certain" and list(matrix.columns)[0] == "Negligible"
    assert matrix.loc["Almost certain", "Severe"] == "critical"
    assert matrix.loc["Rare", "Negligible"] == "low"
    bands = wr.bands_frame(crit)
    assert list(bands["within_appetite"]) == [True, True, False, False]
    assert len(wr.scales_frame(crit)) == 10


# -- risks ----------------------------------------------------------------------------------------
def test_valid_risk_round_trips_and_declares_references():
    risk = validate_record(Risk, _risk(acceptance=None))
    assert risk.kind == "risk" and risk.treatment.value == "modify"
    assert ("system_id", "ai_system", "cv") in risk.references()
    assert ("owner", "person", "farid") in risk.references()
    assert ("actions.0.owner", "person", "ravi") in risk.references()
    assert validate_record(Risk, risk.content()) == risk
    assert "level" not in risk.content() and "score" not in str(sorted(risk.content()))


@pytest.mark.parametrize(("change", "field", "fragment"), [
    ({"inherent_likelihood": 0}, "inherent_likelihood", "0 is not a level"),
    ({"residual_consequence": 11}, "residual_consequence", "11 is not a level"),
    ({"controls": ["A.6.2.4", "A.99.1"]}, "controls.1", "unknown Annex A control 'A.99.1'"),
    ({"controls": ["A.6.2.4", "A.6.2.4"]}, "controls", "only once"),
    ({"risk_source": "source.aliens"}, "risk_source", "Annex C risk source"),
    ({"objective": "objective.speed"}, "objective", "Annex C objective"),
    ({"treatment": "ignore"}, "treatment", "'modify'"),
    ({"status": "approved"}, "status", "'identified'"),
    ({"title": "  "}, "title", "required"),
    ({"actions": [{"description": "x", "owner": "ravi", "due": "2025-12-31"}]},
     "actions.0.due", "action 1 is due 2025-12-31, before the risk was identified (2026-01-10)"),
    ({"actions": [{"description": "x", "owner": "ravi", "due": "2026-02-01",
                   "done_on": "2026-01-01"}]}, "actions.0.done_on", "before the risk was"),
    ({"next_review": "2025-01-01"}, "next_review", "before the risk was identified"),
    ({"acceptance": {"accepted_by": "farid", "accepted_on": "2026-02-01", "rationale": "ok"}},
     "acceptance", "only an accepted (or closed) risk carries an acceptance"),
    ({"status": "accepted", "acceptance": {"accepted_by": "farid",
                                           "accepted_on": "2025-02-01", "rationale": "ok"}},
     "acceptance.accepted_on", "before the risk was identified"),
    ({"status": "accepted", "acceptance": {"accepted_by": "farid",
                                           "accepted_on": "2026-02-01", "rationale": ""}},
     "acceptance.rationale", "required"),
])
def test_invalid_risk_names_the_field(change, field, fragment):
    errors = _errors(Risk, _risk(**change))
    assert field in errors and fragment in errors[field], errors


def test_scale_problems_against_the_criteria_in_force():
    risk = validate_record(Risk, _risk(inherent_likelihood=6, residual_consequence=7))
    problems = dict(risk.scale_problems(wr.default_criteria()))
    assert problems == {
        "inherent_likelihood": "6 is outside the likelihood scale in force "
                               "(1 Rare to 5 Almost certain)",
        "residual_consequence": "7 is outside the consequence scale in force "
                                "(1 Negligible to 5 Severe)"}


def test_suggest_risk_id():
    assert wr.suggest_risk_id([], "cv") == "cv-r01"
    assert wr.suggest_risk_id(["cv-r01", "cv-r03", "x-r01"], "cv") == "cv-r04"
    assert wr.suggest_risk_id(["cv-r01", "cv-r02"], "cv") == "cv-r03"
    assert wr.suggest_risk_id(["cv-r01", "cv-r03"], "cv") == "cv-r04"


# -- register, matrix and figure from hand-made frames ---------------------------------------------
SYSTEMS = pd.DataFrame([
    dict(id="cv", name="CV screening", business_unit="People", owner="farid"),
    dict(id="chat", name=XSS, business_unit="Care", owner="marta"),
])

#: (id, system, inherent L, C, residual L, C, status, actions [(due, done)], acceptance?)
CASES = [
    ("a", "cv", 4, 4, 3, 4, "treated", [("2026-02-01", None), ("2026-04-01", None)], False),
    ("b", "cv", 4, 4, 3, 4, "accepted", [], True),
    ("c", "cv", 3, 3, 2, 2, "treated", [("2026-02-01", "2026-02-10")], False),
    ("d", "chat", 5, 5, 3, 4, "assessed", [], False),
    ("e", "chat", 2, 3, 2, 3, "closed", [("2026-02-01", None)], False),
    ("f", "chat", 1, 1, 1, 1, "identified", [], False),
    ("g", "cv", 4, 4, 3, 4, "treated", [], False),
]


def _risk_frame(cases=CASES, titles=None) -> pd.DataFrame:
    rows = []
    for i, (rid, sid, il, ic, rl, rc, status, actions, accepted) in enumerate(cases):
        rows.append(validate_record(Risk, _risk(
            id=rid, system_id=sid, title=(titles or {}).get(rid, f"Risk {rid}"),
            inherent_likelihood=il, inherent_consequence=ic, residual_likelihood=rl,
            residual_consequence=rc, status=status,
            next_review="2026-02-15" if i % 2 else "2026-06-01",
            actions=[{"description": "act", "owner": "ravi", "due": d, "done_on": done}
                     for d, done in actions],
            acceptance={"accepted_by": "farid", "accepted_on": "2026-02-01",
                        "rationale": "ok"} if accepted else None)).content())
    return pd.DataFrame(rows, columns=list(Risk.model_fields))


def _register(criteria=None, **kw):
    return wr.build_register(_risk_frame(**kw), SYSTEMS, criteria or wr.default_criteria(),
                             as_of=DAY)


def test_register_computes_levels_appetite_actions_and_reviews():
    reg = _register().set_index("id")
    assert reg.loc["a", "residual_score"] == 12 and reg.loc["a", "residual_level"] == "high"
    assert reg.loc["a", "inherent_level"] == "high" and reg.loc["d", "inherent_level"] == \
        "critical"
    assert reg.loc["c", "residual_level"] == "low" and reg.loc["c", "residual_colour"] == \
        "#2da44e"
    assert reg.loc["a", "system_name"] == "CV screening" and reg.loc["d", "business_unit"] == \
        "Care"
    assert reg["above_appetite"].to_dict() == {"a": True, "b": True, "c": False, "d": True,
                                               "e": False, "f": False, "g": True}
    # "b" records its owner's acceptance, but without an approved sign-off it still waits
    assert sorted(reg.index[reg["awaiting_acceptance"]]) == ["a", "b", "d", "g"]
    assert bool(reg.loc["b", "accepted"]) and not bool(reg.loc["a", "accepted"])
    assert reg["signoff"].to_dict() == {"a": "none", "b": "none", "c": "not_required",
                                        "d": "none", "e": "not_required",
                                        "f": "not_required", "g": "none"}
    assert reg.loc["a", "open_actions"] == 2 and reg.loc["a", "overdue_actions"] == 1
    assert reg.loc["c", "open_actions"] == 0 and reg.loc["c", "overdue_actions"] == 0
    assert reg.loc["e", "open_actions"] == 0  # closed risks nag nobody
    assert bool(reg.loc["b", "review_due"]) and not bool(reg.loc["a", "review_due"])
    assert not bool(reg.loc["e", "review_due"])
    assert list(reg["residual_score"]) == sorted(reg["residual_score"], reverse=True)


def test_register_merges_sign_off_states_without_a_store():
    at = pd.Timestamp("2026-02-20 09:00", tz="UTC")
    signoffs = pd.DataFrame([
        # record_id, state, approved_version, approved_by, approved_at, pending_with
        ("a", "approved", 1, "farid", at, ""),
        ("b", "stale", 1, "farid", at, ""),
        ("c", "approved", 1, "farid", at, ""),  # within the appetite: not required
        ("d", "pending", None, "", pd.NaT, "risk owner farid"),
        ("e", "rejected", None, "", pd.NaT, ""),  # closed, within the appetite
        ("g", "pending", 1, "farid", at, "risk owner farid"),  # pending over a stale approval
    ], columns=["record_id", "state", "approved_version", "approved_by", "approved_at",
                "pending_with"])
    reg = wr.build_register(_risk_frame(), SYSTEMS, wr.default_criteria(), as_of=DAY,
                            signoffs=signoffs).set_index("id")
    assert reg["signoff"].to_dict() == {"a": "approved", "b": "stale", "c": "not_required",
                                        "d": "pending", "e": "not_required",
                                        "f": "not_required", "g": "pending"}
    assert sorted(reg.index[reg["awaiting_acceptance"]]) == ["b", "d", "g"]
    assert reg["signoff_by"].to_dict() == {"a": "farid", "b": "farid", "c": "", "d": "",
                                           "e": "", "f": "", "g": ""}
    assert reg.loc["a", "signoff_at"] == at and pd.isna(reg.loc["c", "signoff_at"])
    assert reg.loc["b", "signoff_version"] == 1 and pd.isna(reg.loc["g", "signoff_version"])
    assert reg.loc["d", "signoff_pending_with"] == "risk owner farid"
    assert reg.loc["c", "signoff_pending_with"] == ""
    assert str(reg["signoff_at"].dtype) == "datetime64[ns, UTC]"
    assert str(reg["signoff_version"].dtype) == "Int64"
    waiting = wr.awaiting_acceptance(reg.reset_index())
    assert dict(zip(waiting["id"], waiting["signoff"], strict=True)) == {
        "b": "stale", "d": "pending", "g": "pending"}


def test_matrix_counts_match_hand_computed_cells():
    reg = _register()
    residual = wr.heatmap_matrix(reg, which="residual")
    expected = np.zeros((5, 5), dtype=int)
    expected[3 - 1, 4 - 1] = 4   # a, b, d, g
    expected[2 - 1, 2 - 1] = 1   # c
    expected[2 - 1, 3 - 1] = 1   # e (closed, still counted: the matrix counts what it gets)
    expected[1 - 1, 1 - 1] = 1   # f
    assert (residual.to_numpy() == expected).all()
    assert residual.index.name == "likelihood" and list(residual.columns) == [1, 2, 3, 4, 5]
    inherent = wr.heatmap_matrix(wr.open_risks(reg), which="inherent")
    assert inherent.loc[4, 4] == 3 and inherent.loc[5, 5] == 1 and inherent.loc[3, 3] == 1
    assert inherent.loc[1, 1] == 1 and int(inherent.to_numpy().sum()) == 6
    assert (wr.heatmap_matrix(reg.iloc[0:0]).to_numpy() == 0).all()


def _custom_criteria() -> RiskCriteria:
    return validate_record(RiskCriteria, dict(
        likelihood=[dict(level=i, label=f"L{i}") for i in range(1, 5)],
        consequence=[dict(level=i, label=f"C{i}") for i in range(1, 5)],
        bands=_bands(("low", 1, 2), ("medium", 3, 8), ("high", 9, 16)),
        appetite="low", review_interval_days=90))


def test_changing_criteria_relevels_without_touching_records():
    frame = _risk_frame(cases=[c for c in CASES if max(c[2:6]) <= 4])
    before = wr.build_register(frame, SYSTEMS, wr.default_criteria(), as_of=DAY)
    after = wr.build_register(frame, SYSTEMS, _custom_criteria(), as_of=DAY)
    b, a = before.set_index("id"), after.set_index("id")
    assert b.loc["c", "residual_level"] == "low" and a.loc["c", "residual_level"] == "medium"
    assert not bool(b.loc["c", "above_appetite"]) and bool(a.loc["c", "above_appetite"])
    assert a.loc["a", "residual_level"] == "high"
    assert list(a["residual_level"].cat.categories) == ["low", "medium", "high"]
    assert wr.heatmap_matrix(after).shape == (4, 4)
    # the records themselves carry no level
    assert "residual_level" not in frame.columns


def test_figure_has_criteria_labels_band_colours_counts_and_escaped_hover():
    titles = {"a": XSS, "b": "B " * 50}
    reg = _register(titles=titles)
    fig = wr.heatmap_figure(reg, which="residual", top=2)
    data = fig.to_plotly_json()
    trace = data["data"][0]
    layout = data["layout"]
    assert trace["type"] == "heatmap"
    assert list(layout["xaxis"]["ticktext"]) == ["Negligible", "Minor", "Moderate", "Major",
                                                 "Severe"]
    assert list(layout["yaxis"]["ticktext"])[-1] == "Almost certain"
    crit = wr.default_criteria()
    z = np.array(trace["z"])
    for lik in range(1, 6):
        for con in range(1, 6):
            band = crit.level(lik, con).name
            assert [b.name for b in crit.bands][z[lik - 1][con - 1]] == band
    colours = [stop[1] for stop in trace["colorscale"]]
    assert colours[::2] == [b.colour for b in crit.bands]
    text = np.array(trace["text"])
    # e (closed) is left out: the figure shows open risks
    assert text[2][3] == "4" and text[0][0] == "1" and text[1][2] == "" and text[4][4] == ""
    hover = trace["customdata"][2][3]
    assert "Possible × Major" in hover and "4 risks" in hover
    # top 2 by inherent score: d (25, of the system named XSS) then a (16, titled XSS)
    assert hover.count("&lt;img src=x onerror=alert(1)&gt;") == 2 and "<img" not in hover
    assert hover.index("(&lt;img") < hover.index("• &lt;img")
    assert "… and 2 more" in hover and "Risk b" not in hover
    assert "no risks" in trace["customdata"][4][4]
    assert layout["meta"]["which"] == "residual" and "3 open risks" not in layout["title"]["text"]
    assert "6 open risks" in layout["title"]["text"]


def test_figure_filters_and_inherent():
    reg = _register()
    fig = wr.heatmap_figure(reg, which="inherent", system_id="cv", include_closed=True)
    text = np.array(fig.data[0].text)
    assert text[3][3] == "3" and text[2][2] == "1" and fig.layout.meta["risks"] == 4
    with pytest.raises(ValidationError, match="which must be 'residual' or 'inherent', got 'both'"):
        wr.heatmap_figure(reg, which="both")


def test_cell_risks_and_text_matrix():
    reg = _register()
    cell = wr.cell_risks(reg, 3, 4)
    assert list(cell["id"]) == ["d", "a", "b", "g"]  # highest inherent score first, then id
    text = wr.matrix_text(wr.heatmap_matrix(reg), wr.default_criteria())
    lines = text.splitlines()
    assert lines[1].startswith("5 Almost certain") and lines[5].startswith("1 Rare")
    assert "4 H" in lines[3] and "L low 1-4" in lines[-1]


def test_views_over_a_register():
    reg = _register()
    acts = wr.actions(reg)
    assert list(acts["risk_id"]) == ["a", "a"] and acts["overdue"].tolist() == [True, False]
    assert acts["days_overdue"].tolist() == [28, 0]
    overdue = wr.overdue_actions(reg)
    assert list(overdue["risk_id"]) == ["a"]
    assert sorted(wr.awaiting_acceptance(reg)["id"]) == ["a", "b", "d", "g"]
    assert sorted(wr.reviews_due(reg)["id"]) == ["b", "d", "f"]
    controls = wr.treatments_by_control(reg).set_index("control_id")
    assert controls.loc["A.5.4", "risks"] == 6 and controls.loc["A.5.4", "systems"] == 2
    assert controls.loc["A.5.4", "above_appetite"] == 4
    assert controls.loc["A.6.2.4", "control_title"]
    counts = wr.level_counts(reg)
    assert list(counts.index) == ["low", "medium", "high", "critical"]
    assert counts.loc["high"].sum() == 4


def test_importing_the_risk_library_is_light():
    import subprocess
    import sys

    probe = ("import sys, workbench.risk, workbench.cli._risk\n"
             "print(sorted(m for m in ('pandas', 'plotly', 'sqlalchemy', 'ipywidgets')"
             " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_levels_off_the_scales_are_grey_and_not_counted():
    # a risk saved straight into the store under older, larger scales
    reg = wr.build_register(_risk_frame(cases=[CASES[3]]), SYSTEMS, _custom_criteria(),
                            as_of=DAY)
    row = reg.iloc[0]
    assert row["inherent_score"] == 25 and str(row["inherent_level"]) == "nan"
    assert row["inherent_colour"] == "#8c959f" and row["residual_level"] == "high"
    assert int(wr.heatmap_matrix(reg, which="inherent").to_numpy().sum()) == 0
    assert int(wr.heatmap_matrix(reg, which="residual").to_numpy().sum()) == 1
