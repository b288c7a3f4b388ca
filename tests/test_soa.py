"""The Statement of Applicability on SQLite and PostgreSQL: drafted from the risk register,
validated (a justification either way, Annex A ids only), edited, submitted, signed off, and
shown as reports show it: the approved version, a stale approval flagged as stale."""

from __future__ import annotations

import pytest
from actors import acting
from test_readiness_rules import Org, build_base, day

import workbench as wb
from workbench.errors import ConflictError, NotFoundError, ValidationError
from workbench.model import Evidence, validate_record
from workbench.readiness import SoAEntry, StatementOfApplicability


@pytest.fixture
def acme(empty_store, monkeypatch) -> Org:
    monkeypatch.setenv("WORKBENCH_USER", "alex")  # an assessor keeps the SoA
    return build_base(empty_store)


def _entries(**overrides: dict) -> list[dict]:
    from workbench import catalog

    rows = []
    for cid in catalog.control_ids():
        row = {"control_id": cid, "applicable": True, "justification": f"needed: {cid}",
               "implementation": "planned"}
        row.update(overrides.get(cid.replace(".", "_"), {}))
        rows.append(row)
    return rows


# -- validation (bad input) -----------------------------------------------------------------------
def test_an_excluded_control_without_justification_is_refused():
    with pytest.raises(ValidationError) as info:
        StatementOfApplicability.parse({"owner": "chloe", "entries": _entries(
            A_10_4={"applicable": False, "justification": "", "implementation": None})})
    assert ("entries.37.justification", ("A.10.4 is excluded: give the justification for "
            "excluding it (required either way)")) in info.value.errors
    assert str(info.value).startswith("invalid Statement of Applicability: entries.37.")
    with pytest.raises(ValidationError, match="A.2.2 is included: give the justification"):
        validate_record(SoAEntry, {"control_id": "A.2.2", "applicable": True})
    with pytest.raises(ValidationError, match="excluded, so it has no implementation status"):
        StatementOfApplicability.parse({"owner": "chloe", "entries": _entries(
            A_2_2={"applicable": False, "justification": "n/a"})})


def test_a_control_id_not_in_annex_a_is_refused():
    entries = _entries()
    entries[5]["control_id"] = "A.5.9"
    with pytest.raises(ValidationError) as info:
        StatementOfApplicability.parse({"owner": "chloe", "entries": entries})
    message = str(info.value)
    assert "entries.5.control_id: unknown Annex A control 'A.5.9'" in message
    assert "Run `workbench catalog controls`" in message


def test_every_control_exactly_once_and_all_decided_when_submitted():
    entries = _entries()
    entries.append(dict(entries[0]))
    with pytest.raises(ValidationError, match=r"A\.2\.2 is listed twice \(entries 1 and 2\)"):
        StatementOfApplicability.parse({"owner": "chloe", "entries": entries})
    with pytest.raises(ValidationError, match=r"missing 37: A\.2\.3, A\.2\.4"):
        StatementOfApplicability.parse({"owner": "chloe", "entries": _entries()[:1]})
    undecided = _entries(A_6_2_4={"applicable": None, "justification": "",
                                  "implementation": None})
    draft = StatementOfApplicability.parse({"owner": "chloe", "entries": undecided})
    assert draft.entry("A.6.2.4").applicable is None
    with pytest.raises(ValidationError, match="decide whether A.6.2.4 applies before "
                       "submitting"):
        StatementOfApplicability.parse({"owner": "chloe", "entries": undecided,
                                        "status": "submitted"})


def test_entries_keep_the_catalog_order_whatever_order_they_come_in():
    entries = list(reversed(_entries()))
    soa = StatementOfApplicability.parse({"owner": "chloe", "entries": entries})
    assert [e.control_id for e in soa.entries][:3] == ["A.2.2", "A.2.3", "A.2.4"]


def test_evidence_linked_to_a_control_that_does_not_exist_is_refused():
    with pytest.raises(ValidationError, match="control_ids.0: unknown Annex A control "
                       "'A.11.2'"):
        Evidence.parse({"id": "ev", "title": "t", "evidence_kind": "document",
                        "collected_by": "alex", "collected_at": "2026-01-01T00:00:00Z",
                        "uri": "u", "control_ids": ["A.11.2"]})


def test_unknown_evidence_or_owner_is_refused_by_the_store(acme: Org):
    soa = StatementOfApplicability.parse({"owner": "chloe", "entries": _entries(
        A_6_2_4={"evidence_ids": ["nope"]})})
    with pytest.raises(ValidationError, match=r"entries\.\d+\.evidence_ids refers to evidence "
                       "'nope', which is not in the store"):
        wb.readiness.save_soa(acme.store, soa)
    assert not acme.store.exists("soa", "soa")


