"""Nonconformity to closure (10.2): each step in order, refusals out of order or by an action
owner reviewing their own action, the register with overdue actions, and `workbench nc`."""

from __future__ import annotations

import datetime as dt

import pytest
from actors import acting

from workbench import improvement as imp
from workbench.cli import main
from workbench.errors import PermissionDeniedError, ValidationError
from workbench.registers import problems_of

from wbtest import DEMO_AS_OF, append_unchecked, refused

TODAY = dt.date.today()


def _raise(store, **changes):
    data = dict(id="nc-9", title="Model card not updated after retraining",
                description="The card still describes the previous model.",
                source="monitoring", system_ids=["support-chatbot"], control_ids=["A.6.2.7"])
    return imp.raise_nc(store, **{**data, **changes})


def test_lifecycle_to_closure_with_a_review_by_someone_else(demo_store):
    _raise(demo_store)
    assert demo_store.get("nonconformity", "nc-9").record.stage.value == "raised"
    with acting("marta"):
        imp.record_correction(demo_store, "nc-9", "Card marked outdated on the intranet.")
    with acting("ben"):
        imp.record_root_cause(demo_store, "nc-9", "Retraining did not trigger a card update.")
        imp.plan_action(demo_store, "nc-9", "Retraining pipeline opens a card update",
                        owner="ravi", due=TODAY + dt.timedelta(days=10))
    assert demo_store.get("nonconformity", "nc-9").record.stage.value == "actions_planned"
    with acting("ravi"):
        imp.complete_action(demo_store, "nc-9", 1)
        message = refused(demo_store, PermissionDeniedError, "segregation of duties",
                           imp.review_effectiveness, "nc-9", effective=True,
                           review="I checked it myself")
    assert message.startswith("ravi owns a corrective action of nonconformity nc-9")
    # who may: the governance lead, the auditor and the system's owner and team, not ravi
    assert message.endswith("it may be reviewed by alice, ben, chloe, hiro, marta")
    with acting("marta"):
        imp.review_effectiveness(demo_store, "nc-9", effective=True,
                                 review="Two retrainings since, both with an updated card.")
    imp.close(demo_store, "nc-9")
    nc = demo_store.get("nonconformity", "nc-9").record
    assert (nc.stage.value, nc.closed_on, nc.effective, nc.effectiveness_reviewed_by) == (
        "closed", TODAY, True, "marta")
    history = demo_store.history("nonconformity", "nc-9")
    assert [v.author for v in history] == ["chloe", "marta", "ben", "ben", "ravi", "marta",
                                           "chloe"]


@pytest.mark.parametrize(("step", "args", "kwargs", "match"), [
    (imp.record_root_cause, ("nc-9", "cause"), {},
     "nonconformity nc-9 is raised: cannot record the root cause now; next: record its "
     "correction"),
    (imp.plan_action, ("nc-9", "fix"), {"owner": "ravi", "due": TODAY},
     "is raised: cannot plan a corrective action now"),
    (imp.complete_action, ("nc-9", 1), {}, "is raised: cannot complete an action now"),
    (imp.review_effectiveness, ("nc-9",), {"effective": True, "review": "ok"},
     "is raised: cannot review effectiveness now"),
    (imp.close, ("nc-9",), {}, "is raised: cannot close it now"),
    (imp.record_correction, ("nc-9", "   "), {}, "correction: the correction"),
    (imp.cancel, ("nc-9",), {"reason": " "}, "reason: the reason for cancelling is required"),
])
def test_steps_out_of_order_or_empty_are_refused_and_write_nothing(demo_store, step, args,
                                                                     kwargs, match):
    _raise(demo_store)
    refused(demo_store, ValidationError, match, step, *args, **kwargs)


