"""OSCAL export: every model validates against compliance-trestle's OSCAL models (the [oscal]
extra), assessment results and the POA&M also against NIST's OSCAL 1.1.3 JSON schemas (test
data, see data/oscal/README.md); an export that fails is not written; every export is recorded
as evidence with the store head it reflects; the catalog carries ids and titles only."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import regex
from jsonschema import Draft7Validator
from jsonschema.validators import extend

from workbench.cli import main
from workbench.interop import oscal

SCHEMAS = Path(__file__).parent / "data" / "oscal"


def _pattern(validator, pattern, instance, schema):
    # OSCAL's patterns use \p{L}; the regex package knows it, Python's re does not.
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


OscalValidator = extend(Draft7Validator, {"pattern": _pattern})


def _errors(document: dict, schema_file: str) -> list[str]:
    schema = json.loads((SCHEMAS / schema_file).read_text())
    validator = OscalValidator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in validator.iter_errors(document)]


def test_assessment_results_validate_against_the_nist_schema(demo_store):
    doc = oscal.oscal_document(demo_store, "assessment-results")
    assert _errors(doc, "oscal_assessment-results_schema.json") == []
    ar = doc["assessment-results"]
    assert ar["metadata"]["oscal-version"] == "1.1.3"
    seq, head = demo_store.head_entry()
    props = {p["name"]: p["value"] for p in ar["metadata"]["props"]}
    assert (props["store-head-seq"], props["store-head-hash"]) == (str(seq), head)
    result = ar["results"][0]
    findings = {f["target"]["target-id"]: f["target"]["status"] for f in result["findings"]}
    assert findings["clause-4.1"] == {"state": "satisfied", "reason": "pass"}
    assert findings["clause-4.3"] == {"state": "not-satisfied", "reason": "fail"}
    observation = next(o for o in result["observations"] if o["title"].startswith("4.3 "))
    assert observation["description"] == ("the AIMS scope is recorded but not approved To do: "
                                          "sign-off of the AIMS scope is pending with executive")
    # the same store gives the same identifiers
    again = oscal.oscal_document(demo_store, "assessment-results")
    assert again["assessment-results"]["uuid"] == ar["uuid"]


def test_the_schema_is_not_vacuous(demo_store):
    doc = oscal.oscal_document(demo_store, "assessment-results")
    finding = doc["assessment-results"]["results"][0]["findings"][0]
    del finding["target"]
    finding["props"][0]["name"] = "not a token"
    errors = _errors(doc, "oscal_assessment-results_schema.json")
    assert any(e.endswith("'target' is a required property") for e in errors), errors
    assert any("'not a token' does not match" in e for e in errors), errors


def test_poam_validates_and_lists_open_nonconformities_and_risks_above_appetite(demo_store):
    doc = oscal.oscal_document(demo_store, "poam")
    assert _errors(doc, "oscal_poam_schema.json") == []
    poam = doc["plan-of-action-and-milestones"]
    sources = {}
    for item in poam["poam-items"]:
        props = {p["name"]: p["value"] for p in item["props"]}
        sources.setdefault(props["source"], []).append(props["record-id"])
    # nc-2 is closed; the monitoring of cv-screening raised the other open one
    assert sources["nonconformity"] == ["nc-1", "nc-monitoring-cv-screening"]
    import workbench as wb

    register = wb.risk.register(demo_store)
    above = sorted(register.loc[register["above_appetite"] & (register["status"] != "closed"),
                                "id"])
    assert sorted(sources["risk"]) == above and len(above) > 0
    accepted = {r["title"]: r["status"] for r in poam["risks"]}
    assert set(accepted.values()) <= {"open", "deviation-approved"}


def test_catalog_has_our_ids_and_titles_and_no_guidance_text(demo_store):
    import workbench as wb

    doc = oscal.oscal_document(demo_store, "catalog")["catalog"]
    clauses = [g for g in doc["groups"] if g["class"] == "clause"]
    assert [g["id"] for g in clauses] == ["clause-4", "clause-5", "clause-6", "clause-7",
                                          "clause-8", "clause-9", "clause-10"]
    annex = next(g for g in doc["groups"] if g["id"] == "annex-a")
    controls = [c for g in annex["groups"] for c in g["controls"]]
    assert len(controls) == 38
    assert controls[0] == {"id": "A.2.2", "class": "control", "title": "AI policy",
                           "props": [{"name": "label", "value": "A.2.2"}]}
    text = json.dumps(doc)
    summary = wb.catalog.controls().iloc[0]["guidance"]
    assert summary[:40] not in text  # our guidance is not exported either, only titles
    assert "parts" not in text


def test_component_definition_carries_the_soa_with_justifications_and_evidence(demo_store):
    doc = oscal.oscal_document(demo_store, "component-definition")["component-definition"]
    impl = doc["components"][0]["control-implementations"][0]
    requirements = {r["control-id"]: r for r in impl["implemented-requirements"]}
    assert len(requirements) == 38
    a22 = requirements["A.2.2"]
    assert a22["description"] == ("The AI policy is required by clause 5.2 and frames every "
                                  "AI objective.")
    assert {p["name"]: p["value"] for p in a22["props"]} == {
        "applicable": "yes", "implementation-status": "implemented", "owner": "chloe"}
    resources = {r["uuid"] for r in doc["back-matter"]["resources"]}
    linked = [link["href"][1:] for r in requirements.values() for link in r.get("links", [])]
    assert linked and set(linked) <= resources


def test_export_is_recorded_as_evidence_with_the_head_it_reflects(demo_store, tmp_path):
    seq, head = demo_store.head_entry()
    result = oscal.export_oscal(demo_store, "assessment-results", tmp_path / "ar.json")
    assert (result.head_seq, result.head_hash) == (seq, head)
    evidence = demo_store.get("evidence", result.evidence_id)
    assert evidence.content["evidence_kind"] == "report"
    assert evidence.content["details"]["store_head"] == {"seq": seq, "hash": head}
    assert evidence.content["details"]["oscal"] == {"model": "assessment-results",
                                                   "version": "1.1.3"}
    assert evidence.content["content_hash"] == result.sha256
    assert demo_store.head_entry()[0] == seq + 1  # the evidence itself, after the head


@pytest.mark.parametrize("model", oscal.MODELS)
def test_every_model_validates_against_trestles_oscal_models(demo_store, model):
    checked = oscal.validate_document(oscal.oscal_document(demo_store, model))
    assert checked is not None and checked.startswith("compliance-trestle ")


def test_a_document_failing_its_model_is_refused_in_one_line_and_not_written(
        demo_store, tmp_path, monkeypatch):
    from workbench.errors import ValidationError

    doc = oscal.oscal_document(demo_store, "component-definition")
    doc["component-definition"]["components"][0]["uuid"] = "not-a-uuid"
    with pytest.raises(ValidationError, match=r"^OSCAL component-definition fails its model at "
                       r"components\.0\.uuid: .*nothing was written$"):
        oscal.validate_document(doc)
    with pytest.raises(ValidationError, match="not an OSCAL document"):
        oscal.validate_document({"profile": {}})
    broken = oscal.oscal_document

    def with_extra_key(store, model, **kw):
        out = broken(store, model, **kw)
        out["catalog"]["surprise"] = 1
        return out

    monkeypatch.setattr(oscal, "oscal_document", with_extra_key)
    head = demo_store.head()
    out = tmp_path / "oscal"
    out.mkdir()
    with pytest.raises(ValidationError, match="surprise"):
        oscal.export_oscal(demo_store, "catalog", out / "catalog.json")
    assert list(out.iterdir()) == [] and demo_store.head() == head


def test_cli_oscal(demo_url, tmp_path, capsys):
    out = tmp_path / "poam.json"
    assert main(["--database-url", demo_url, "oscal", "poam", "-o", str(out)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"wrote OSCAL 1.1.3 poam to {out} (store head #")
    assert "; valid against compliance-trestle " in line
    assert "; recorded as evidence oscal-poam-" in line
    assert _errors(json.loads(out.read_text()), "oscal_poam_schema.json") == []
    with pytest.raises(SystemExit):
        main(["oscal", "profile", "-o", str(out)])


def test_typed_text_keeps_its_lines_and_reads_as_typed(demo_store):
    """OSCAL's descriptions are Markdown: paragraphs and line breaks are kept, and characters
    Markdown would read as formatting or HTML are escaped; a title is one escaped line."""
    from actors import acting

    import workbench as wb

    with acting("chloe"):
        wb.readiness.update_entry(demo_store, "A.2.2", justification=(
            "Begründung: *required* by 5.2 & <b>frames</b> objectives 🚀\nzweite Zeile\n\n"
            "Second paragraph\twith a tab"))
        current = demo_store.get("risk", "credit-scoring-r04")
        demo_store.save(current.record.model_copy(update={"title": "Approvals <b>auto</b>"}),
                        base_version=current.version)
    doc = oscal.oscal_document(demo_store, "component-definition")["component-definition"]
    impl = doc["components"][0]["control-implementations"][0]
    a22 = next(r for r in impl["implemented-requirements"] if r["control-id"] == "A.2.2")
    assert a22["description"] == (
        "Begründung: \\*required\\* by 5.2 \\& \\<b\\>frames\\</b\\> objectives 🚀\\\n"
        "zweite Zeile\n\nSecond paragraph with a tab")
    poam = oscal.oscal_document(demo_store, "poam")
    assert _errors(poam, "oscal_poam_schema.json") == []
    titles = {r["title"] for r in poam["plan-of-action-and-milestones"]["risks"]}
    assert "Approvals \\<b\\>auto\\</b\\>" in titles