# -- drafting from the register -------------------------------------------------------------------
def test_draft_from_the_register_includes_treatment_controls_with_the_risks(acme: Org):
    acme.criteria()
    acme.risk("r1", controls=["A.6.2.4", "A.9.2"], title="Drift")
    acme.risk("r2", "beta", controls=["A.6.2.4"])
    acme.risk("r3", controls=["A.7.4"], status="closed")  # closed risks do not count
    draft = wb.readiness.draft_soa(acme.store, owner="chloe")
    assert draft.status.value == "draft" and len(draft.entries) == 38
    vv = draft.entry("A.6.2.4")
    assert vv.applicable is True
    assert vv.justification == "Selected to treat 2 risks: r1 (Drift); r2 (Risk r2)."
    assert draft.entry("A.9.2").justification == "Selected to treat 1 risk: r1 (Drift)."
    assert draft.entry("A.7.4").applicable is None  # left for a person to decide
    assert sum(e.applicable is None for e in draft.entries) == 36
    with acting("alex"):
        saved = wb.readiness.save_soa(acme.store, draft)
    assert saved.version == 1


def test_redrafting_keeps_decisions_and_issues_name_contradictions(acme: Org):
    acme.criteria()
    acme.risk("r1", controls=["A.6.2.4"])
    with acting("alex"):
        wb.readiness.save_soa(acme.store, wb.readiness.draft_soa(acme.store, owner="chloe"))
    with acting("alex"):
        wb.readiness.update_entry(acme.store, "A.10.4", applicable=False,
                                  justification="no customers")
    acme.risk("r2", controls=["A.10.4", "A.7.4"])
    redraft = wb.readiness.draft_soa(acme.store)
    assert redraft.entry("A.10.4").applicable is False  # a person's decision is kept
    assert redraft.entry("A.7.4").applicable is True  # newly chosen in a treatment
    issues = wb.readiness.soa_issues(acme.store, today=day(0))
    named = dict(zip(issues["control_id"], issues["issue"], strict=False))
    assert named["A.10.4"] == "excluded, but the treatment of 1 risks uses it (r2)"
    assert named["A.2.2"].startswith("not decided yet")
    assert "included without an implementation status" in set(issues["issue"])


# -- editing ---------------------------------------------------------------------------------------
def test_update_entry_validates_and_refuses_stale_edits(acme: Org):
    with pytest.raises(NotFoundError, match="no Statement of Applicability 'soa' yet"):
        wb.readiness.update_entry(acme.store, "A.2.2", applicable=True, justification="x")
    acme.soa()
    with pytest.raises(ValidationError, match="invalid entry A.8.4: A.8.4 is excluded: give the "
                       "justification") as info:
        wb.readiness.update_entry(acme.store, "A.8.4", applicable=False, justification="")
    assert ("justification", ("A.8.4 is excluded: give the justification for excluding it "
            "(required either way)")) in info.value.errors
    with pytest.raises(ValidationError, match="unknown Annex A control 'A.8.9'"):
        wb.readiness.update_entry(acme.store, "A.8.9", applicable=True, justification="x")
    assert acme.store.get("soa", "soa").version == 1  # nothing was saved
    saved = wb.readiness.update_entry(acme.store, "A.8.4", applicable=False,
                                      justification="no incidents to communicate")
    entry = saved.record.entry("A.8.4")
    assert entry.applicable is False and entry.implementation is None
    head = acme.store.head()
    with pytest.raises(ValidationError, match="^invalid entry A.8.4: including it needs its own "
                       r"justification \(give justification, --justification in the CLI\); "
                       "the current one justifies excluding it$"):
        wb.readiness.update_entry(acme.store, "A.8.4", applicable=True)
    assert acme.store.head() == head
    with pytest.raises(ConflictError, match="after your version 1"):
        wb.readiness.update_entry(acme.store, "A.8.3", notes="x", base_version=1)


def test_submit_names_the_undecided_controls(acme: Org):
    acme.soa(decided=False)
    with pytest.raises(ValidationError, match="decide whether A.2.2 applies before submitting"):
        wb.readiness.submit_soa(acme.store)
    acme.edit("soa", "soa", entries=_entries())
    assert wb.readiness.submit_soa(acme.store).record.status.value == "submitted"
    head = acme.store.head()
    with pytest.raises(ValidationError, match=r"^the SoA 'soa' is already submitted \(version "
                                              r"3 by .*\); nothing new was saved: request its "
                                              r"sign-off with `workbench signoff request soa "
                                              r"soa`$"):
        wb.readiness.submit_soa(acme.store)
    assert acme.store.head() == head