def test_action_number_dates_and_closed_records_are_checked(demo_store):
    _raise(demo_store, raised_on=TODAY - dt.timedelta(days=3))
    imp.record_correction(demo_store, "nc-9", "contained")
    imp.record_root_cause(demo_store, "nc-9", "no check")
    refused(demo_store, ValidationError, r"due: the action is due .* before the "
             "nonconformity was raised", imp.plan_action, "nc-9", "fix", owner="ravi",
             due=TODAY - dt.timedelta(days=10))
    imp.plan_action(demo_store, "nc-9", "fix", owner="ravi", due=TODAY)
    refused(demo_store, ValidationError, "has 1 corrective action; give a number from 1 to 1 "
             r"\(got 2\)", imp.complete_action, "nc-9", 2)
    refused(demo_store, ValidationError, "corrective_actions.1.owner refers to person "
             "'nobody-here', which is not in the store",
             imp.plan_action, "nc-9", "other", owner="nobody-here", due=TODAY)
    imp.complete_action(demo_store, "nc-9", 1)
    refused(demo_store, ValidationError, "already done", imp.complete_action, "nc-9", 1)
    imp.cancel(demo_store, "nc-9", reason="duplicate of nc-1")
    nc = demo_store.get("nonconformity", "nc-9").record
    assert (nc.stage.value, nc.cancel_reason) == ("cancelled", "duplicate of nc-1")
    refused(demo_store, ValidationError, "is cancelled: cannot cancel it now and can no "
             "longer change", imp.cancel, "nc-9", reason="again")


def test_not_effective_goes_back_to_planning_further_actions(demo_store):
    _raise(demo_store)
    imp.record_correction(demo_store, "nc-9", "contained")
    imp.record_root_cause(demo_store, "nc-9", "no check")
    imp.plan_action(demo_store, "nc-9", "first fix", owner="ravi", due=TODAY)
    imp.plan_action(demo_store, "nc-9", "second fix", owner="ben", due=TODAY)
    imp.complete_action(demo_store, "nc-9", 1)
    refused(demo_store, ValidationError, "complete corrective action 2 before reviewing",
             imp.review_effectiveness, "nc-9", effective=True, review="ok")
    imp.complete_action(demo_store, "nc-9", 2)
    with acting("hiro"):
        imp.review_effectiveness(demo_store, "nc-9", effective=False, review="recurred")
    nc = demo_store.get("nonconformity", "nc-9").record
    assert nc.stage.value == "root_cause" and nc.effective is False
    refused(demo_store, ValidationError, "is root cause: cannot close it now", imp.close,
             "nc-9")
    imp.plan_action(demo_store, "nc-9", "third fix", owner="alice", due=TODAY)
    assert demo_store.get("nonconformity", "nc-9").record.stage.value == "actions_planned"


def test_who_may_raise_and_work_a_nonconformity(demo_store):
    with acting("yuki"):  # an owner of another system may raise one...
        _raise(demo_store)
        # ...but not work it: only the governance lead, auditors and the system's team
        refused(demo_store, PermissionDeniedError, "yuki .* may not save nonconformity "
                 "'nc-9'", imp.record_correction, "nc-9", "contained")
    with acting("ravi"):  # on the support chatbot's team
        imp.record_correction(demo_store, "nc-9", "contained")


def test_register_shows_stages_and_overdue_actions(demo_store):
    frame = imp.nonconformities_frame(demo_store).set_index("id")
    assert frame.at["nc-1", "stage"] == "in_progress" and frame.at["nc-1", "overdue"]
    assert frame.at["nc-1", "overdue_actions"] == 1
    assert frame.at["nc-1", "next_due"] == DEMO_AS_OF - dt.timedelta(days=5)
    assert frame.at["nc-2", "stage"] == "closed" and not frame.at["nc-2", "overdue"]
    assert frame.at["nc-2", "effectiveness_reviewed_by"] == "grace"
    before = imp.nonconformities_frame(demo_store, today=DEMO_AS_OF - dt.timedelta(days=6))
    assert not before.set_index("id").at["nc-1", "overdue"]


def test_a_bad_record_is_named_not_fatal(demo_store):
    append_unchecked(demo_store, "nonconformity", {"id": "nc-bad", "title": "x"})
    frame = imp.nonconformities_frame(demo_store)
    assert set(frame["id"]) == {"nc-1", "nc-2", "nc-monitoring-cv-screening"}
    assert [p.record_id for p in problems_of(frame)] == ["nc-bad"]


