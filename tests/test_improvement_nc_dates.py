"""The dates of a nonconformity's steps (10.2): never in the future, never before it was
raised, and in the workflow's order (actions done after the last effectiveness review, the
review after the last action was done, the closure after the review); a refusal is one line
and writes nothing, in Python and in `workbench nc update`."""

from __future__ import annotations

import datetime as dt

import pytest
from actors import acting

from workbench import improvement as imp
from workbench.errors import ValidationError

TODAY = dt.date.today()


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def _planned(store, *owners: str) -> None:
    """nc-9, raised ten days ago, with one corrective action per owner."""
    imp.raise_nc(store, id="nc-9", title="Model card not updated after retraining",
                 description="The card still describes the previous model.",
                 source="monitoring", system_ids=["support-chatbot"], raised_on=day(-10))
    imp.record_correction(store, "nc-9", "Card marked outdated.")
    imp.record_root_cause(store, "nc-9", "Retraining did not trigger a card update.")
    for n, owner in enumerate(owners, 1):
        imp.plan_action(store, "nc-9", f"fix {n}", owner=owner, due=TODAY)


def _refused(store, message, call, *args, **kwargs):
    head = store.head()
    with pytest.raises(ValidationError) as info:
        call(store, *args, **kwargs)
    assert str(info.value) == message
    assert store.head() == head  # nothing written


def test_a_nonconformity_is_not_raised_in_the_future(demo_store):
    _refused(demo_store, f"raised_on: {day(1)} is in the future (today is {TODAY}); record "
             "it once it has happened", imp.raise_nc, id="nc-9", title="t", description="d",
             raised_on=day(1))


def test_an_action_is_done_neither_in_the_future_nor_before_the_nc_was_raised(demo_store):
    _planned(demo_store, "ravi")
    _refused(demo_store, f"done_on: {day(1)} is in the future (today is {TODAY}); record it "
             "once it has happened", imp.complete_action, "nc-9", 1, done_on=day(1))
    _refused(demo_store, f"done_on: {day(-11)} is before the nonconformity was raised "
             f"({day(-10)})", imp.complete_action, "nc-9", 1, done_on=day(-11))
    imp.complete_action(demo_store, "nc-9", 1, done_on=str(day(-10)))  # the day it was raised
    assert demo_store.get("nonconformity", "nc-9").record.corrective_actions[0].done_on == \
        day(-10)


def test_effectiveness_is_reviewed_after_the_last_action_was_done(demo_store):
    _planned(demo_store, "ravi", "ben")
    imp.complete_action(demo_store, "nc-9", 1, done_on=day(-6))
    imp.complete_action(demo_store, "nc-9", 2, done_on=day(-3))
    with acting("hiro"):
        _refused(demo_store, f"effectiveness_reviewed_on: {day(-7)} is before corrective "
                 f"action 2 was done ({day(-3)})", imp.review_effectiveness, "nc-9",
                 effective=True, review="ok", on=day(-7))
        _refused(demo_store, f"effectiveness_reviewed_on: {day(-4)} is before corrective "
                 f"action 2 was done ({day(-3)})", imp.review_effectiveness, "nc-9",
                 effective=True, review="ok", on=day(-4))
        _refused(demo_store, f"effectiveness_reviewed_on: {day(2)} is in the future (today "
                 f"is {TODAY}); record it once it has happened", imp.review_effectiveness,
                 "nc-9", effective=True, review="ok", on=day(2))
        imp.review_effectiveness(demo_store, "nc-9", effective=True, review="ok",
                                 on=day(-3))
    _refused(demo_store, f"closed_on: {day(-4)} is before its effectiveness was reviewed "
             f"({day(-3)})", imp.close, "nc-9", on=day(-4))
    _refused(demo_store, f"closed_on: {day(1)} is in the future (today is {TODAY}); record it "
             "once it has happened", imp.close, "nc-9", on=day(1))
    imp.close(demo_store, "nc-9", on=day(-2))
    nc = demo_store.get("nonconformity", "nc-9").record
    assert (nc.effectiveness_reviewed_on, nc.closed_on) == (day(-3), day(-2))


def test_further_actions_are_done_after_the_review_that_found_them_needed(demo_store):
    _planned(demo_store, "ravi")
    imp.complete_action(demo_store, "nc-9", 1, done_on=day(-8))
    with acting("hiro"):
        imp.review_effectiveness(demo_store, "nc-9", effective=False, review="recurred",
                                 on=day(-5))
    imp.plan_action(demo_store, "nc-9", "second fix", owner="ben", due=TODAY)
    _refused(demo_store, f"done_on: {day(-6)} is before the last effectiveness review "
             f"({day(-5)})", imp.complete_action, "nc-9", 2, done_on=day(-6))
    imp.complete_action(demo_store, "nc-9", 2, done_on=day(-5))
    with acting("hiro"):
        _refused(demo_store, f"effectiveness_reviewed_on: {day(-6)} is before corrective "
                 f"action 2 was done ({day(-5)})", imp.review_effectiveness, "nc-9",
                 effective=True, review="held", on=day(-6))
        imp.review_effectiveness(demo_store, "nc-9", effective=True, review="held",
                                 on=day(-5))


@pytest.fixture
def nc_cli(cli, demo_store):
    """``workbench nc ...`` on the demo store (the shared ``cli`` fixture)."""
    return lambda *argv: cli("nc", *argv)


def test_cli_refuses_step_dates_in_the_future_or_out_of_order(nc_cli, demo_store,
                                                              monkeypatch):
    head = demo_store.head()
    monkeypatch.setenv("WORKBENCH_USER", "ravi")
    code, out, err = nc_cli("update", "nc-1", "--done", "2", "--on", str(day(1)))
    assert (code, out, err) == (1, "", f"error: done_on: {day(1)} is in the future (today is "
                                        f"{TODAY}); record it once it has happened\n")
    raised = demo_store.get("nonconformity", "nc-1").record.raised_on
    code, out, err = nc_cli("update", "nc-1", "--done", "2", "--on",
                            str(raised - dt.timedelta(days=1)))
    assert (code, out, err) == (1, "", f"error: done_on: {raised - dt.timedelta(days=1)} is "
                                        f"before the nonconformity was raised ({raised})\n")
    # a step without a date of its own does not take --on (it would be silently dropped)
    code, out, err = nc_cli("update", "nc-1", "--correction", "x", "--on", str(TODAY))
    assert (code, out, err) == (1, "", "error: --on goes with --done, --effective/"
                                       "--not-effective or --close (the other steps are dated "
                                       "by when they are recorded)\n")
    assert demo_store.head() == head
    code, out, _ = nc_cli("update", "nc-1", "--done", "2", "--on", str(day(-1)))
    assert (code, out.strip()) == (0, "nonconformity nc-1 is in progress (version 7)")
    monkeypatch.setenv("WORKBENCH_USER", "hiro")
    code, out, err = nc_cli("update", "nc-1", "--effective", "--review", "ok", "--on",
                            str(day(-2)))
    assert (code, out, err) == (1, "", f"error: effectiveness_reviewed_on: {day(-2)} is before "
                                        f"corrective action 2 was done ({day(-1)})\n")
    assert nc_cli("update", "nc-1", "--effective", "--review", "ok")[0] == 0
    code, out, err = nc_cli("update", "nc-1", "--close", "--on", str(day(-1)))
    assert (code, out, err) == (1, "", f"error: closed_on: {day(-1)} is before its "
                                        f"effectiveness was reviewed ({TODAY})\n")
