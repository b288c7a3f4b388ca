"""Tables in the report notebooks (``workbench.render.frame_html``) and the management review
pack's labels: what an auditor reads on paper, not a pandas repr."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from workbench.render import frame_html, header_text, report_cell


def test_frame_html_shows_records_as_a_reader_expects():
    title = "Ranking model under-scores applicants with career gaps longer than two years"
    frame = pd.DataFrame({
        "id": ["r1", "r2"],
        "title": [title, "<img src=x onerror=alert(1)>"],
        "above_appetite": [True, False],
        "accepted": np.array([np.True_, np.False_]),
        "signoff": ["not_required", "pending"],
        "controls": [["A.5.4", "A.7.4"], []],
        "next_review": [pd.Timestamp("2027-01-16"), pd.NaT],
        "approved_version": pd.array([1, pd.NA], dtype="Int64"),
        "note": [None, float("nan")],
    }, index=[7, 9])
    html = frame_html(frame)
    # readable headers, no index column
    for header in ("ID", "Title", "Above appetite", "Accepted", "Sign-off", "Controls",
                   "Next review", "Approved version", "Note"):
        assert f">{header}</th>" in html, header
    assert ">7<" not in html and ">9<" not in html
    # full text, escaped; yes/no; lists joined; empty for missing; codes as words
    assert f">{title}<" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html
    assert ">yes<" in html and ">no<" in html and "True" not in html and "False" not in html
    assert ">A.5.4, A.7.4<" in html and "[" not in html
    assert ">2027-01-16<" in html and "NaT" not in html and "&lt;NA&gt;" not in html
    assert ">nan<" not in html
    assert ">not required<" in html and "not_required" not in html


def test_frame_html_columns_headers_and_a_matrix():
    frame = pd.DataFrame({"control_id": ["A.4.6"], "risk_ids": [["r1", "r2"]],
                          "status": ["in_progress"]})
    html = frame_html(frame, ["control_id", "risk_ids"])
    assert ">Control ID</th>" in html and ">Risk IDs</th>" in html and "Status" not in html
    html = frame_html(frame, {"status": "Stage"}, codes=())
    assert ">Stage</th>" in html and ">in_progress<" in html
    matrix = pd.DataFrame([["low", "high"]], columns=pd.Index(["Minor", "Severe"],
                                                               name="consequence"),
                          index=pd.Index(["Likely"], name="likelihood"))
    html = frame_html(matrix)
    assert ">Likelihood \\ consequence</th>" in html and ">Likely<" in html
    assert frame_html(frame.iloc[0:0], empty="No <risk>.") == (
        '<p class="wb-empty" style="color:#57606a">No &lt;risk&gt;.</p>')
    # a formatter gets the raw value and returns safe HTML
    html = frame_html(frame, ["status"], formatters={"status": lambda v: f"<b>{v}</b>"})
    assert "<b>in_progress</b>" in html


def test_header_text_and_report_cell():
    assert header_text("system_name") == "System name"
    assert header_text("signoff_pending_with") == "Sign-off pending with"
    assert header_text("eu_ai_act") == "EU AI act"
    assert report_cell(np.bool_(False)) == "no" and report_cell(np.array(["a", "b"])) == "a, b"
    assert report_cell(dt.date(2026, 7, 1)) == "2026-07-01" and report_cell(3) == "3"
    assert report_cell(pd.Timestamp("2026-12-04T09:00:00Z")) == "2026-12-04"


def test_review_pack_labels_its_inputs_and_shows_codes_as_words(demo_store):
    import workbench as wb
    from workbench.review.views import pack_html

    pack = wb.review.pack(demo_store)
    html = pack_html(pack)
    incidents = html.split('data-section="incidents"', 1)[1].split("</section>", 1)[0]
    assert "9.3.2 input: AI management system performance: AI incidents" in incidents
    assert "9.3.2 input: nonconformities" not in incidents
    assert ">yes<" in incidents and ">no<" in incidents  # serious
    assert ">True<" not in html and ">False<" not in html
    assert ">no plan<" in html and ">no_plan<" not in html  # monitoring state
    assert ">in progress<" in html and ">in_progress<" not in html  # nonconformity stage
    assert ">not_required<" not in html and ">not_requested<" not in html
    # the readiness chart: room left of the first date and below 0%, so labels do not collide
    fig = pack.section("readiness").figure
    first = min(pack.trend["as_of"])
    assert fig.layout.xaxis.range[0] < (first - dt.timedelta(days=7)).isoformat()
    assert fig.layout.yaxis.range[0] < 0
