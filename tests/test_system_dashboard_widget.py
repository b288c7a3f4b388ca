"""The system dashboard's widget at the state level: the URL's system first, then systems
switched in place from the registers already loaded."""

from __future__ import annotations

import pytest

from workbench import portfolio
from workbench.model import AISystem
from workbench.widgets import SystemDashboard

EVIL = "<img src=x onerror=alert(1)>"


def _html(widget: SystemDashboard) -> str:
    return "".join(o["data"].get("text/html", "") for o in widget.body.outputs)


def _mimes(widget: SystemDashboard) -> list[str]:
    return [next(iter(o["data"])) for o in widget.body.outputs]


def _panels(widget: SystemDashboard) -> list[str]:
    import re

    return re.findall(r'data-panel="([^"]+)"', _html(widget))


@pytest.fixture
def prepared(demo_url, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "system=credit-scoring")
    return portfolio.prepare(portfolio.system_page, demo_url, "", selector=False)


def test_the_first_page_is_the_urls_system(prepared):
    widget = SystemDashboard(prepared)
    assert widget.system_id == "credit-scoring" and widget.picker.value == "credit-scoring"
    assert "ClearCredit consumer credit scoring</h2>" in widget.header.value
    assert "wb-select" not in widget.header.value  # no HTML form: the dropdown chooses
    assert widget.picker.options[:2] == (("Ava customer-service assistant", "support-chatbot"),
                                         ("ClearCredit consumer credit scoring",
                                          "credit-scoring"))
    assert len(widget.picker.options) == 7
    assert _panels(widget) == ["facts", "golive", "eu-ai-act", "impact", "system-risk",
                               "system-risk-more", "system-fairness", "model-card",
                               "system-evidence", "system-monitoring", "system-monitoring-more"]
    assert _mimes(widget).count("application/vnd.plotly.v1+json") == 3  # with monitoring


def test_choosing_a_system_rebuilds_the_page_from_the_loaded_registers(prepared):
    widget = SystemDashboard(prepared)
    data = prepared.data
    widget.picker.value = "card-fraud"  # what the viewer's choice does
    assert widget.system_id == "card-fraud" and widget.page.system_id == "card-fraud"
    assert "Sentinel card-fraud detection</h2>" in widget.header.value
    assert "ClearCredit" not in widget.header.value
    html = _html(widget)
    assert "Sven Eriksen, Head of Fraud Prevention" in html
    assert "Grace Kim, Head of Credit Risk" not in html
    assert _panels(widget).count("facts") == 1  # replaced, not appended
    assert prepared.data is data  # nothing changed in the store: nothing reloaded
    assert widget.status.value == ""


def test_setting_the_system_from_python_moves_the_dropdown(prepared):
    widget = SystemDashboard(prepared)
    widget.system_id = "cv-screening"
    assert widget.picker.value == "cv-screening"
    assert "TalentMatch CV screening</h2>" in widget.header.value
    widget.system_id = "nope"
    assert widget.picker.value is None
    assert "There is no AI system &#x27;nope&#x27; in the inventory." in _html(widget)
    assert _panels(widget) == []


def test_a_change_in_the_store_is_shown_on_the_next_switch(prepared, demo_store):
    widget = SystemDashboard(prepared)
    data = prepared.data
    current = demo_store.get("ai_system", "card-fraud")
    demo_store.save(current.record.model_copy(update={"business_unit": "Payments"}),
                    base_version=current.version, reason="moved")
    widget.picker.value = "card-fraud"
    assert prepared.data is not data  # the store's head moved: registers reloaded
    assert "Payments · Detect fraudulent card transactions" in widget.header.value


def test_without_a_system_in_the_url_the_page_asks_for_one(demo_url, monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    widget = SystemDashboard(portfolio.prepare(portfolio.system_page, demo_url, "",
                                               selector=False))
    assert widget.system_id == "" and widget.picker.value is None
    assert "Choose an AI system to see it in depth." in _html(widget)
    widget.picker.value = "clinical-triage"
    assert "Clinic triage assistant</h2>" in widget.header.value
    assert "Choose an AI system" not in _html(widget)


def test_a_failure_while_switching_is_shown_on_the_widget(prepared, monkeypatch):
    widget = SystemDashboard(prepared)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("workbench.widgets.system_dashboard.system_page", broken)
    widget.picker.value = "card-fraud"
    assert widget.status.text == "unexpected error: ZeroDivisionError: division by zero"
    assert "ClearCredit consumer credit scoring</h2>" in widget.header.value  # kept


def test_user_text_stays_text(demo_store, demo_url, monkeypatch):
    demo_store.save(AISystem(
        id="evil", name=EVIL, purpose=EVIL, owner="chloe", business_unit=EVIL,
        lifecycle_stage="design", org_roles=["deployer"], technique="rules",
        technique_family="rules", automation_level="full", oversight_mode="out_of_the_loop"))
    monkeypatch.setenv("QUERY_STRING", "system=evil")
    widget = SystemDashboard(portfolio.prepare(portfolio.system_page, demo_url, "",
                                               selector=False))
    assert EVIL not in widget.header.value + _html(widget)
    assert "&lt;img src=x onerror=alert(1)&gt;" in widget.header.value
    assert (EVIL, "evil") in widget.picker.options  # the browser shows labels as text


def test_a_system_added_since_the_page_was_built_can_be_chosen(prepared, demo_store):
    widget = SystemDashboard(prepared)
    demo_store.save(AISystem(
        id="new-bot", name="Newly registered bot", purpose="Answer questions",
        owner="chloe", business_unit="Data & AI", lifecycle_stage="design",
        org_roles=["deployer"], technique="rules", technique_family="rules",
        automation_level="full", oversight_mode="out_of_the_loop"))
    widget.system_id = "new-bot"
    assert "Newly registered bot</h2>" in widget.header.value
    assert ("Newly registered bot", "new-bot") in widget.picker.options
    assert widget.picker.value == "new-bot" and len(widget.picker.options) == 8
