"""The report runner: papermill on kernels started ahead, atomic outputs, evidence, failures."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
import pytest

from workbench.errors import ConfigurationError, NotFoundError, ValidationError
from workbench.reports import plan_reports, run_reports

from wbtest import execute_notebook

pytestmark = pytest.mark.notebook

TEST_NOTEBOOKS = Path(__file__).parent / "notebooks"
SUMMARY = str(TEST_NOTEBOOKS / "system_summary.ipynb")
BROKEN = str(TEST_NOTEBOOKS / "broken.ipynb")
THREE = ["card-fraud", "credit-scoring", "support-chatbot"]


@pytest.fixture
def demo(demo_store, demo_url, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    return demo_store


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _normalised(path: Path) -> dict:
    """A notebook without what legitimately differs between two runs: timings and paths."""
    nb = json.loads(Path(path).read_text())
    nb["metadata"].pop("papermill", None)
    for cell in nb["cells"]:
        cell["metadata"].pop("papermill", None)
        cell["metadata"].pop("execution", None)
        cell.pop("id", None)
    return nb


def test_one_report_as_html_with_interactive_figure_and_evidence(demo, tmp_path):
    out = tmp_path / "out"
    [result] = run_reports(demo, SUMMARY, system="credit-scoring", out_dir=out)
    assert result.ok, result.error
    assert result.output == out / "system_summary-credit-scoring.html"
    assert sorted(p.name for p in out.iterdir()) == ["system_summary-credit-scoring.html"]
    html = result.output.read_text()
    assert "ClearCredit consumer credit scoring (Larkspur Money)" in html
    assert "Plotly.newPlot(" in html and 'class="wb-figure"' in html
    assert "import plotly.graph_objects" not in html  # no input cells
    assert "Scorecard validation and back-testing 2026 Q2" in html
    # the report is evidence: parameters, template hash, output hash, who, when
    ev = demo.get("evidence", result.evidence_id)
    rec = ev.record
    assert rec.evidence_kind.value == "report" and rec.system_ids == ["credit-scoring"]
    assert rec.content_hash == result.output_hash == _sha(result.output)
    assert rec.collected_by == "chloe" and ev.author == "chloe"  # the demo user runs it
    assert rec.details["parameters"] == {"system_id": "credit-scoring"}
    assert rec.details["template_hash"] == _sha(TEST_NOTEBOOKS / "system_summary.ipynb")
    assert rec.details["file"] == "system_summary-credit-scoring.html"
    assert rec.uri == result.output.resolve().as_uri()


def test_batch_output_is_identical_to_plain_papermill(demo, demo_url, tmp_path):
    """Kernels started ahead and warmed produce the same notebook as a plain papermill run."""
    out = tmp_path / "batch"
    results = run_reports(demo, SUMMARY, system=THREE, to="ipynb", out_dir=out, jobs=2,
                          parameters={"top": "2"}, record_evidence=False)
    assert len(results) == 3 and all(r.ok for r in results)
    for system in ("support-chatbot",):
        plain = tmp_path / f"plain-{system}.ipynb"
        execute_notebook(Path(SUMMARY), plain, {"top": 2, "system_id": system})
        ours = out / f"system_summary-{system}.ipynb"
        assert _normalised(ours) == _normalised(plain)
        counts = [c["execution_count"] for c in _normalised(ours)["cells"]
                  if c["cell_type"] == "code"]
        assert counts == [1, 2, 3, 4, 5, 6]  # warming counted nothing


def test_no_state_leaks_between_reports(demo, tmp_path):
    """Each report runs in a pristine kernel: markers left by earlier reports are never seen."""
    results = run_reports(demo, str(TEST_NOTEBOOKS / "no_state_leak.ipynb"), system=THREE,
                          out_dir=tmp_path, jobs=1, to="ipynb", record_evidence=False)
    assert [r.ok for r in results] == [True] * 3, [r.error for r in results]
    printed = {json.dumps(_normalised(r.output)["cells"][-1]["outputs"]) for r in results}
    assert len(printed) == 1  # the same namespace every time


def test_one_failing_system_does_not_stop_the_others(demo, tmp_path):
    tmp_path = tmp_path / "out"
    before = demo.count("evidence")
    results = run_reports(demo, BROKEN, system=THREE, out_dir=tmp_path, jobs=2)
    seen = [(r.system_id, r.ok, r.error) for r in results]
    failed = [r for r in results if not r.ok]
    assert [r.system_id for r in failed] == ["card-fraud"], seen
    [bad] = failed
    assert bad.error == ("cell In [4] (if system_id == fail_for:) raised ValueError: "
                         "no data for card-fraud"), seen
    assert bad.ename == "ValueError" and bad.exec_count == 4, seen
    assert bad.output is None and bad.failed_notebook == tmp_path / "broken-card-fraud.failed.ipynb"
    kept = nbformat.read(str(bad.failed_notebook), as_version=4)
    top = "".join(kept.cells[0].source)
    assert "An Exception was encountered at" in top, top  # error on top
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["broken-card-fraud.failed.ipynb", "broken-credit-scoring.html",
                       "broken-support-chatbot.html"], (written, seen)
    after = demo.count("evidence")
    assert after == before + 2, (before, after, seen)  # a failed report is not evidence
    # a later success replaces the stale failure
    [ok] = run_reports(demo, BROKEN, system="card-fraud", out_dir=tmp_path,
                       parameters={"fail_for": "nobody"}, record_evidence=False)
    assert ok.ok, ok.error
    assert not (tmp_path / "broken-card-fraud.failed.ipynb").exists()


def test_a_failed_export_leaves_nothing_half_written(demo, tmp_path, monkeypatch):
    tmp_path = tmp_path / "out"
    from workbench.reports import export

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export, "_figure_div", explode)
    [result] = run_reports(demo, SUMMARY, system="credit-scoring", out_dir=tmp_path)
    assert not result.ok and result.error == "export failed: OSError: disk full"
    kept = "system_summary-credit-scoring.failed.ipynb"
    assert sorted(p.name for p in tmp_path.iterdir()) == [kept]


def test_a_report_that_cannot_be_recorded_fails_alone(demo, tmp_path, monkeypatch):
    from workbench.errors import StoreError
    from workbench.reports import records

    saved = records.record_report

    def refuse_one(store, report, **kwargs):
        if report.system_id == "credit-scoring":
            raise StoreError("the store is busy: nothing was saved, try again")
        return saved(store, report, **kwargs)

    monkeypatch.setattr(records, "record_report", refuse_one)
    out = tmp_path / "out"
    results = run_reports(demo, BROKEN, system=["credit-scoring", "support-chatbot"],
                          out_dir=out, parameters={"fail_for": "nobody"})
    seen = [(r.system_id, r.ok, r.error) for r in results]
    assert seen == [
        ("credit-scoring", False, (f"written to {out / 'broken-credit-scoring.html'} but not "
         "recorded as evidence: the store is busy: nothing was saved, try again")),
        ("support-chatbot", True, "")], seen
    assert sorted(p.name for p in out.iterdir()) == ["broken-credit-scoring.html",
                                                     "broken-support-chatbot.html"]


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"template": "quarterly", "system": "credit-scoring"}, NotFoundError,
     "no report template 'quarterly'"),
    ({"system": "nope"}, NotFoundError,
     "no AI system 'nope' in the store; `workbench systems list` shows the ids"),
    ({"system": "credit-scoring", "parameters": {"colour": "red"}}, ValidationError,
     ("-p colour: template 'system_summary' declares no parameter 'colour'; it declares: "
      "system_id, database_url, top, show_figure")),
    ({"system": "credit-scoring", "parameters": {"top": "x"}}, ValidationError,
     "-p top=x: top takes a whole number (default 3)"),
    ({"all_systems": True, "parameters": {"system_id": "x"}}, ValidationError,
     "give the system with --system or -p system_id=…, not both"),
    ({"template": str(TEST_NOTEBOOKS / "organization_summary.ipynb"), "all_systems": True},
     ValidationError, "template 'organization_summary' declares no system_id parameter"),
    ({"to": "docx", "system": "credit-scoring"}, ValidationError,
     "--to docx: choose one of html, pdf, ipynb"),
    ({"jobs": 0, "system": "credit-scoring"}, ValidationError, "--jobs 0: give 1 or more"),
    # neither --system nor --all: never the notebook's own default system
    ({}, ValidationError, "template 'system_summary' reports on one AI system: give --system "
     "ID or --all"),
])
def test_bad_requests_are_refused_before_anything_runs(demo, tmp_path, options, error, message):
    before = demo.head()
    options = {"template": SUMMARY, "out_dir": tmp_path / "out", **options}
    with pytest.raises(error) as err:
        plan_reports(demo, options.pop("template"), **options)
    assert str(err.value).startswith(message)
    assert demo.head() == before
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_output_folder_that_cannot_be_written(demo, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(ConfigurationError) as err:
        plan_reports(demo, SUMMARY, system="credit-scoring", out_dir=afile / "reports")
    assert str(err.value) == (f"cannot write reports to {str(afile / 'reports')!r}: Not a "
                              "directory; choose another --out")
    with pytest.raises(ConfigurationError, match="it is a file, not a folder"):
        plan_reports(demo, SUMMARY, system="credit-scoring", out_dir=afile)


def test_pdf_without_chromium_is_a_clear_error(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(ConfigurationError) as err:
        plan_reports(demo, SUMMARY, system="credit-scoring", to="pdf", out_dir=tmp_path)
    assert str(err.value).startswith(f"PDF export needs Chromium and there is none at "
                                     f"{tmp_path / 'no-chromium'}: install it")


def _require_chromium() -> None:
    from workbench.reports.export import chromium_path

    if chromium_path() is None:
        from wbtest import IN_CI

        if IN_CI:
            pytest.fail("Chromium is missing but CI=true: PDF export must be tested")
        pytest.skip("Chromium is not installed")


@pytest.mark.browser
def test_pdf_through_chromium(demo, tmp_path):
    tmp_path = tmp_path / "out"
    _require_chromium()
    [result] = run_reports(demo, "system_report", system="cv-screening", to="pdf",
                           out_dir=tmp_path)
    assert result.ok, result.error
    assert result.output.read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["system_report-cv-screening.pdf"]


@pytest.mark.browser
def test_pdf_printed_while_an_asyncio_loop_runs_in_the_calling_thread(tmp_path):
    """In-process notebook runs (nbclient) can leave an event loop running in the main thread,
    where Playwright's sync API refuses to work; the printer keeps its browser in a thread
    of its own."""
    import asyncio

    from workbench.reports.export import PdfPrinter, to_html

    _require_chromium()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "", outputs=[nbformat.v4.new_output("display_data", data={
            "application/vnd.plotly.v1+json": {"data": [{"type": "bar", "y": [1, 2]}],
                                               "layout": {"height": 300}}})])])
    html = tmp_path / "report.html"
    html.write_text(to_html(nb, title="loop"), encoding="utf-8")
    pdfs = [tmp_path / "one.pdf", tmp_path / "two.pdf"]

    def print_both() -> None:
        asyncio.get_running_loop()  # raises unless a loop runs in this thread
        with PdfPrinter() as printer:
            for pdf in pdfs:  # the same browser serves several prints
                printer.print(html, pdf)

    async def in_a_running_loop() -> None:
        print_both()

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop yet in this thread: run one
        asyncio.run(in_a_running_loop())
    else:  # an earlier in-process notebook run left one running: the case itself
        print_both()
    assert all(p.read_bytes()[:5] == b"%PDF-" for p in pdfs)


def test_printer_outside_its_with_block_is_refused(tmp_path, monkeypatch):
    from workbench.reports.export import PdfPrinter

    printer = PdfPrinter(executable=tmp_path / "chromium")
    with pytest.raises(RuntimeError, match="outside its `with` block"):
        printer.print(tmp_path / "a.html", tmp_path / "a.pdf")


def test_template_without_system_runs_once(empty_store, tmp_path, monkeypatch):
    """On SQLite and PostgreSQL: the kernel reads the same store the report is recorded in."""
    from workbench import demo as demo_data

    store = empty_store
    demo_data.seed(store)
    monkeypatch.setenv("WORKBENCH_USER", "chloe")  # the demo's governance lead runs it
    [result] = run_reports(store, str(TEST_NOTEBOOKS / "organization_summary.ipynb"),
                           out_dir=tmp_path, to="ipynb")
    assert result.ok, result.error
    assert result.output == tmp_path / "organization_summary.ipynb"
    text = json.dumps(json.loads(result.output.read_text())["cells"][-1]["outputs"])
    assert "7 AI systems" in text
    assert store.get("evidence", result.evidence_id).record.system_ids == []


def test_a_batch_its_runner_could_not_record_is_refused_before_it_runs(demo, tmp_path,
                                                                       monkeypatch):
    from workbench.errors import PermissionDeniedError

    monkeypatch.setenv("WORKBENCH_USER", "scheduler")  # not (yet) a person in the store
    before = demo.head()
    with pytest.raises(PermissionDeniedError) as err:
        plan_reports(demo, SUMMARY, all_systems=True, out_dir=tmp_path / "out")
    assert str(err.value) == (
        "scheduler is not an active person in this store and cannot save a report's evidence; "
        "an admin adds people (workbench admin add-user scheduler --role ...); no report was "
        "run (each report is recorded as evidence; --no-evidence runs without)")
    assert demo.head() == before and not (tmp_path / "out").exists()
    plan = plan_reports(demo, SUMMARY, all_systems=True, out_dir=tmp_path / "out",
                        record_evidence=False)
    assert len(plan.systems) == 7


def test_a_template_whose_system_defaults_to_empty_reports_on_the_portfolio(demo, tmp_path):
    """risk_assessment's system_id defaults to '' (the whole portfolio): without --system it
    runs once for the portfolio; a per-system template still needs --system or --all."""
    plan = plan_reports(demo, "risk_assessment", out_dir=tmp_path / "out")
    assert plan.systems == [None]
    one = plan_reports(demo, "risk_assessment", system="credit-scoring", out_dir=tmp_path / "o")
    assert one.systems == ["credit-scoring"]
    with pytest.raises(ValidationError, match="reports on one AI system"):
        plan_reports(demo, SUMMARY, out_dir=tmp_path / "out")


@pytest.mark.parametrize("template, value", [("internal_audit", "2026-13-01"),
                                             ("readiness", "notadate")])
def test_a_date_parameter_that_is_not_a_date_is_refused_before_anything_runs(
        demo, tmp_path, template, value):
    before = demo.head()
    with pytest.raises(ValidationError, match=rf"^-p as_of={value}: not a date; use "
                                              r"YYYY-MM-DD \(YYYY-MM-DD"):
        plan_reports(demo, template, parameters={"as_of": value}, out_dir=tmp_path / "out")
    assert demo.head() == before and not (tmp_path / "out").exists()


def test_a_report_runs_an_interactive_template_static(demo, tmp_path):
    """Templates whose widgets are on by default for JupyterLab run without them as reports
    (a widget would print as its Python repr), unless -p interactive=True asks for them."""
    plan = plan_reports(demo, "risk_assessment", out_dir=tmp_path / "out")
    assert plan.parameters["interactive"] is False
    asked = plan_reports(demo, "risk_assessment", parameters={"interactive": "True"},
                         out_dir=tmp_path / "out")
    assert asked.parameters["interactive"] is True
