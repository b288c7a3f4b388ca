"""Text a user typed is escaped for the renderer it reaches: HTML pages, plotly figures and
spreadsheets, checked with one shared set of payloads against each.

The plotly checks read ``fig.to_plotly_json()`` the way plotly.js's label renderer
(``svg_text_utils``) does: the tags it acts on, the entities it decodes (once), LaTeX between
two dollar signs and ``%{...}`` template placeholders.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from wbtest import (
    HTML_PAYLOADS,
    PAYLOADS,
    PLOTLY_PAYLOADS,
    SPREADSHEET_PAYLOADS,
    check_figure,
    plotly_shown,
)


# -- the sanitizers themselves ------------------------------------------------------------------
@pytest.mark.parametrize("payload", PAYLOADS)
def test_plotly_text_shows_every_payload_as_typed_and_nothing_else(payload):
    from workbench.render import plotly_text

    encoded = plotly_text(payload)
    shown, tags = plotly_shown(encoded)
    assert (shown, tags) == (payload, set()), encoded
    assert encoded.count("$") == 0 and "%{" not in encoded and "<" not in encoded


def test_plotly_text_is_not_html_escaping():
    from workbench.render import esc, plotly_text

    # esc() output in plotly shows &quot; and &#x27; literally or decoded twice
    assert plotly_shown(esc('say "hi"'))[0] == "say &quot;hi&quot;"
    assert plotly_shown(plotly_text('say "hi"'))[0] == 'say "hi"'
    assert plotly_text(None) == "" and plotly_text("x" * 10, max_length=4) == "xxx…"


@pytest.mark.parametrize("payload", SPREADSHEET_PAYLOADS)
def test_spreadsheet_cells_never_start_a_formula_and_round_trip(payload):
    from workbench.render import from_spreadsheet_cell, spreadsheet_cell

    cell = spreadsheet_cell(payload)
    if payload == "-2+3":
        assert cell == "'-2+3"
    assert cell[0] == "'" and from_spreadsheet_cell(cell) == payload


@pytest.mark.parametrize("number", ["-3", "-0.5", "+7", "1e-5", "-2.5E+3"])
def test_negative_numbers_stay_numbers(number):
    from workbench.render import from_spreadsheet_cell, spreadsheet_cell

    assert spreadsheet_cell(number) == number == from_spreadsheet_cell(number)
    assert spreadsheet_cell(-3) == -3 and spreadsheet_cell(2.5) == 2.5


# -- a store full of payloads -------------------------------------------------------------------
@pytest.fixture
def payload_store(demo_store):
    """The demo with a payload in every text field a person types that figures, pages and
    exports show: risk titles, evidence titles, a business unit, scale labels."""
    from workbench import risk
    from workbench.model import AISystem, Evidence

    s = demo_store
    today = dt.date.today()
    system = s.get("ai_system", "cv-screening")
    s.save(system.record.model_copy(update={"business_unit": PLOTLY_PAYLOADS[0]}),
           base_version=system.version, reason="payload")
    s.save(AISystem(id="payload-system", name=PLOTLY_PAYLOADS[4], purpose="tests",
                    owner="farid", business_unit=PLOTLY_PAYLOADS[5], lifecycle_stage="operate",
                    org_roles=["deployer"], technique="rules", technique_family="rules",
                    automation_level="partial", oversight_mode="in_the_loop"), reason="payload")
    for n, payload in enumerate(PAYLOADS):
        s.save(Evidence(id=f"ev-payload-{n}", title=payload, evidence_kind="document",
                        uri="https://example.org/doc", collected_by="farid",
                        collected_at=dt.datetime.now(dt.timezone.utc),
                        expires_at=today + dt.timedelta(days=10 + n), control_ids=["A.6.2.4"],
                        system_ids=["cv-screening"]), reason="payload")
    base = s.get("risk", "cv-screening-r01").content
    for n, payload in enumerate(PAYLOADS):
        risk.save_risk(s, {**base, "id": f"payload-{n:02d}", "title": payload[:200],
                           "description": payload, "acceptance": None,
                           "status": "assessed", "actions": [
                               {"description": payload, "owner": "ravi",
                                "due": (today + dt.timedelta(days=30)).isoformat()}]},
                       reason="payload")
    crit = risk.criteria_in_force(s)
    # scale labels are short and stripped (so are titles: a leading tab never reaches the store)
    labels = [p for p in PAYLOADS if len(p) <= 40 and p == p.strip()]
    edited = crit.model_copy(update={
        "likelihood": [lv.model_copy(update={"label": labels[i]})
                       for i, lv in enumerate(crit.likelihood)],
        "consequence": [lv.model_copy(update={"label": labels[-1 - i]})
                        for i, lv in enumerate(crit.consequence)]})
    current = risk.criteria_version(s)
    risk.save_criteria(s, edited.content(), base_version=current.version if current else None,
                       reason="payload labels")
    return s


# -- plotly figures -------------------------------------------------------------------------------
def test_every_figure_on_the_dashboards_shows_user_text_as_typed(payload_store, demo_url):
    from workbench import portfolio

    pages = [portfolio.portfolio_page(demo_url), portfolio.system_page(demo_url, "cv-screening")]
    figures = [(p.key, p.figure) for page in pages for p in page.panels if p.figure is not None]
    assert {k for k, _ in figures} >= {"inventory", "risk", "readiness", "system-risk",
                                       "system-evidence"}, [k for k, _ in figures]
    problems = [f"{key}: {p}" for key, fig in figures for p in check_figure(fig, ())]
    assert problems == [], "\n".join(problems[:10])
    evidence = dict(figures)["system-evidence"]
    # every evidence title shows as typed (titles are stripped when saved)
    assert check_figure(evidence, tuple(p.strip() for p in PAYLOADS)) == []


def test_the_risk_heatmap_hover_and_ticks(payload_store):
    from workbench import risk

    fig = risk.heatmap_figure(payload_store, which="inherent", title=PLOTLY_PAYLOADS[3],
                              top=len(PAYLOADS) + 10)
    # Titles are cut to the hover's length (70) and stripped when saved; scale labels too.
    shown = tuple(p for p in PAYLOADS if len(p) <= 70 and p == p.strip())
    assert len(shown) == 13 and check_figure(fig, shown) == []


def test_business_units_in_the_inventory_figure(payload_store, demo_url):
    from workbench import portfolio

    data = portfolio.load(payload_store)
    fig = portfolio.inventory_figure(data)
    assert check_figure(fig, (PLOTLY_PAYLOADS[0], PLOTLY_PAYLOADS[5])) == []


def test_fairness_groups_and_feature_names(tmp_path):
    import pandas as pd

    from workbench import fairness

    groups = [PLOTLY_PAYLOADS[0], PLOTLY_PAYLOADS[4], SPREADSHEET_PAYLOADS[0]]
    n = 120
    frame = pd.DataFrame({"y": [i % 2 for i in range(n)], "p": [(i // 2) % 2 for i in range(n)],
                          PLOTLY_PAYLOADS[1]: [groups[i % 3] for i in range(n)]})
    result = fairness.assess(frame["y"], frame["p"], frame[[PLOTLY_PAYLOADS[1]]])
    fig = result.figure("selection_rate")
    assert check_figure(fig, (*groups, PLOTLY_PAYLOADS[1])) == []


def test_readiness_and_harms_figures(payload_store):
    from workbench import impact, readiness

    result = readiness.assess(payload_store, verify=False)
    fig = readiness.readiness_figure(result, title=PLOTLY_PAYLOADS[5])
    assert check_figure(fig, (PLOTLY_PAYLOADS[5],)) == []
    assessment = payload_store.get("impact_assessment", "ia-credit-scoring").record
    assert check_figure(impact.harms_figure(assessment), ()) == []


# -- HTML pages -----------------------------------------------------------------------------------
def test_pages_show_every_payload_as_text(payload_store, demo_url):
    from workbench import portfolio
    from workbench.render import esc

    html = portfolio.system_page(demo_url, "cv-screening").to_html()
    for payload in HTML_PAYLOADS + PLOTLY_PAYLOADS[:3]:
        assert payload not in html, payload
        assert esc(payload) in html, payload
    assert "<a href=\"https://evil.example" not in html and "<script>alert" not in html


# -- spreadsheets ---------------------------------------------------------------------------------
def _unsafe_cells(text: str) -> list[str]:
    number = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
    cells = [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
    return [c for c in cells if c and c[0] in "=+-@\t\r" and not number.fullmatch(c)]


def test_the_risk_export_neutralizes_formulas_and_imports_back(payload_store, tmp_path):
    from workbench import risk

    text, problems = risk.export_risks(payload_store, system_id="cv-screening")
    assert problems == () and _unsafe_cells(text) == [], _unsafe_cells(text)
    assert "'=HYPERLINK(" in text and "'-2+3" in text
    path = tmp_path / "risks.csv"
    path.write_text(text, encoding="utf-8", newline="")
    result = risk.import_risks(payload_store, path)
    assert result.summary().endswith(f"0 changed, {len(result.unchanged)} unchanged")
    assert payload_store.get("risk", "payload-10").record.title == SPREADSHEET_PAYLOADS[0]


def test_the_soa_export_neutralizes_formulas(payload_store, demo_url, tmp_path, monkeypatch,
                                             capsys):
    from workbench import readiness
    from workbench.cli import main

    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    monkeypatch.setenv("WORKBENCH_USER", "chloe")
    readiness.update_entry(payload_store, "A.6.2.4", justification=SPREADSHEET_PAYLOADS[0],
                           reason="payload")
    out = tmp_path / "soa.csv"
    assert main(["soa", "export", "--current", "--format", "csv", "-o", str(out)]) == 0, \
        capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    assert _unsafe_cells(text) == [], _unsafe_cells(text)
    assert "'=HYPERLINK(" in text
