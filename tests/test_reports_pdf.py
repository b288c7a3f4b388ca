"""A PDF report an auditor can file, checked as a reader sees it (poppler's pdftotext and
pdftoppm): its first page names the system, title, period, date and store head; every page
has the report id, the HTML hash and its page number; no chart is clipped; no page is blank."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from workbench.reports import run_reports

pytestmark = [pytest.mark.notebook, pytest.mark.browser]

POPPLER = ("pdfinfo", "pdftotext", "pdftoppm")
SYSTEM = "ClearCredit consumer credit scoring"
#: Evidence of credit-scoring in the demo: each is a table row and a timeline bar label (the
#: bottom two bars of the timeline; titles that fit on one line in the table).
EVIDENCE = ["Decision log retention configuration", "Model risk technical documentation"]
#: Section headings of the system report; none may be the last line of a page.
HEADINGS = {"AI system report", "About this system", "Go-live sign-off",
            "EU AI Act classification", "Impact assessment", "Risks",
            "Top risks by residual level", "Fairness", "Evidence", "Why",
            "Obligations for our role", "Decisions"}


def _require_tools() -> None:
    from workbench.reports.export import chromium_path

    from wbtest import IN_CI

    missing = [t for t in POPPLER if shutil.which(t) is None]
    if chromium_path() is None:
        missing.append("chromium")
    if missing:
        if IN_CI:
            pytest.fail(f"{', '.join(missing)} missing but CI=true: the PDF must be checked")
        pytest.skip(f"{', '.join(missing)} not installed")


def _run(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def _page_text(pdf: Path, page: int) -> list[str]:
    text = _run("pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _ink(pgm: Path) -> float:
    """The share of dark pixels in a binary PGM (P5) image."""
    data = pgm.read_bytes()
    fields = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert fields, data[:20]
    pixels = data[fields.end():]
    return sum(1 for value in pixels if value < 128) / len(pixels)


@pytest.fixture(scope="module")
def report(_demo_template, tmp_path_factory):
    """The credit-scoring system report printed once for the checks below."""
    return _print(_demo_template, tmp_path_factory, "credit-scoring")


def _print(_demo_template, tmp_path_factory, system: str):
    import os

    from workbench.store import open_store

    _require_tools()
    folder = tmp_path_factory.mktemp("pdf")
    db = folder / "demo.db"
    shutil.copyfile(_demo_template, db)
    url = f"sqlite:///{db}"
    saved = {k: os.environ.get(k) for k in ("WORKBENCH_DATABASE_URL", "WORKBENCH_USER")}
    os.environ.update(WORKBENCH_DATABASE_URL=url, WORKBENCH_USER="chloe")  # the demo admin
    try:
        with open_store(url) as store:
            head = store.head_entry()
            [result] = run_reports(store, "system_report", system=system, to="pdf",
                                   out_dir=folder / "out", period="2026-Q4")
            assert result.ok, result.error
            details = store.get("evidence", result.evidence_id).record.details
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    info = _run("pdfinfo", str(result.output))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])
    return result, details, head, pages


def test_first_page_names_system_title_period_date_and_store_head(report):
    result, details, head, _ = report
    assert head == (details["store_head"]["seq"], details["store_head"]["hash"])
    lines = _page_text(result.output, 1)
    text = "\n".join(lines)
    assert lines[0] == f"AI system report: {SYSTEM}", lines[:3]  # the page header
    assert "AI system report" in lines[1:3] and SYSTEM in text, text
    assert "Period 2026-Q4" in text, text
    date = details["started_at"][:10]
    assert re.search(rf"Date {date} \d\d:\d\d UTC", text), text
    assert f"entry #{head[0]}, hash" in text and head[1] in text.replace("\n", ""), text
    assert f"Report id {result.report_id}" in text, text


def test_every_page_has_its_number_the_report_id_and_html_hash(report):
    result, details, _, pages = report
    assert pages >= 4, pages
    assert re.fullmatch(r"[0-9a-f]{64}", details["html_hash"])
    for page in range(1, pages + 1):
        text = " ".join(_page_text(result.output, page))
        assert f"page {page} of {pages}" in text, (page, text[-300:])
        assert f"{result.report_id} · HTML SHA-256" in text, (page, text[-300:])
        assert details["html_hash"] in text.replace(" ", ""), (page, text[-300:])


def _no_heading_ends_a_page(report) -> dict[int, list[str]]:
    result, _, _, pages = report
    texts = {page: _page_text(result.output, page) for page in range(1, pages + 1)}
    for page, lines in texts.items():
        body = lines[:-2]  # the footer's two lines
        assert body[-1] not in HEADINGS, (page, body[-5:])
    return texts


def test_a_table_label_stays_with_its_table(_demo_template, tmp_path_factory):
    """card-fraud's sign-off decisions fell at a page end, "Decisions" left alone above."""
    texts = _no_heading_ends_a_page(_print(_demo_template, tmp_path_factory, "card-fraud"))
    [page] = [p for p, lines in texts.items() if "Decisions" in lines]
    after = texts[page][texts[page].index("Decisions") + 1:][:3]  # the header may wrap
    assert any(line.startswith("Who As Decision") for line in after), after


def test_no_heading_ends_a_page(report):
    texts = _no_heading_ends_a_page(report)
    # a section's heading and summary (one output) stay with its figure (the next output)
    [risks] = [page for page, lines in texts.items() if "Risks" in lines]
    assert "Residual risk: 6 open risks" in texts[risks], (risks, texts[risks][-8:])


def test_the_evidence_timeline_is_whole(report):
    """Drawn for a wider window, the timeline was clipped on paper: its last labels missing."""
    result, _, _, pages = report
    text = " ".join(" ".join(_page_text(result.output, p)) for p in range(1, pages + 1))
    counts = {title: text.count(title) for title in EVIDENCE}
    assert counts == dict.fromkeys(EVIDENCE, 2), counts  # a table row and a bar label each


def test_no_page_is_blank(report, tmp_path):
    result, _, _, pages = report
    _run("pdftoppm", "-gray", "-r", "30", str(result.output), str(tmp_path / "page"))
    images = sorted(tmp_path.glob("page-*.pgm"))
    assert len(images) == pages, images
    ink = [round(_ink(image), 4) for image in images]
    assert all(share > 0.001 for share in ink), ink  # no page without ink
    for page in range(1, pages + 1):  # and none with only its running header and footer
        lines = _page_text(result.output, page)
        body = [line for line in lines[1:] if not line.startswith("report-system_report")
                and not (len(line) == 64 and all(c in "0123456789abcdef" for c in line))]
        assert body, (page, lines)
