"""The framework catalog: shipped data files, their cross-checks, and the Python API."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import pydantic
import pytest
import yaml

import workbench.catalog as cat
from workbench.catalog._load import load_file
from workbench.catalog._schema import FILE_MODELS, PRINCIPLES
from workbench.errors import NotFoundError, ValidationError

DATA_FILES = sorted(cat.DATA_DIR.glob("*.yaml"))
#: Optional folder holding the reference CSVs the crosswalk was converted from.
REFERENCE_DIR = os.environ.get("WORKBENCH_REFERENCE_DIR", "")

CONTROL_IDS = (
    "A.2.2", "A.2.3", "A.2.4",
    "A.3.2", "A.3.3",
    "A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6",
    "A.5.2", "A.5.3", "A.5.4", "A.5.5",
    "A.6.1.2", "A.6.1.3", "A.6.2.2", "A.6.2.3", "A.6.2.4", "A.6.2.5", "A.6.2.6", "A.6.2.7",
    "A.6.2.8",
    "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6",
    "A.8.2", "A.8.3", "A.8.4", "A.8.5",
    "A.9.2", "A.9.3", "A.9.4",
    "A.10.2", "A.10.3", "A.10.4",
)  # fmt: skip
PER_OBJECTIVE = {
    "A.2": 3, "A.3": 2, "A.4": 5, "A.5": 4, "A.6": 9, "A.7": 5, "A.8": 4, "A.9": 3, "A.10": 3,
}  # fmt: skip
SUB_CLAUSES = (
    "4.1 4.2 4.3 4.4 5.1 5.2 5.3 6.1 6.1.1 6.1.2 6.1.3 6.1.4 6.2 6.3 7.1 7.2 7.3 7.4 7.5 7.5.1 "
    "7.5.2 7.5.3 8.1 8.2 8.3 8.4 9.1 9.2 9.2.1 9.2.2 9.3 9.3.1 9.3.2 9.3.3 10.1 10.2"
).split()
HEAVY = ("pandas", "sqlalchemy", "plotly", "papermill", "ipywidgets")


# --------------------------------------------------------------------------- every file


@pytest.mark.parametrize("path", DATA_FILES, ids=[p.name for p in DATA_FILES])
def test_every_shipped_file_validates_against_its_schema(path: Path) -> None:
    f = load_file(path)
    header = f.header
    assert header.kind in FILE_MODELS
    assert header.name and header.version and header.licence
    assert header.source.publication and header.source.publisher and header.source.date


def test_the_catalog_ships_every_framework_file() -> None:
    names = {p.name for p in DATA_FILES}
    assert {
        "iso42001.yaml",
        "annex_c.yaml",
        "nist_ai_rmf.yaml",
        "crosswalk_nist_ai_rmf_iso42001.yaml",
        "eu_ai_act.yaml",
        "mapping_annex_a_eu_ai_act.yaml",
    } <= names
    assert len(cat.sources()) == len(DATA_FILES)
    assert all(row["licence"] for row in cat.sources())


def test_loading_a_directory_cross_checks_it() -> None:
    catalog = cat.load_catalog(cat.DATA_DIR)
    assert catalog.entry("A.6.2.4").kind == "control"
    assert cat.load_catalog() is cat.load_catalog()  # the shipped catalog is cached


# --------------------------------------------------------------------------- ISO/IEC 42001


def test_annex_a_has_38_controls_in_9_objectives() -> None:
    assert cat.control_ids() == CONTROL_IDS
    frame = cat.controls()
    assert len(frame) == 38
    assert list(frame.columns) == [
        "id", "objective_id", "objective_title", "title", "guidance", "evidence", "principles"
    ]  # fmt: skip
    assert frame.groupby("objective_id").size().to_dict() == PER_OBJECTIVE
    assert len(cat.objectives()) == 9
    assert cat.objectives().set_index("id")["controls"].to_dict() == PER_OBJECTIVE


@pytest.mark.parametrize(
    ("control", "title"),
    [
        ("A.2.2", "AI policy"),
        ("A.3.3", "Reporting of concerns"),
        ("A.5.2", "AI system impact assessment process"),
        ("A.6.2.4", "AI system verification and validation"),
        ("A.6.2.8", "AI system recording of event logs"),
        ("A.7.5", "Data provenance"),
        ("A.10.4", "Customers"),
    ],
)
def test_control_titles(control: str, title: str) -> None:
    assert cat.get(control).title == title


def test_every_control_has_practical_content() -> None:
    for c in cat.load_catalog().iso.controls:
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", c.guidance.strip())
        assert 2 <= len(sentences) <= 4, c.id
        assert 3 <= len(c.evidence) <= 6, c.id
        assert set(c.principles) <= set(PRINCIPLES), c.id


def test_filtering_controls_by_objective() -> None:
    assert cat.controls("A.6")["id"].tolist() == [c for c in CONTROL_IDS if c.startswith("A.6.")]
    with pytest.raises(NotFoundError, match="did you mean A.10"):
        cat.controls("A.11")


def test_clauses_4_to_10_with_every_sub_clause() -> None:
    frame = cat.clauses()
    ids = frame["id"].tolist()
    assert set(SUB_CLAUSES) | {str(n) for n in range(4, 11)} == set(ids)
    assert ids == list(cat.clause_ids())
    row = frame.set_index("id").loc["6.1.3"]
    assert row["parent"] == "6.1" and row["depth"] == 3
    assert any("Statement of Applicability" in d for d in row["documented_information"])
    assert frame.set_index("id").loc["6"]["depth"] == 1


@pytest.mark.parametrize(
    "clause", ["4.3", "5.2", "6.1.2", "6.1.3", "6.1.4", "6.2", "7.2", "8.2", "8.3", "8.4",
               "9.1", "9.2.2", "9.3.3", "10.2"],  # fmt: skip
)
def test_clauses_requiring_documented_information(clause: str) -> None:
    assert cat.get(clause).documented_information


def test_clauses_without_documented_information_have_an_empty_list() -> None:
    assert cat.get("6.3").documented_information == []
    assert cat.get("9.2.1").documented_information == []


# --------------------------------------------------------------------------- Annex C, NIST


def test_annex_c_objectives_and_risk_sources() -> None:
    objectives = cat.annex_c_objectives()
    sources = cat.annex_c_risk_sources()
    assert len(objectives) == 11 and len(sources) == 7
    for item_id in (
        "objective.fairness",
        "objective.transparency_and_explainability",
        "objective.availability_and_quality_of_training_and_test_data",
        "objective.ai_expertise",
    ):
        assert item_id in objectives["id"].tolist()
    assert {"source.level_of_automation", "source.machine_learning"} <= set(sources["id"])
    assert cat.annex_c_objective_ids() == tuple(objectives["id"])
    assert cat.risk_source_ids() == tuple(sources["id"])


def test_nist_ai_rmf_has_72_subcategories() -> None:
    frame = cat.nist_subcategories()
    assert len(frame) == 72
    assert frame.groupby("function").size().to_dict() == {
        "GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13
    }  # fmt: skip
    assert len(cat.nist_subcategories("MEASURE")) == 22
    sub = cat.get("GOVERN 1.1")
    assert sub.category == "GOVERN 1" and sub.function == "GOVERN"
    assert sub.statement == (
        "Legal and regulatory requirements involving AI are understood, managed, and documented."
    )
    assert cat.get("MEASURE 2.11").statement == (
        "Fairness and bias - as identified in the MAP function - are evaluated and results are "
        "documented."
    )
    with pytest.raises(NotFoundError):
        cat.nist_subcategories("MEASURES")


def test_crosswalk_has_280_links_as_published() -> None:
    frame = cat.nist_crosswalk()
    assert len(frame) == 280
    columns = ["subcategory", "iso42001_ref", "annex_a_control", "title", "note"]
    assert list(frame.columns) == columns
    ends = frame[["subcategory", "iso42001_ref", "annex_a_control"]].fillna("")
    clean = list(ends.itertuples(index=False, name=None))
    assert clean[:4] == [
        ("GOVERN 1.1", "4.1", ""),
        ("GOVERN 1.1", "6.2", ""),
        ("GOVERN 1.1", "B.2.2", "A.2.2"),
        ("GOVERN 1.1", "B.2.4", "A.2.4"),
    ]
    assert clean[-1] == ("MEASURE 4.3", "B.6.2.7", "A.6.2.7")
    assert ("MANAGE 4.3", "B.8.5", "A.8.5") in clean
    assert ("MAP 1.5", "6.1.1", "") in clean
    assert ("MEASURE 2.12", "B.4.5", "A.4.5") in clean
    assert len(set(clean)) == 280
    assert set(frame["subcategory"]) == set(cat.nist_subcategories()["id"])
    # Titles kept as published; a note marks the few that do not match their reference.
    noted = frame[frame["note"].notna()]
    assert set(zip(noted["subcategory"], noted["iso42001_ref"])) == {
        ("GOVERN 3.2", "B.3.2"), ("GOVERN 5.1", "B.5.4"), ("MAP 1.4", "B.2.2"),
        ("MAP 1.5", "6.1.1"), ("MAP 4.2", "B.10.3"),
    }  # fmt: skip
    assert frame.iloc[0]["title"] == "Understanding the organization and its context"


@pytest.mark.skipif(not REFERENCE_DIR, reason="set WORKBENCH_REFERENCE_DIR to the folder of "
                    "the reference CSVs (.ci/run does when they are beside the checkout)")
def test_crosswalk_and_statements_equal_the_reference_csv_row_for_row() -> None:
    ref = Path(REFERENCE_DIR)
    # Named but missing is a mistake, not a reason to skip.
    assert (ref / "nist-ai-rmf-to-iso42001.csv").is_file(), \
        f"WORKBENCH_REFERENCE_DIR={REFERENCE_DIR} has no nist-ai-rmf-to-iso42001.csv"
    with (ref / "nist-ai-rmf-to-iso42001.csv").open(encoding="utf-8") as fh:
        expected = [
            (r["nist_ai_rmf_subcategory"], r["iso42001_ref"], r["annex_a_control"],
             re.sub(r"\s*<br>\s*", " ", r["iso42001_title"]).strip())  # fmt: skip
            for r in csv.DictReader(fh)
        ]
    links = cat.load_catalog().crosswalk.links
    actual = [(x.subcategory, x.iso42001_ref, x.annex_a_control or "", x.title) for x in links]
    assert actual == expected
    with (ref / "nist-ai-rmf-subcategories.csv").open(encoding="utf-8") as fh:
        subs = [(r["subcategory"], r["function"], r["statement"]) for r in csv.DictReader(fh)]
    assert [(s.id, s.function, s.statement) for s in cat.load_catalog().nist.subcategories] == subs


# --------------------------------------------------------------------------- EU AI Act


def test_eu_prohibited_practices_and_annex_iii() -> None:
    assert cat.eu_practices()["id"].tolist() == [f"art5.{x}" for x in "abcdefgh"]
    annex = cat.eu_annex_iii()
    areas = annex[annex["parent"].isna()]["id"].tolist()
    assert areas == [f"annex3.{n}" for n in range(1, 9)]
    for use_case in ("annex3.4.a", "annex3.4.b", "annex3.5.a", "annex3.5.b", "annex3.5.c",
                     "annex3.5.d", "annex3.8.b"):  # fmt: skip
        assert cat.get(use_case).parent == use_case.rpartition(".")[0]
    assert "fraud" in cat.get("annex3.5.b").exclusions
    assert "recruit" in cat.get("annex3.4.a").description.lower()


def test_eu_articles_roles_tiers_and_details() -> None:
    frame = cat.eu_articles().set_index("id")
    required = ["art6", "art9", "art10", "art11", "art12", "art13", "art14", "art15", "art17",
                "art26", "art27", "art50", "art51", "art52", "art53", "art54", "art55", "art72",
                "art73"]  # fmt: skip
    assert set(required) <= set(frame.index)
    assert set(required) <= set(cat.eu_article_ids())
    assert frame.loc["art26", "roles"] == "deployer" and frame.loc["art27", "tier"] == "high_risk"
    assert frame.loc["art53", "roles"] == "gpai_provider" and frame.loc["art53", "tier"] == "gpai"
    assert set(frame["roles"]) <= {"provider", "deployer", "both", "gpai_provider"}
    assert set(frame["tier"]) <= {"prohibited", "high_risk", "transparency", "gpai", "all"}
    assert [a for a in frame.index if a.startswith("art50.")] == [f"art50.{n}" for n in range(1, 5)]
    assert "profiling" in cat.get("art6.3").exclusions
    assert cat.get("art51.2").threshold_flop == 1e25


def test_eu_dates_in_law_and_reported_changes_apart() -> None:
    frame = cat.eu_dates()
    in_law = frame[frame["status"] == "in_law"]
    dates = {d.date() for d in in_law["date"]}
    assert {dt.date(2025, 2, 2), dt.date(2025, 8, 2), dt.date(2026, 8, 2),
            dt.date(2027, 8, 2)} <= dates  # fmt: skip
    assert in_law["source"].str.contains("Art. 11").all()
    reported = frame[frame["status"] == "reported"].set_index("id")
    assert not reported["applies"].any()  # amended dates apply once the amendment is in force
    assert reported.loc["amendment.digital_omnibus_ai.annex_iii", "date"].date() == dt.date(
        2027, 12, 2
    )
    assert reported.loc["amendment.digital_omnibus_ai.annex_i", "date"].date() == dt.date(
        2028, 8, 2
    )
    amendment = cat.get("amendment.digital_omnibus_ai")
    assert amendment.status == "reported"
    assert "reported" in amendment.source and "Official Journal" in amendment.source


def test_eu_mapping_covers_every_high_risk_requirement() -> None:
    frame = cat.eu_mapping()
    assert 40 <= len(frame) <= 70
    assert set(frame["relationship"]) <= {"supports", "partially_covers", "equivalent_intent"}
    assert frame["rationale"].str.len().min() > 20
    for article in ("art9", "art10", "art11", "art12", "art13", "art14", "art15"):
        assert (frame["article"] == article).any(), article
    pairs = set(zip(frame["control"], frame["article"]))
    for pair in [("A.5.2", "art27"), ("A.5.4", "art27"), ("A.6.2.8", "art12"),
                 ("A.7.4", "art10"), ("A.9.2", "art26"), ("A.8.4", "art73"),
                 ("A.6.2.6", "art72"), ("A.6.2.4", "art15"), ("A.6.2.7", "art11"),
                 ("A.8.2", "art13")]:  # fmt: skip
        assert pair in pairs
    mapping = next(f for f in cat.load_catalog().mappings if f.header.target_framework)
    assert any("presumption of conformity" in note for note in mapping.header.notes)


# --------------------------------------------------------------------------- referential integrity


def test_every_reference_resolves() -> None:
    catalog = cat.load_catalog()
    controls = set(cat.control_ids())
    clauses = set(cat.clause_ids())
    for link in catalog.crosswalk.links:
        assert catalog.entry(link.subcategory).kind == "nist_subcategory"
        if link.annex_a_control:
            assert link.annex_a_control in controls
            assert link.iso42001_ref == "B." + link.annex_a_control[2:]
        else:
            assert link.iso42001_ref in clauses
    for mapping in catalog.mappings:
        for link in mapping.model.links:
            assert catalog.entry(link.source) is not None
            assert catalog.entry(link.target) is not None
    for clause in catalog.iso.clauses:
        assert clause.parent is None or clause.parent in clauses
    ids = [item_id for f in DATA_FILES for item_id in _ids_in(yaml.safe_load(f.read_text()))]
    assert len(ids) == len(set(ids)), "ids are unique across every file"


def _ids_in(data: Any) -> list[str]:
    if isinstance(data, dict):
        own = [data["id"]] if "id" in data and "kind" not in data else []
        return own + [i for v in data.values() for i in _ids_in(v)]
    if isinstance(data, list):
        return [i for v in data for i in _ids_in(v)]
    return []


# --------------------------------------------------------------------------- get, crosswalk


@pytest.mark.parametrize(
    ("item_id", "kind"),
    [
        ("6.1.2", "clause"),
        ("A.6", "annex_a_objective"),
        ("A.6.2.4", "control"),
        ("objective.fairness", "annex_c_objective"),
        ("source.level_of_automation", "risk_source"),
        ("GOVERN", "nist_function"),
        ("GOVERN 1.1", "nist_subcategory"),
        ("art14", "eu_article"),
        ("art5.c", "eu_practice"),
        ("annex3.4.a", "eu_annex_iii"),
        ("date.general_application", "eu_date"),
    ],
)
def test_get_any_item(item_id: str, kind: str) -> None:
    item = cat.get(item_id)
    assert isinstance(item, pydantic.BaseModel) and item.id == item_id
    assert cat.kind_of(item_id) == kind


def test_items_are_frozen() -> None:
    with pytest.raises(pydantic.ValidationError):
        cat.get("A.6.2.4").title = "changed"  # type: ignore[misc]


def test_unknown_id_names_it_and_suggests_close_matches() -> None:
    with pytest.raises(NotFoundError) as err:
        cat.get("A.6.2.9")
    message = str(err.value)
    assert message.startswith("unknown catalog id 'A.6.2.9'; did you mean A.6.2.8")
    assert "`workbench catalog controls`" in message and "\n" not in message
    with pytest.raises(NotFoundError, match="did you mean objective.fairness"):
        cat.get("fairness")
    with pytest.raises(NotFoundError, match="workbench catalog nist"):
        cat.crosswalk("GOVERN 9.9")
    with pytest.raises(NotFoundError):
        cat.get(42)  # type: ignore[arg-type]


#: The NIST subcategories the published crosswalk links to B.5.2.
B_5_2 = ["GOVERN 4.1", "MAP 1.1", "MAP 1.4", "MAP 3.1", "MAP 3.2", "MAP 3.3", "MAP 5.1",
         "MEASURE 1.2", "MEASURE 1.3", "MEASURE 2.7", "MEASURE 2.10"]  # fmt: skip


def test_crosswalk_of_a_control() -> None:
    result = cat.crosswalk("A.5.2")
    assert [link.id for link in result.nist] == B_5_2
    assert {link.via for link in result.nist} == {"B.5.2"}
    assert result.nist[1].text.startswith("Intended purposes, potentially beneficial uses")
    eu = {link.id: link for link in result.eu_articles}
    assert eu["art27"].relationship == "partially_covers" and eu["art27"].rationale
    assert "art9" in eu
    frame = result.to_frame()
    assert list(frame.columns) == ["framework", "id", "text", "relationship", "rationale", "via"]
    assert len(frame) == len(result.nist) + len(result.eu_articles)
    assert result.to_dict()["nist"][0]["id"] == "GOVERN 4.1"


def test_crosswalk_of_a_subcategory_a_clause_and_an_article() -> None:
    assert [link.id for link in cat.crosswalk("GOVERN 1.1").iso] == ["4.1", "6.2", "A.2.2", "A.2.4"]
    assert {"GOVERN 1.3", "GOVERN 1.4", "MAP 5.1"} <= {x.id for x in cat.crosswalk("6.1.2").nist}
    # A clause reaches the links of its sub-clauses; an objective those of its controls.
    assert "GOVERN 2.3" in {x.id for x in cat.crosswalk("9.3").nist}
    assert "GOVERN 1.7" in {x.id for x in cat.crosswalk("A.6").nist}
    art12 = {x.id: x.relationship for x in cat.crosswalk("art12").iso}
    assert art12["A.6.2.8"] == "equivalent_intent"
    assert {x.id for x in cat.crosswalk("art50").iso} >= {"A.8.2", "A.6.2.2", "A.8.5"}
    assert cat.crosswalk("annex3.1").links == ()


# --------------------------------------------------------------------------- id checks


def test_id_checks() -> None:
    assert cat.is_control("A.6.2.4") and not cat.is_control("A.6.2.9")
    assert not cat.is_control(None)
    assert cat.is_clause("6.1.4") and not cat.is_clause("11.1") and not cat.is_clause("A.2.2")
    assert cat.check_control_id("A.10.4") == "A.10.4"
    assert cat.check_annex_c_objective("objective.privacy") == "objective.privacy"
    assert cat.check_risk_source("source.machine_learning") == "source.machine_learning"
    with pytest.raises(ValidationError, match=r"unknown Annex A control 'A\.6\.2\.9'; did you"):
        cat.check_control_id("A.6.2.9")
    with pytest.raises(ValidationError, match="did you mean objective.fairness"):
        cat.check_annex_c_objective("fairness")
    with pytest.raises(ValidationError, match="source.level_of_automation"):
        cat.check_risk_source("level_of_automation")
    with pytest.raises(ValidationError, match="must be a string"):
        cat.check_control_id(6)


def test_checks_work_inside_pydantic_models() -> None:
    class Evidence(pydantic.BaseModel):
        control: Annotated[str, pydantic.AfterValidator(cat.check_control_id)]

    assert Evidence(control="A.6.2.4").control == "A.6.2.4"
    with pytest.raises(pydantic.ValidationError, match="did you mean A.6.2.8"):
        Evidence(control="A.6.2.9")


def test_import_is_light_and_id_checks_do_not_need_pandas() -> None:
    code = (
        "import sys, workbench.catalog as c\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "assert c.is_control('A.6.2.4') and c.check_control_id('A.2.2') == 'A.2.2'\n"
        "c.get('A.5.2'); c.crosswalk('A.5.2')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["[]", "[]"]


# --------------------------------------------------------------------------- broken files


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(cat.DATA_DIR, target)
    return target


def _edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_an_unchanged_copy_loads(catalog_copy: Path) -> None:
    assert len(cat.load_catalog(catalog_copy).iso.controls) == 38


def test_a_broken_field_names_the_file_the_item_and_the_field(catalog_copy: Path) -> None:
    def blank_guidance(data: dict[str, Any]) -> None:
        next(c for c in data["controls"] if c["id"] == "A.6.2.4")["guidance"] = "   "

    _edit(catalog_copy / "iso42001.yaml", blank_guidance)
    with pytest.raises(ValidationError) as err:
        cat.load_catalog(catalog_copy)
    message = str(err.value)
    assert "iso42001.yaml" in message and "'A.6.2.4'" in message and "'guidance'" in message
    assert err.value.errors[0][0] == "guidance"


@pytest.mark.parametrize(
    ("file", "change", "fragments"),
    [
        (
            "iso42001.yaml",
            lambda d: d["controls"][0].update(principles=["kindness"]),
            ["'A.2.2'", "'principles[0]'"],
        ),
        (
            "iso42001.yaml",
            lambda d: d["controls"][0].update(colour="red"),
            ["'A.2.2'", "'colour'", "Extra inputs"],
        ),
        (
            "iso42001.yaml",
            lambda d: d["controls"].pop(),
            ["'A.10'", "'controls'", "expected 3"],
        ),
        (
            "iso42001.yaml",
            lambda d: d["clauses"][1].update(parent="5"),
            ["'4.1'", "'parent'"],
        ),
        (
            "crosswalk_nist_ai_rmf_iso42001.yaml",
            lambda d: d["links"][2].update(iso42001_ref="B.6.2.9", annex_a_control="A.6.2.9"),
            ["'GOVERN 1.1 -> B.6.2.9'", "'annex_a_control'", "'A.6.2.9' does not exist"],
        ),
        (
            "crosswalk_nist_ai_rmf_iso42001.yaml",
            lambda d: d["links"][2].update(annex_a_control="A.2.3"),
            ["'GOVERN 1.1 -> B.2.2'", "'annex_a_control'", "must be 'A.2.2'"],
        ),
        (
            "mapping_annex_a_eu_ai_act.yaml",
            lambda d: d["links"][0].update(target="art99"),
            ["'A.4.6 -> art99'", "'target'", "'art99' is not an id of eu_ai_act"],
        ),
        (
            "mapping_annex_a_eu_ai_act.yaml",
            lambda d: d["links"][0].update(relationship="implements"),
            ["'A.4.6 -> art4'", "'relationship'", "'implements'"],
        ),
        (
            "eu_ai_act.yaml",
            lambda d: d["annex_iii"][1].update(parent="annex3.2"),
            ["'annex3.1.a'", "'parent'"],
        ),
        (
            "nist_ai_rmf.yaml",
            lambda d: d["subcategories"][0].update(category="GOVERN 2"),
            ["'GOVERN 1.1'", "'category'"],
        ),
        (
            "annex_c.yaml",
            lambda d: d["header"].update(kind="gizmo"),
            ["annex_c.yaml", "'kind'", "unknown kind 'gizmo'"],
        ),
        (
            "annex_c.yaml",
            lambda d: d["objectives"].append(dict(d["objectives"][0])),
            ["'objective.accountability'", "'id'", "duplicate id"],
        ),
    ],
)
def test_broken_files_are_refused(
    catalog_copy: Path, file: str, change: Any, fragments: list[str]
) -> None:
    _edit(catalog_copy / file, change)
    with pytest.raises(ValidationError) as err:
        cat.load_catalog(catalog_copy)
    message = str(err.value)
    assert file in message
    for fragment in fragments:
        assert fragment in message


def test_invalid_yaml_and_missing_files_are_refused(catalog_copy: Path) -> None:
    (catalog_copy / "eu_ai_act.yaml").write_text("header: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="eu_ai_act.yaml is not valid YAML"):
        cat.load_catalog(catalog_copy)
    (catalog_copy / "eu_ai_act.yaml").unlink()
    with pytest.raises(ValidationError, match="expected one file of kind 'eu_ai_act'"):
        cat.load_catalog(catalog_copy)