def test_a_draft_soa_cannot_be_sent_for_sign_off(acme: Org):
    acme.soa(decided=False)
    head = acme.store.head()
    with pytest.raises(ValidationError, match=r"only a submitted Statement of Applicability .* "
                                              r"submit it first \(workbench soa submit\)"):
        with acting("alex"):
            wb.oversight.request(acme.store, "soa", "soa")
    assert acme.store.head() == head
    acme.edit("soa", "soa", entries=_entries())
    wb.readiness.submit_soa(acme.store)
    with acting("alex"):
        assert wb.oversight.request(acme.store, "soa", "soa").target_version == 3


# -- sign-off and what reports show --------------------------------------------------------------
def test_reports_show_the_approved_version_and_flag_a_stale_one(acme: Org):
    acme.soa()
    table = wb.readiness.soa_table(acme.store)
    assert table.attrs["soa"]["banner"] == "NOT APPROVED: version 1 has no sign-off request."
    with acting("alex"):
        wb.oversight.request(acme.store, "soa", "soa")
    assert wb.readiness.soa_table(acme.store).attrs["soa"]["banner"] == (
        "NOT APPROVED: version 1 awaits sign-off by AI governance lead, executive.")
    with acting("chloe"):
        wb.oversight.decide(acme.store, "soa", "soa", "approve", role="governance_lead")
    with acting("elena"):
        wb.oversight.decide(acme.store, "soa", "soa", "approve", role="executive")
    table = wb.readiness.soa_table(acme.store)
    info = table.attrs["soa"]
    assert info["approved"] and info["shown_version"] == 1
    assert info["banner"].startswith("Approved: version 1 by chloe, elena on ")
    wb.readiness.update_entry(acme.store, "A.2.2", justification="changed after approval")
    stale = wb.readiness.soa_table(acme.store)
    info = stale.attrs["soa"]
    assert info["state"] == "stale" and info["shown_version"] == 1
    assert info["banner"].startswith("STALE: version 1 was approved by chloe, elena on ")
    assert ("version 2 changed entries and has no sign-off request since it changed (a stale "
            "approval does not count)") in info["banner"]
    assert stale.set_index("control_id").at["A.2.2", "justification"] == "needed: A.2.2"
    current = wb.readiness.soa_table(acme.store, which="current")
    assert current.set_index("control_id").at["A.2.2", "justification"] == (
        "changed after approval")
    assert current.attrs["soa"]["banner"].startswith(
        "NOT APPROVED: version 2 has no sign-off request since it changed")
    assert wb.readiness.soa_table(acme.store, which=1).attrs["soa"]["approved"]
    with pytest.raises(ValidationError, match="which must be 'approved', 'current' or a "
                       "version number"):
        wb.readiness.soa_table(acme.store, which="latest")


def test_table_lists_risks_and_evidence_with_expired_marked(acme: Org):
    acme.criteria()
    acme.risk("r1", controls=["A.6.2.4"])
    acme.evidence("tests", controls=["A.6.2.4"], systems=["alpha"])
    acme.evidence("old-tests", controls=["A.6.2.4"], expired=True)
    acme.evidence("linked", kind="report")
    acme.soa()
    wb.readiness.update_entry(acme.store, "A.6.2.4", evidence_ids=["linked"])
    row = wb.readiness.soa_table(acme.store, which="current").set_index("control_id").loc[
        "A.6.2.4"]
    assert row["risks"] == ["r1"]
    assert row["evidence"] == ["linked", "tests"]
    assert row["expired_evidence"] == [f"old-tests (expired {day(-5)})"]
    assert row["objective_id"] == "A.6" and row["title"] == "AI system verification and " \
                                                             "validation"


def test_the_printable_soa_has_a_justification_on_every_line(acme: Org):
    acme.soa(**{"A.10.4": {"applicable": False, "implementation": None,
                           "justification": "No AI system is provided to customers."}})
    html = wb.readiness.soa_document(acme.store)
    assert "<h2>Acme — Statement of Applicability</h2>" in html
    assert "NOT APPROVED: version 1 has no sign-off request." in html
    table = wb.readiness.soa_table(acme.store)
    assert (table["justification"].str.len() > 0).all() and len(table) == 38
    for cid, text in zip(table["control_id"], table["justification"], strict=True):
        assert f">{cid}<" in html and text in html
    assert html.count("<h3>") == 9  # one section per Annex A objective
    assert "37 controls included" in html and "1 excluded" in html
    summary = wb.readiness.soa_summary(table)
    assert summary == {"controls": 38, "included": 37, "excluded": 1, "undecided": 0,
                       "implemented": 0, "partial": 37, "planned": 0, "state": "none",
                       "banner": "NOT APPROVED: version 1 has no sign-off request.", "version": 1}
