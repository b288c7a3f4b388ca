"""Sign-off status shows wherever a record's status shows: the risk register and its views,
`workbench risk list|show`, `workbench systems list|show`, the heatmap's cell table, the risk
editor and the impact assessment form; stale approvals say what changed since."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from actors import acting
from test_oversight_fixtures import only_admin

from workbench import oversight
from workbench import risk as wr
from workbench.cli import main
from workbench.model import AISystem, Person
from workbench.risk.signoff import add_signoff_columns
from workbench.widgets import ImpactAssessmentForm, RiskHeatmap, RiskRegisterEditor

TODAY = dt.date.today()
XSS = "<img src=x onerror=alert(1)>"


# -- a built-up store ------------------------------------------------------------------------------
def _system(sid: str, owner: str, **kw) -> AISystem:
    return AISystem(id=sid, name=f"System {sid}", purpose="test", owner=owner,
                    business_unit="Unit", lifecycle_stage="operate", org_roles=["deployer"],
                    technique="GBM", technique_family="classical_ml",
                    automation_level="partial", oversight_mode="in_the_loop", **kw)


def _risk(rid: str, system_id: str, owner: str, rl: int, rc: int, **kw) -> dict:
    data = {"id": rid, "system_id": system_id, "title": f"Risk {rid}",
            "risk_source": "source.machine_learning", "objective": "objective.fairness",
            "inherent_likelihood": 4, "inherent_consequence": 4, "treatment": "modify",
            "controls": ["A.5.4"], "residual_likelihood": rl, "residual_consequence": rc,
            "owner": owner, "status": "treated",
            "identified_on": TODAY - dt.timedelta(days=30)}
    data.update(kw)
    return data


@pytest.fixture
def org(store):
    """farid owns the cv system and its risks; alice (assessor) writes them; marta owns chat
    and wrote its risk herself. Default criteria: appetite medium, 3 x 4 = 12 is high."""
    people = [Person(id="farid", name="Farid", roles=["owner"]),
              Person(id="marta", name="Marta", roles=["owner"]),
              Person(id="alice", name="Alice", roles=["assessor"]),
              Person(id="chloe", name="Chloe", roles=["governance_lead", "admin"]),
              Person(id="dev", name="Dev", roles=["executive"])]
    store.save_many([(p, None) for p in people])  # by the tests' admin
    store.save_many([(_system("cv", "farid", team=["alice"]), None),
                     (_system("chat", "marta"), None)])
    only_admin(store)
    with acting("alice"):
        wr.save_risk(store, _risk("cv-r01", "cv", "farid", 3, 4))
    with acting("alice"):
        wr.save_risk(store, _risk("cv-r02", "cv", "farid", 2, 3))
    with acting("marta"):
        wr.save_risk(store, _risk("chat-r01", "chat", "marta", 4, 4))
    return store


def _reg(store) -> pd.DataFrame:
    return wr.register(store).set_index("id")


def _cli(capsys, url: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--database-url", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _approve_cv_r01(store) -> None:
    with acting("alice"):
        oversight.request(store, "risk", "cv-r01")
    with acting("farid"):
        oversight.decide(store, "risk", "cv-r01", "approve")


def _edit(store, rid: str, author: str, **changes) -> None:
    current = store.get("risk", rid)
    with acting(author):
        wr.save_risk(store, {**current.record.model_dump(), **changes},
                     base_version=current.version, reason="re-rated")


# -- the register ----------------------------------------------------------------------------------
def test_register_signoff_through_request_approval_and_an_edit(org):
    reg = _reg(org)
    assert reg.loc["cv-r01", "signoff"] == "none" and reg.loc["cv-r01", "awaiting_acceptance"]
    assert reg.loc["cv-r02", "signoff"] == "not_required"
    assert not reg.loc["cv-r02", "awaiting_acceptance"]
    assert reg["signoff_by"].tolist() == ["", "", ""] and reg["signoff_at"].isna().all()

    with acting("alice"):
        oversight.request(org, "risk", "cv-r01")
    reg = _reg(org)
    assert reg.loc["cv-r01", "signoff"] == "pending"
    assert reg.loc["cv-r01", "signoff_pending_with"] == "risk owner farid"
    assert reg.loc["cv-r01", "awaiting_acceptance"]

    with acting("farid"):
        oversight.decide(org, "risk", "cv-r01", "approve")
    reg = _reg(org)
    row = reg.loc["cv-r01"]
    assert row["signoff"] == "approved" and row["signoff_by"] == "farid"
    assert row["signoff_version"] == 1 and row["signoff_at"].date() >= TODAY - dt.timedelta(1)
    assert not row["awaiting_acceptance"] and row["signoff_pending_with"] == ""
    assert "cv-r01" not in set(wr.awaiting_acceptance(wr.register(org))["id"])

    _edit(org, "cv-r01", "alice", residual_likelihood=4)  # an edit after the approval
    reg = _reg(org)
    row = reg.loc["cv-r01"]
    assert row["signoff"] == "stale" and row["awaiting_acceptance"]
    assert row["signoff_by"] == "farid" and row["signoff_version"] == 1
    assert row["_version"] == 2
    flat = wr.register(org)
    assert dict(zip(flat["id"], wr.signoff_changes(org, flat), strict=True)) == {
        "cv-r01": "residual_likelihood", "cv-r02": "", "chat-r01": ""}
    waiting = wr.awaiting_acceptance(wr.register(org), store=org).set_index("id")
    assert waiting.loc["cv-r01", "signoff"] == "stale"
    assert waiting.loc["cv-r01", "changed_since_approval"] == "residual_likelihood"
    assert waiting.loc["chat-r01", "changed_since_approval"] == ""
    assert wr.summary_columns(wr.register(org))["signoff"].tolist()[0] in wr.SIGNOFF_STATES


def test_an_edit_after_approval_shows_stale_in_the_cli(org, capsys):
    _approve_cv_r01(org)
    code, out, _ = _cli(capsys, org.url, "risk", "list")
    assert code == 0 and "STALE" not in out and "approved" in out
    _edit(org, "cv-r01", "alice", residual_likelihood=4, description="More cases seen.")
    assert _reg(org).loc["cv-r01", "signoff"] == "stale"
    approved_on = _reg(org).loc["cv-r01", "signoff_at"].strftime("%Y-%m-%d")

    code, out, _ = _cli(capsys, org.url, "risk", "list")
    line = next(x for x in out.splitlines() if x.startswith("cv-r01 "))
    assert code == 0 and "STALE" in line and "!" in line
    assert (f"cv-r01: version 1 approved by farid on {approved_on}; version 2 changed "
            "description, residual_likelihood") in out
    assert "stale sign-offs (the risk changed after its approval" in out

    code, out, _ = _cli(capsys, org.url, "risk", "show", "cv-r01")
    assert code == 0
    assert (f"sign-off stale: version 1 was approved by farid on {approved_on}; version 2 "
            "changed description, residual_likelihood since: request sign-off again") in \
        " ".join(out.split())
    assert "changed since the approval of version 1:" in out
    change = next(x.split() for x in out.splitlines() if x.startswith("residual_likelihood"))
    assert change == ["residual_likelihood", "3", "4"]

    code, out, _ = _cli(capsys, org.url, "risk", "list", "--signoff", "stale", "--json")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == ["cv-r01"]
    assert rows[0]["signoff_version"] == 1 and rows[0]["signoff_by"] == "farid"
    assert rows[0]["signoff_changed"] == "description, residual_likelihood"
    assert rows[0]["signoff_at"].startswith(approved_on)
    code, out, _ = _cli(capsys, org.url, "risk", "show", "cv-r01", "--json")
    data = json.loads(out)["signoff"]
    assert data["state"] == "stale" and data["changed_fields"] == ["description",
                                                                   "residual_likelihood"]
    assert data["approved_version"] == 1 and data["approved_by"] == ["farid"]


def test_cli_sign_off_lines_for_every_state(org, capsys):
    code, out, _ = _cli(capsys, org.url, "risk", "show", "cv-r02")
    assert "sign-off       not required (the residual level is within the appetite, medium)" \
        in out
    code, out, _ = _cli(capsys, org.url, "risk", "show", "cv-r01")
    assert "sign-off       not requested: needed, the residual level is above the appetite" \
        in out and "workbench signoff request risk cv-r01" in " ".join(out.split())
    with acting("alice"):
        oversight.request(org, "risk", "cv-r01")
    code, out, _ = _cli(capsys, org.url, "risk", "show", "cv-r01")
    assert "pending: version 1 awaits risk owner farid (requested by alice on" in \
        " ".join(out.split())
    code, out, _ = _cli(capsys, org.url, "risk", "list", "--signoff", "pending")
    assert "cv-r01" in out and "1 risks;" in out
    with acting("farid"):
        oversight.decide(org, "risk", "cv-r01", "reject", comment="Treat it further first")
    code, out, _ = _cli(capsys, org.url, "risk", "show", "cv-r01")
    assert code == 0
    assert "rejected: version 1 by farid: Treat it further first" in " ".join(out.split())
    code, out, _ = _cli(capsys, org.url, "risk", "list", "--awaiting-acceptance", "--json")
    assert {r["id"]: r["signoff"] for r in json.loads(out)} == {"cv-r01": "rejected",
                                                                 "chat-r01": "none"}
    with pytest.raises(SystemExit):
        _cli(capsys, org.url, "risk", "list", "--help")
    assert "--signoff STATE" in capsys.readouterr().out


def test_a_rejected_risk_treated_below_the_appetite_needs_no_sign_off(org):
    with acting("alice"):
        oversight.request(org, "risk", "cv-r01")
    with acting("farid"):
        oversight.decide(org, "risk", "cv-r01", "request_changes", comment="add a control")
    assert _reg(org).loc["cv-r01", "signoff"] == "changes_requested"
    _edit(org, "cv-r01", "alice", residual_likelihood=2)  # 2 x 4 = 8, medium: within
    row = _reg(org).loc["cv-r01"]
    assert row["signoff"] == "not_required" and not row["awaiting_acceptance"]
    assert row["signoff_by"] == "" and pd.isna(row["signoff_version"])


def test_the_owners_acceptance_statement_is_not_the_approval(org, capsys, monkeypatch):
    with acting("farid"):
        wr.accept_risk(org, "cv-r01", rationale="Treatment on track")
    row = _reg(org).loc["cv-r01"]
    assert row["accepted"] and row["signoff"] == "none" and row["awaiting_acceptance"]
    with acting("alice"):
        oversight.request(org, "risk", "cv-r01")
    with acting("dev"):  # farid wrote the accepted version: an executive signs in his place
        oversight.decide(org, "risk", "cv-r01", "approve")
    row = _reg(org).loc["cv-r01"]
    assert row["accepted"] and row["signoff"] == "approved" and not row["awaiting_acceptance"]
    # recording a new acceptance is a new version: the approval no longer covers it
    monkeypatch.setenv("WORKBENCH_USER", "farid")
    code, out, _ = _cli(capsys, org.url, "risk", "accept", "cv-r01", "--rationale",
                        "Reviewed again")
    assert code == 0 and "sign-off: stale: version 2 was approved by dev" in out
    row = _reg(org).loc["cv-r01"]
    assert row["signoff"] == "stale" and row["awaiting_acceptance"]


def test_the_register_reads_the_risks_once(org, monkeypatch):
    reads: list[str] = []
    frame = type(org).frame

    def counting(self, kind, **kw):
        reads.append(kind if isinstance(kind, str) else kind.kind)
        return frame(self, kind, **kw)

    monkeypatch.setattr(type(org), "frame", counting)
    assert wr.risk_signoff_frame(org).empty  # no sign-off activity: the risks are not read
    assert "risk" not in reads
    wr.register(org)
    assert reads.count("risk") == 1
    _approve_cv_r01(org)
    reads.clear()
    reg = wr.register(org)
    assert reads.count("risk") == 1
    assert reg.set_index("id").loc["cv-r01", "signoff"] == "approved"


def test_signoff_frame_equals_oversight_status_frame(org, demo_store):
    _approve_cv_r01(org)
    _edit(org, "cv-r01", "alice", residual_likelihood=4)
    with acting("alice"):
        oversight.request(org, "risk", "cv-r01")
    for store in (org, demo_store):
        ours, theirs = wr.risk_signoff_frame(store), oversight.status_frame(store, kind="risk")
        assert len(ours)
        pd.testing.assert_frame_equal(ours, theirs)


def test_the_demo_register_shows_the_demo_sign_offs(demo_store):
    reg = wr.register(demo_store)
    frame = oversight.status_frame(demo_store, kind="risk").set_index("record_id")["state"]
    above = reg[reg["above_appetite"]]
    expected = [frame.get(i, "none") for i in above["id"]]
    assert above["signoff"].tolist() == expected
    assert set(reg.loc[~reg["above_appetite"], "signoff"]) == {"not_required"}
    assert {"approved", "pending"} <= set(above["signoff"])
    closed = reg["status"] == "closed"
    assert reg["awaiting_acceptance"].tolist() == (
        reg["above_appetite"] & (reg["signoff"] != "approved") & ~closed).tolist()
    approved = reg[reg["signoff"] == "approved"]
    assert (approved["signoff_by"] != "").all() and approved["signoff_at"].notna().all()
    # owners' recorded acceptances without an approval still wait
    assert (above["accepted"] & above["awaiting_acceptance"]).any()


def test_signoff_html_escapes_and_says_what_changed():
    html = wr.signoff_html("stale", by=XSS, at=pd.Timestamp("2026-01-02", tz="UTC"),
                           changed=XSS)
    assert "<img" not in html and "&lt;img src=x" in html and "on 2026-01-02" in html
    assert "changed: &lt;img" in html and ">stale<" in html
    assert ">approved<" in wr.signoff_html("approved", by="farid", at=pd.NaT)
    assert "not required" in wr.signoff_html("not_required")
    assert ">not requested<" in wr.signoff_html("none")
    assert wr.SIGNOFF_STATES == (*oversight.STATES, wr.NOT_REQUIRED)


# -- AI systems: go-live sign-off on the command line ---------------------------------------------
def test_systems_list_and_show_on_the_demo(demo_url, capsys):
    code, out, _ = _cli(capsys, demo_url, "systems", "list")
    cells = {line.split()[0]: line.split()[-1] for line in out.splitlines()[2:9]}
    assert code == 0 and cells == {
        "card-fraud": "STALE", "clinical-triage": "none", "credit-scoring": "approved",
        "cv-screening": "none", "demand-forecast": "none", "marketing-copy": "pending",
        "support-chatbot": "rejected"}
    code, out, _ = _cli(capsys, demo_url, "systems", "list", "--json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["credit-scoring"]["signoff"] == "approved"
    assert rows["credit-scoring"]["signoff_by"] == "grace, chloe"
    assert rows["card-fraud"]["signoff"] == "stale" and rows["card-fraud"]["signoff_by"]
    assert {k: v for k, v in rows["cv-screening"].items() if k.startswith("signoff")} == {
        "signoff": "none", "signoff_by": "", "signoff_at": None, "signoff_pending_with": ""}
    assert rows["marketing-copy"]["signoff_pending_with"] == "system owner leo, AI governance lead"
    code, out, _ = _cli(capsys, demo_url, "systems", "show", "card-fraud")
    text = " ".join(out.split())
    assert code == 0 and "go-live sign-off stale: version 2 was approved by sven, chloe on" in text
    assert "changed since the approval of version 2:" in out
    assert "third_party_components" in out and "deployment_context" in out
    code, out, _ = _cli(capsys, demo_url, "systems", "show", "credit-scoring")
    assert "go-live sign-off approved: version 2 by grace, chloe on" in " ".join(out.split())
    code, out, _ = _cli(capsys, demo_url, "systems", "show", "marketing-copy")
    assert "pending: version 2 awaits system owner leo, AI governance lead (requested by" in \
        " ".join(out.split())
    code, out, _ = _cli(capsys, demo_url, "systems", "show", "demand-forecast", "--json")
    assert json.loads(out)["signoff"]["state"] == "none"


def test_systems_go_live_goes_stale_after_an_edit(org, capsys):
    with acting("alice"):
        oversight.request(org, "ai_system", "cv")
    with acting("farid"):
        oversight.decide(org, "ai_system", "cv", "approve")
    with acting("chloe"):
        oversight.decide(org, "ai_system", "cv", "approve")
    code, out, _ = _cli(capsys, org.url, "systems", "list")
    assert "approved" in next(x for x in out.splitlines() if x.startswith("cv "))
    current = org.get("ai_system", "cv")
    with acting("alice"):
        org.save(current.record.model_copy(update={"purpose": "screen CVs"}),
                 base_version=current.version)
    code, out, _ = _cli(capsys, org.url, "systems", "list")
    assert code == 0 and "STALE" in next(x for x in out.splitlines() if x.startswith("cv "))
    code, out, _ = _cli(capsys, org.url, "systems", "show", "cv")
    text = " ".join(out.split())
    assert "stale: version 1 was approved by farid, chloe on" in text
    assert "version 2 changed purpose since" in text
    assert ["purpose", "test", "screen", "CVs"] in [x.split() for x in out.splitlines()]


# -- widgets ---------------------------------------------------------------------------------------
def test_heatmap_cell_table_shows_the_sign_off(org):
    _approve_cv_r01(org)
    heatmap = RiskHeatmap(org)
    heatmap._on_cell_click(3, 4)
    assert heatmap.table_signoffs == {"cv-r01": "approved"}
    assert ">approved<" in heatmap.table.value and "farid on" in heatmap.table.value
    _edit(org, "cv-r01", "alice", residual_consequence=3, title=XSS)  # 3 x 3 = 9: medium
    _edit(org, "cv-r01", "alice", residual_consequence=4)  # back to high, still edited
    assert heatmap.refresh()
    heatmap._on_cell_click(3, 4)
    assert heatmap.table_signoffs == {"cv-r01": "stale"}
    assert "approved by farid on" in heatmap.table.value
    assert "changed: title" in heatmap.table.value
    assert "<img" not in heatmap.table.value
    heatmap._on_cell_click(2, 3)
    assert heatmap.table_signoffs == {"cv-r02": "not_required"}
    assert "not required" in heatmap.table.value


def test_heatmap_on_the_demo_lists_pending_sign_offs(demo_store):
    reg = wr.open_risks(wr.register(demo_store))
    row = reg[reg["signoff"] == "pending"].iloc[0]
    heatmap = RiskHeatmap(demo_store)
    heatmap._on_cell_click(int(row["residual_likelihood"]), int(row["residual_consequence"]))
    assert heatmap.table_signoffs[row["id"]] == "pending"
    assert ">pending<" in heatmap.table.value


def test_editor_requests_sign_off_and_shows_it_go_stale(org, monkeypatch):
    def act(login: str) -> None:  # whose kernel the next steps run in
        monkeypatch.setenv("WORKBENCH_USER", login)

    act("alice")
    editor = RiskRegisterEditor(org, risk_id="cv-r01")
    assert editor.signoff_state == "none" and "needed: the residual level (high)" in \
        editor.signoff_line.value
    assert not editor.request_signoff_button.disabled
    editor.request_signoff()
    assert editor.signoff_state == "pending" and "awaits risk owner farid" in \
        editor.signoff_line.value
    assert editor.request_signoff_button.disabled
    assert "requested from risk owner farid" in editor.message
    # the risk owner opens the panel from their editor and approves
    act("farid")
    owner = RiskRegisterEditor(org, risk_id="cv-r01")
    panel = owner.open_signoff()
    assert owner.signoff_area.children == (panel,) and not panel.approve_button.disabled
    panel.decide("approve")
    assert owner.signoff_state == "approved"
    assert "approved: version 1 by farid" in owner.signoff_line.value
    # alice edits the approved risk: the editor says the approval is stale and what changed
    act("alice")
    editor.load("cv-r01")
    assert editor.signoff_state == "approved"
    editor.form.fields["residual_likelihood"].set(4)
    assert editor._on_save() is not None
    assert editor.signoff_state == "stale"
    assert "approval is now stale: request sign-off again" in editor.message
    assert "changed: residual_likelihood" in editor.signoff_line.value
    assert "approved by farid on" in editor.signoff_line.value
    assert not editor.request_signoff_button.disabled
    # the open panel of the owner follows after a refresh of their editor
    act("farid")
    owner.load("cv-r01")
    assert owner.signoff_state == "stale"


def test_editor_sign_off_controls_follow_the_rules(org, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "alice")
    editor = RiskRegisterEditor(org)  # a new risk
    assert editor.signoff_state == "" and editor.request_signoff_button.disabled
    assert editor.open_signoff_button.disabled and "save the risk first" in \
        editor.signoff_line.value
    editor.request_signoff()
    assert "save the risk first" in editor.message
    editor.load("cv-r02")  # within the appetite
    assert editor.signoff_state == "not_required" and editor.request_signoff_button.disabled
    assert editor.open_signoff_button.disabled and "no sign-off needed" in \
        editor.signoff_line.value
    editor.load("chat-r01")  # marta, its risk owner, wrote it: an executive stands in
    assert editor.signoff_state == "none" and not editor.request_signoff_button.disabled
    editor.request_signoff()
    assert editor.signoff_state == "pending"
    assert oversight.pending(org, "dev")["record_id"].tolist() == ["chat-r01"]
    for login in ("dev",):  # with no executive left, nobody may sign it
        person = org.get("person", login)
        with acting("tester"):  # the admin
            org.save(person.record.model_copy(update={"active": False}),
                     base_version=person.version)
    with acting("alice"):
        oversight.withdraw(org, "risk", "chat-r01")
    editor.load("chat-r01")
    assert editor.request_signoff_button.disabled
    for shown in (editor.signoff_reason.value, editor.request_signoff_button.tooltip):
        assert "risk owner marta who authored version 1" in shown
        assert "nobody holds the role executive" in shown
    with acting("hiro"):
        auditor = RiskRegisterEditor(org, risk_id="cv-r01")  # not a person here
    assert auditor.request_signoff_button.disabled and "hiro is not an active person" in \
        auditor.request_signoff_button.tooltip


def test_editor_on_the_demo_shows_approved_and_pending(demo_store):
    reg = wr.register(demo_store)
    for state in ("approved", "pending"):
        rid = reg.loc[reg["signoff"] == state, "id"].iloc[0]
        with acting("chloe"):
            editor = RiskRegisterEditor(demo_store, risk_id=rid)
        assert editor.signoff_state == state
        assert f">{state}<" in editor.signoff_line.value


def test_impact_form_shows_approved_pending_and_stale_with_changes(demo_store, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "alice")
    form = ImpactAssessmentForm(demo_store, "credit-scoring")
    assert form.signoff_state == "approved"
    assert "approved: version 2 by grace, chloe" in form.signoff_line.value
    form.closing.fields["conclusion"].set(f"Revised conclusion {XSS}")
    form.submit()
    assert form.signoff_state == "stale"
    assert "its approval is now stale" in form.status.text
    html = form.signoff_line.value
    assert ">stale<" in html and "Changed since approved version 2" in html
    assert "conclusion" in html and "&lt;img src=x" in html and "<img" not in html
    assert form.signoff.changed_fields and "conclusion" in form.signoff.changed_fields
    pending = ImpactAssessmentForm(demo_store, "card-fraud")
    assert pending.signoff_state == "pending" and "awaits AI governance lead" in \
        pending.signoff_line.value
    fresh = ImpactAssessmentForm(demo_store, "demand-forecast")
    assert fresh.signoff_state == "none" and "save and submit" in fresh.signoff_line.value



@pytest.mark.parametrize("unit", ["datetime64[s]", "datetime64[us, UTC]", "object"])
def test_register_columns_take_approval_times_of_any_unit_even_all_empty(unit):
    """A store whose only risk sign-off is pending gave an all-empty approval time column
    without a unit of its own, and `risk list` died on it."""
    risks = pd.DataFrame({"id": ["r1", "r2"], "above_appetite": [True, True]})
    signoffs = pd.DataFrame({"record_id": ["r2"], "state": ["pending"], "approved_by": [""],
                             "pending_with": ["risk owner own"],
                             "approved_at": pd.Series([pd.NaT], dtype=unit),
                             "approved_version": pd.array([pd.NA], dtype="Int64")})
    out = add_signoff_columns(risks, signoffs)
    assert out["signoff"].tolist() == ["none", "pending"]
    assert out["signoff_pending_with"].tolist() == ["", "risk owner own"]
    assert str(out["signoff_at"].dtype) == "datetime64[ns, UTC]" and out["signoff_at"].isna().all()