@pytest.fixture
def nc_cli(demo_url, demo_store, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["nc", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_lists_overdue_and_works_a_nonconformity(nc_cli, demo_store):
    code, out, _ = nc_cli("list", "--overdue")
    assert code == 0
    lines = out.splitlines()[2:]
    assert len(lines) == 1 and lines[0].startswith("nc-1  in_progress")
    code, out, _ = nc_cli("raise", "--id", "nc-9", "--title", "Card outdated",
                          "--description", "stale", "--system", "support-chatbot")
    assert (code, out.strip()) == (0, "raised nonconformity nc-9 (version 1)")
    assert nc_cli("update", "nc-9", "--correction", "marked")[0] == 0
    assert nc_cli("update", "nc-9", "--root-cause", "no trigger")[0] == 0
    code, out, _ = nc_cli("update", "nc-9", "--action", "trigger", "--owner", "ravi",
                          "--due", str(TODAY))
    assert out.strip() == "nonconformity nc-9 is actions planned (version 4)"
    code, out, _ = nc_cli("show", "nc-9")
    assert code == 0 and "1. trigger (owner ravi, due" in out and "actions_planned" in out


def test_cli_refusals_are_one_line_and_write_nothing(nc_cli, demo_store):
    head = demo_store.head()
    code, out, err = nc_cli("update", "nc-1", "--close")
    assert code == 1 and out == ""
    assert err == ("error: nonconformity nc-1 is in progress: cannot close it now; next: "
                   "complete its actions, then review their effectiveness "
                   "(review_effectiveness; --effective/--not-effective --review TEXT)\n")
    code, _, err = nc_cli("update", "nc-1", "--action", "x")
    assert code == 1 and err == "error: --action needs --owner LOGIN and --due DATE\n"
    code, _, err = nc_cli("update", "nc-404", "--close")
    assert code == 1 and err.count("\n") == 1 and "no nonconformity 'nc-404'" in err
    # an option that belongs to another step is refused, not silently dropped
    code, _, err = nc_cli("update", "nc-1", "--close", "--review", "checked")
    assert code == 1 and err == "error: --review goes with --effective or --not-effective\n"
    code, _, err = nc_cli("update", "nc-1", "--correction", "contained", "--owner", "ravi")
    assert code == 1 and err == ("error: --owner and --due go with --action (a corrective "
                                 "action)\n")
    with pytest.raises(SystemExit) as usage:  # two steps at once: a usage error
        main(["nc", "update", "nc-1", "--close", "--cancel", "x"])
    assert usage.value.code == 2
    assert demo_store.head() == head


def test_an_empty_store_lists_nothing_and_the_panel_still_renders(store, store_url,
                                                                  monkeypatch, capsys):
    frame = imp.nonconformities_frame(store)
    assert frame.empty and frame[frame["overdue"]].columns.tolist() == list(frame.columns)
    incidents = imp.incidents_frame(store)
    assert incidents[incidents["overdue"]].empty and "report_deadline" in incidents.columns
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", store_url)
    assert main(["nc", "list", "--overdue"]) == 0 and main(["incident", "list"]) == 0
    assert capsys.readouterr().err == ""
    from workbench.portfolio import portfolio_page

    panel = next(p for p in portfolio_page(store_url).panels if p.key == "improvement")
    assert not panel.error and "No open nonconformity." in panel.html


def test_an_audit_raised_nonconformity_is_cancelled_by_its_auditor_not_the_audited(
        demo_store):
    # nc-1 was raised by auditor hiro in audit aims-core on the support chatbot; chloe owns
    # its action 1, ravi its overdue action 2; marta owns the chatbot, ben is on its team
    refusals = {
        "ravi": "ravi may not cancel nonconformity nc-1: they own its corrective action 2; it "
                "may be cancelled by hiro",
        "chloe": "chloe may not cancel nonconformity nc-1: they own its corrective action 1; "
                 "it may be cancelled by hiro",
        "marta": "marta may not cancel nonconformity nc-1: an audit raised it and they are on "
                 "the team of the audited AI system support-chatbot; it may be cancelled by "
                 "hiro",
        "ben": "ben may not cancel nonconformity nc-1: an audit raised it and they are on the "
               "team of the audited AI system support-chatbot; it may be cancelled by hiro",
        "elena": "elena may not cancel nonconformity nc-1: they neither raised it nor are the "
                 "governance lead; it may be cancelled by hiro",
    }
    for login, message in refusals.items():
        with acting(login):
            assert refused(demo_store, PermissionDeniedError, "may not cancel", imp.cancel,
                            "nc-1", reason="we disagree with the auditor") == message
    nc = demo_store.get("nonconformity", "nc-1").record
    assert imp.cancellers(demo_store, nc) == ["hiro"]
    frame = imp.nonconformities_frame(demo_store).set_index("id")
    assert frame.at["nc-1", "stage"] == "in_progress" and frame.at["nc-1", "overdue"]
    with acting("hiro"):  # the auditor who raised it
        imp.cancel(demo_store, "nc-1", reason="finding withdrawn: the test had not expired")
    saved = demo_store.get("nonconformity", "nc-1")
    assert (saved.author, saved.record.stage.value) == ("hiro", "cancelled")


def test_other_nonconformities_are_cancelled_by_whoever_raised_them_or_the_lead(demo_store):
    with acting("marta"):  # the chatbot's owner raises one from monitoring
        _raise(demo_store)
        imp.record_correction(demo_store, "nc-9", "contained")
        imp.record_root_cause(demo_store, "nc-9", "no check")
        imp.plan_action(demo_store, "nc-9", "fix", owner="ravi", due=TODAY)
    nc = demo_store.get("nonconformity", "nc-9").record
    assert imp.cancellers(demo_store, nc) == ["chloe", "marta"]
    with acting("ravi"):
        refused(demo_store, PermissionDeniedError, "^ravi may not cancel nonconformity nc-9: "
                 "they own its corrective action 1; it may be cancelled by chloe, marta$",
                 imp.cancel, "nc-9", reason="not needed")
    with acting("ben"):  # on the team, but neither raised it nor leads governance
        refused(demo_store, PermissionDeniedError, "^ben may not cancel nonconformity nc-9: "
                 "they neither raised it nor are the governance lead; it may be cancelled by "
                 "chloe, marta$", imp.cancel, "nc-9", reason="not needed")
    with acting("marta"):
        imp.cancel(demo_store, "nc-9", reason="duplicate of nc-1")
    assert demo_store.get("nonconformity", "nc-9").record.stage.value == "cancelled"


def test_cli_refuses_an_action_owner_cancelling_the_auditors_nonconformity(
        nc_cli, demo_store, monkeypatch):
    head = demo_store.head()
    monkeypatch.setenv("WORKBENCH_USER", "ravi")
    code, out, err = nc_cli("update", "nc-1", "--cancel", "we disagree with the auditor")
    assert (code, out) == (1, "")
    assert err == ("error: ravi may not cancel nonconformity nc-1: they own its corrective "
                   "action 2; it may be cancelled by hiro\n")
    assert demo_store.head() == head
    code, out, _ = nc_cli("list", "--overdue")
    assert code == 0 and [line.split()[0] for line in out.splitlines()[2:]] == ["nc-1"]


def test_a_plain_save_cannot_cancel_or_review_around_the_workflow(demo_store):
    """The workflow's rules hold for a direct ``store.save`` too (and so for imports)."""
    current = demo_store.get("nonconformity", "nc-1")
    nc = current.record

    def save(**changes):
        record = nc.model_copy(update=changes)
        return refused(demo_store, PermissionDeniedError, " may not ",
                        lambda store: store.save(record, base_version=current.version,
                                                 reason="direct"))

    with acting("marta"):  # owns the audited chatbot: the grant to its team allows the edit
        assert save(stage="cancelled", cancel_reason="we disagree") == (
            "marta may not cancel nonconformity 'nc-1': an audit raised it and they are on "
            "the team of the audited AI system support-chatbot")
        assert save(effectiveness_review="fine", effective=True,
                    effectiveness_reviewed_by="hiro") == (
            "marta may not record an effectiveness review of nonconformity 'nc-1' in "
            "hiro's name; the reviewer records it")
    with acting("chloe"):  # the governance lead, but the owner of action 1
        assert save(stage="cancelled", cancel_reason="no") == (
            "chloe may not cancel nonconformity 'nc-1': they own its corrective action 1")
        assert save(effectiveness_review="fine", effective=True,
                    effectiveness_reviewed_by="chloe") == (
            "chloe owns a corrective action of nonconformity 'nc-1' and may not review its "
            "effectiveness (segregation of duties)")
    with acting("hiro"):  # who raised it may still cancel it with a plain save
        demo_store.save(nc.model_copy(update=dict(stage="cancelled", cancel_reason="withdrawn")),
                        base_version=current.version, reason="withdrawn")
    assert demo_store.get("nonconformity", "nc-1").record.stage.value == "cancelled"
