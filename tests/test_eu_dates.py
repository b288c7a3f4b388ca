"""EU AI Act application dates as data: the Act's dates, the Digital Omnibus changes with
their status, which date applies, and the obligations an Art. 6(3) claim or post-remote
biometric identification brings."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

import workbench as wb
from workbench import catalog
from workbench.cli import main

D = dt.date


def test_original_and_amended_dates_with_their_status():
    frame = catalog.eu_dates().set_index("id")
    omnibus = catalog.get("amendment.digital_omnibus_ai")
    assert omnibus.status == "reported" and not omnibus.applies
    assert [e.when for e in omnibus.events] == ["2025-11", "2026-06", "2026-06-29"]
    assert "Council" in omnibus.events[2].step
    expected = {  # change -> (amended date, the Act's date)
        "amendment.digital_omnibus_ai.annex_iii": (D(2027, 12, 2), D(2026, 8, 2)),
        "amendment.digital_omnibus_ai.annex_i": (D(2028, 8, 2), D(2027, 8, 2)),
        "amendment.digital_omnibus_ai.art50_2_legacy": (D(2026, 12, 2), D(2026, 8, 2)),
    }
    for change, (amended, original) in expected.items():
        row = frame.loc[change]
        assert (row["date"].date(), row["replaces"].date()) == (amended, original), change
        assert row["status"] == "reported" and not row["applies"]
        assert row["source"].startswith("Regulation amending Regulation (EU) 2024/1689")
    new = frame.loc["amendment.digital_omnibus_ai.new_prohibitions"]
    assert new["date"].date() == D(2026, 12, 2) and pd.isna(new["replaces"])
    assert new["articles"] == ["art5"]
    law = frame[frame["status"] == "in_law"]
    assert law["applies"].all() and frame.loc["date.general_application", "date"].date() == \
        D(2026, 8, 2)


def test_the_acts_date_applies_until_the_amendment_is_in_force():
    hr = catalog.eu_application_date("date.general_application", "art9")
    assert (hr["applies"], hr["amended"], hr["which"]) == (D(2026, 8, 2), D(2027, 12, 2),
                                                          "original")
    assert hr["text"] == ("2026-08-02 (Regulation (EU) 2024/1689); 2027-12-02 once "
                          "amendment.digital_omnibus_ai is in force (status: reported)")
    assert catalog.eu_application_date("date.general_application", "art50.2")["amended"] == \
        D(2026, 12, 2)
    assert catalog.eu_application_date("date.annex_i_route", "art9")["amended"] == \
        D(2028, 8, 2)
    gpai = catalog.eu_application_date("date.gpai_and_governance")
    assert gpai["amended"] is None and gpai["applies"] == D(2025, 8, 2)


def test_an_amendment_in_force_moves_the_date_that_applies(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(catalog.DATA_DIR, data)
    path = data / "eu_ai_act.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    status: reported\n", "    status: in_force\n", 1),
                    encoding="utf-8")
    monkeypatch.setattr(catalog, "_default", lambda: catalog.load_catalog(data))
    hr = catalog.eu_application_date("date.general_application", "art9")
    assert (hr["applies"], hr["which"]) == (D(2027, 12, 2), "amended")
    assert "in force; the Act said 2026-08-02" in hr["text"]
    assert catalog.eu_dates().set_index("id").loc[
        "amendment.digital_omnibus_ai.annex_iii", "applies"]


def test_catalog_eu_dates_shows_which_applies(capsys):
    assert main(["catalog", "eu", "dates"]) == 0
    out = capsys.readouterr().out
    assert "2027-12-02  reported  not yet  amendment.digital_omnibus_ai.annex_iii" in out
    assert "2026-08-02  in_law    yes      date.general_application" in out
    assert "2026-06-29: approved by the Council (reported)" in out


NOTHING_ELSE = {  # no prohibited practice, no transparency obligation, no GPAI model
    "gpai.provides_model": "no",
    **{f"prohibited.{q}": "no" for q in (
        "manipulation", "exploits_vulnerabilities", "social_scoring", "crime_prediction",
        "facial_scraping", "emotion_work_education", "biometric_sensitive_categorisation",
        "realtime_biometric_identification")},
    **{f"transparency.{q}": "no" for q in (
        "interacts_with_people", "synthetic_content", "emotion_or_biometric_categorisation",
        "deepfake_or_public_text")}}


def test_a_derogation_claim_cites_art_6_4_and_art_49_2():
    answers = {"context.affects_individuals": "yes", "high_risk.annex_i_product": "no",
               "high_risk.annex_iii_use_cases": ["annex3.4.a"], "high_risk.profiling": "no",
               "high_risk.derogation": "yes", **NOTHING_ELSE}
    provider = wb.impact.classify(answers, org_roles=["provider"])
    assert provider.tier == "minimal"
    assert {"art6.3", "art6.4", "art49.2"} <= set(provider.obligations)
    rules = [s.rule for s in provider.reasoning]
    assert "art6.4" in rules and "art49.2" in rules
    deployer = wb.impact.classify(answers, org_roles=["deployer"])
    assert not {"art6.4", "art49.2"} & set(deployer.obligations)
    q = wb.impact.questionnaire().question("high_risk.derogation")
    assert {"art6.4", "art49.2"} <= set(q.refs)


@pytest.mark.parametrize(("answer", "expected"), [("yes", True), ("no", False)])
def test_post_remote_biometric_identification_question(answer, expected):
    answers = {"context.affects_individuals": "yes", "high_risk.annex_i_product": "no",
               "high_risk.annex_iii_use_cases": ["annex3.1.a"],
               "high_risk.biometric_verification_only": "no", "high_risk.profiling": "yes",
               "context.public_service": "yes", **NOTHING_ELSE,
               "high_risk.post_remote_biometric_identification": answer}
    result = wb.impact.classify(answers, org_roles=["deployer"])
    assert result.tier == "high_risk"
    assert ("art26.10" in result.obligations) is expected
    open_one = wb.impact.classify({**answers, "high_risk.post_remote_biometric_identification":
                                   "unknown"}, org_roles=["deployer"])
    assert "high_risk.post_remote_biometric_identification" in open_one.missing
    q = wb.impact.questionnaire().question("high_risk.post_remote_biometric_identification")
    assert q.required and "art26.10" in q.refs


def test_obligations_show_the_date_they_apply_from(demo_store, demo_url, monkeypatch, capsys):
    frame = wb.readiness.eu_obligations(demo_store)
    cv = frame[frame["system_id"] == "cv-screening"].set_index("article")
    assert cv.loc["art9", "applies_from"] == D(2026, 8, 2)
    assert "2027-12-02 once amendment.digital_omnibus_ai is in force (status: reported)" in \
        cv.loc["art9", "dates"]
    assert cv.loc["art4", "applies_from"] == D(2025, 2, 2)
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    assert main(["frameworks", "eu", "--system", "cv-screening"]) == 0
    out = capsys.readouterr().out
    assert "applies from" in out and "2026-08-02" in out
    assert "dates: 2026-08-02 (Regulation (EU) 2024/1689); 2027-12-02 once" in out
