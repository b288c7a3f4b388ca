"""``workbench audit list | checklist | complete | report``: the internal audit from the
command line, with the library's rules (only the assigned auditor completes it, every finding
in scope, all or nothing)."""

from __future__ import annotations

import json

from actors import acting

FINDINGS = [
    {"requirement_id": "A.6.2.4", "outcome": "conforming",
     "notes": "Validation reports held for every system in operation."},
    {"requirement_id": "A.6.2.6", "outcome": "minor_nc",
     "notes": "<b>Monitoring</b> of the credit scorecard ran late twice.",
     "system_ids": ["credit-scoring"]},
    {"requirement_id": "A.7.4", "outcome": "observation",
     "notes": "Data quality checks are manual."},
]


def _write(tmp_path, name: str, data) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_audit_list_and_checklist(cli):
    code, out, err = cli("audit", "list")
    assert code == 0 and err == ""
    rows = [line.split() for line in out.splitlines()[2:]]
    assert [r[:3] for r in rows] == [["audit-programme", "aims-core", "hiro"],
                                     ["audit-programme", "life-cycle", "hiro"]]
    assert "not yet" in out.splitlines()[3]
    code, out, _ = cli("audit", "list", "--json")
    listed = {a["audit"]: a for a in json.loads(out)}
    assert listed["aims-core"]["findings"] == {"conforming": 3, "observation": 1,
                                               "improvement": 1, "minor_nc": 1}
    assert listed["life-cycle"]["completed_on"] is None
    code, out, err = cli("audit", "checklist", "audit-programme", "life-cycle", "--json")
    assert code == 0 and err == ""
    assert [r["requirement_id"] for r in json.loads(out)] == ["A.6.2.4", "A.6.2.6", "A.7.4"]
    code, out, _ = cli("audit", "checklist", "audit-programme", "life-cycle")
    assert out.splitlines()[0].split()[:2] == ["requirement", "readiness"]


def test_audit_complete_refusals_are_one_line_and_write_nothing(cli, demo_store, tmp_path):
    head = demo_store.head()
    good = _write(tmp_path, "findings.json", FINDINGS)
    with acting("ravi"):
        code, out, err = cli("audit", "complete", "audit-programme", "life-cycle",
                             "--findings", good, "--results", "Done.")
    assert code == 1 and out == "" and err == (
        "error: audit life-cycle is assigned to hiro; only hiro completes it (ravi may not)\n")
    for name, data, message in (
            ("mapping.json", {"findings": FINDINGS}, "expected a list of audit findings"),
            ("short.json", FINDINGS[:2], "A.7.4"),
            ("bad.json", [{**FINDINGS[0], "outcome": "fine"}] + FINDINGS[1:], "outcome")):
        with acting("hiro"):
            code, out, err = cli("audit", "complete", "audit-programme", "life-cycle",
                                 "--findings", _write(tmp_path, name, data), "--results", "x")
        assert code == 1 and err.count("\n") == 1 and message in err, err
    code, _, err = cli("audit", "checklist", "audit-programme", "nope")
    assert code == 1 and err.count("\n") == 1 and "nope" in err
    assert demo_store.head() == head


def test_audit_complete_raises_the_nonconformity_and_reports(cli, demo_store, tmp_path):
    good = _write(tmp_path, "findings.json", FINDINGS)
    with acting("hiro"):
        code, out, err = cli("audit", "complete", "audit-programme", "life-cycle",
                             "--findings", good, "--results", "One minor nonconformity.",
                             "--reported-to", "chloe")
    assert code == 0 and err == "", err
    assert out.startswith("audit life-cycle completed (3 findings; audit programme "
                          "audit-programme version ")
    raised = out.strip().rsplit("nonconformities raised: ", 1)[1]
    nc = demo_store.get("nonconformity", raised).record
    assert nc.source.value == "internal_audit" and nc.system_ids == ["credit-scoring"]
    code, out, _ = cli("audit", "list", "--json")
    done = {a["audit"]: a for a in json.loads(out)}["life-cycle"]
    assert done["completed_on"] is not None and done["findings"]["minor_nc"] == 1
    with acting("hiro"):  # a second completion is refused
        code, _, err = cli("audit", "complete", "audit-programme", "life-cycle",
                           "--findings", good, "--results", "again")
    assert code == 1 and "already completed" in err
    report = tmp_path / "out" / "audit.html"
    code, out, _ = cli("audit", "report", "audit-programme", "--out", str(report))
    assert code == 0 and out == f"wrote {report}\n"
    html = report.read_text(encoding="utf-8")
    assert "life-cycle" in html and raised in html
    assert "&lt;b&gt;Monitoring&lt;/b&gt;" in html and "<b>Monitoring</b>" not in html
    assert "http" not in html.split("<body>")[0]  # nothing fetched from outside the file
