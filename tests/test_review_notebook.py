"""The management review notebook: stored clean, run headless with papermill on the demo store,
and printed as a PDF pack (``workbench review pack -o FILE.pdf``) through the report machinery:
no blank page, no traceback, every input on paper."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import nbformat
import pytest

from wbtest import IN_CI, NOTEBOOKS, execute_notebook, notebook_text

NOTEBOOK = NOTEBOOKS / "management_review.ipynb"
pytestmark = pytest.mark.notebook


def test_notebook_is_stored_clean_with_parameters():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.cells[0].source.startswith("# Management review pack")
    params = nb.cells[1]
    assert params.metadata.get("tags") == ["parameters"]
    assert 'database_url = ""' in params.source and 'as_of = ""' in params.source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert len(cell.source.splitlines()) <= 6


def test_notebook_renders_the_pack_under_papermill(demo_url, demo_store, tmp_path):
    past = (dt.date.today() - dt.timedelta(days=7)).isoformat()
    nb = execute_notebook(NOTEBOOK, tmp_path / "review.ipynb",
                          {"database_url": demo_url, "as_of": past})
    text = notebook_text(nb)
    assert "Management review pack: Larkspur Group" in text and f"As of {past};" in text
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "stream"]
    assert "9.3.2 input: AI management system performance: AI incidents" in text
    for raw in (">no_plan<", ">in_progress<", ">True<", ">False<"):
        assert raw not in text, raw
    for title in ("1. Actions from previous reviews", "9. Risks and opportunities",
                  "Changes in external and internal issues"):
        assert title in text, title
    assert "Traceback" not in text and "Error" not in text
    kinds = [o.get("output_type") for c in nb.cells for o in c.get("outputs", [])]
    assert "error" not in kinds


def _require_tools() -> None:
    from workbench.reports.export import chromium_path

    missing = [t for t in ("pdfinfo", "pdftotext", "pdftoppm") if shutil.which(t) is None]
    if chromium_path() is None:
        missing.append("chromium")
    if missing:
        if IN_CI:
            pytest.fail(f"{', '.join(missing)} missing but CI=true: the PDF must be checked")
        pytest.skip(f"{', '.join(missing)} not installed")


def _ink(pgm) -> float:
    data = pgm.read_bytes()
    fields = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert fields, data[:20]
    pixels = data[fields.end():]
    return sum(1 for value in pixels if value < 128) / len(pixels)


@pytest.mark.browser
def test_review_pack_pdf(demo_url, demo_store, tmp_path, monkeypatch, capsys):
    from workbench.cli import main

    _require_tools()
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    monkeypatch.setenv("WORKBENCH_TEMPLATE_PATH", str(NOTEBOOKS))
    target = tmp_path / "pack.pdf"
    code = main(["review", "pack", "-o", str(target)])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert err.startswith(f"management review pack written to {target}, recorded as evidence")
    evidence = demo_store.frame("evidence")
    mine = evidence[evidence["details"].map(lambda d: d.get("template")) == "management_review"]
    assert len(mine) == 1 and set(mine["clause_ids"].iloc[0]) == {"9.3.1", "9.3.2"}
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True,
                          check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    for title in ("Management review pack: Larkspur Group", "1. Actions from previous reviews",
                  "6. Monitoring and measurement results", "8. Audit results",
                  "9. Risks and opportunities", "Readiness over time"):
        assert title in flat, title
    assert "Traceback" not in text
    subprocess.run(["pdftoppm", "-gray", "-r", "30", str(target), str(tmp_path / "page")],
                   check=True)
    images = sorted(tmp_path.glob("page-*.pgm"))
    assert len(images) == pages >= 3
    ink = [round(_ink(image), 4) for image in images]
    assert all(share > 0.001 for share in ink), ink  # no page without ink
    for page in range(1, pages + 1):  # and none with only its running header and footer
        lines = [line.strip() for line in subprocess.run(
            ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(target), "-"],
            capture_output=True, text=True, check=True).stdout.splitlines() if line.strip()]
        body = [line for line in lines[1:]
                if not line.startswith("report-management_review")
                and not (len(line) == 64 and all(c in "0123456789abcdef" for c in line))]
        assert body, (page, lines)
