"""Readiness as it stood at a past moment, read from the store's append-only history, and the
readiness trend (``wb.readiness.as_of``, ``wb.readiness.trend``, ``workbench readiness
--as-of`` / ``readiness trend``)."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
import sqlalchemy as sa

import workbench as wb
from workbench.errors import PermissionDeniedError, ValidationError
from workbench.readiness import ManagementReview, ReviewDecision


def _review(decisions: list[ReviewDecision]) -> ManagementReview:
    today = dt.date.today()
    return ManagementReview(id="mr-t", title="Management review", held_on=today,
                            chair="tester", attendees=["tester"], decisions=decisions,
                            next_review_due=today + dt.timedelta(days=300))


def _decision() -> ReviewDecision:
    return ReviewDecision(id="d1", description="Fund a second fairness audit",
                          kind="improvement", owner="tester",
                          due=dt.date.today() + dt.timedelta(days=60))


def test_as_of_an_earlier_time_shows_the_earlier_outcome(store):
    first = store.save(_review([_decision()]))
    noted = first.saved_at
    store.save(_review([]), base_version=first.version, reason="decisions withdrawn")

    now = wb.readiness.assess(store, only=["9.3.3"], verify=False)
    assert now.requirement("9.3.3")["status"] == "partial"
    then = wb.readiness.as_of(store, noted, only=["9.3.3"], verify=False)
    row = then.requirement("9.3.3")
    assert row["status"] == "met", row
    assert row["reason"] == "review mr-t recorded 1 decision, none overdue"
    assert then.today == noted.date()


def test_as_of_reads_the_version_saved_by_then_and_not_later_records(store):
    first = store.save(_review([_decision()]))
    view = store.as_of(first.saved_at)
    assert view.get("management_review", "mr-t").version == 1
    store.save(_review([]), base_version=1)
    assert view.get("management_review", "mr-t").version == 1
    assert len(view.history("management_review", "mr-t")) == 1
    assert view.frame("management_review")["_version"].tolist() == [1]
    assert store.get("management_review", "mr-t").version == 2
    earlier = store.as_of(first.saved_at - dt.timedelta(microseconds=1))
    assert earlier.find("management_review", "mr-t") is None
    assert earlier.count("management_review") == 0
    assert earlier.frame("management_review").empty


def test_a_view_of_the_past_is_read_only(store):
    first = store.save(_review([_decision()]))
    view = store.as_of(first.saved_at)
    with pytest.raises(PermissionDeniedError, match="read-only view of the past"):
        view.save(_review([]), base_version=1)
    assert store.get("management_review", "mr-t").version == 1


def test_before_the_store_existed_everything_is_missing(store):
    result = wb.readiness.as_of(store, "2001-01-01")
    assert result.overall == 0.0
    assert set(result.requirements["status"]) == {"missing"}
    assert result.requirement("9.3.1")["reason"].startswith("nothing was recorded yet on "
                                                            "2001-01-01")
    assert result.counts()["missing"] == len(result.requirements) > 60


def test_a_date_in_the_future_is_refused(store):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(ValidationError, match="is in the future"):
        wb.readiness.as_of(store, tomorrow)
    with pytest.raises(ValidationError, match="not a date"):
        wb.readiness.as_of(store, "last tuesday")
    # the rules count years back from the date: a date in year 1 used to overflow in a rule
    with pytest.raises(ValidationError, match=r"^when: 0001-01-01 is before 1900; give a date "
                                              r"from 1900-01-01 on"):
        wb.readiness.as_of(store, "0001-01-01")


def test_as_of_costs_one_query_per_register_not_per_record(store):
    """The number of statements is the same for 1 and for 30 reviews."""
    def statements() -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):  # noqa: ARG001
            seen.append(statement)

        sa.event.listen(store.engine, "before_cursor_execute", count)
        try:
            wb.readiness.as_of(store, dt.datetime.now(dt.timezone.utc), only=["9"],
                               verify=False)
        finally:
            sa.event.remove(store.engine, "before_cursor_execute", count)
        return len(seen)

    store.save(_review([_decision()]))
    one = statements()
    for i in range(29):
        store.save(_review([_decision()]).model_copy(update={"id": f"mr-{i}"}))
    assert statements() == one


def test_trend_points_match_as_of_and_the_store_start(store):
    store.save(_review([_decision()]))
    frame = wb.readiness.trend(store, points=3, every="day", verify=False)
    assert list(frame.columns) == wb.readiness.history.TREND_COLUMNS
    today = dt.datetime.now(dt.timezone.utc).date()
    assert list(frame["as_of"]) == [today - dt.timedelta(days=2),
                                    today - dt.timedelta(days=1), today]
    assert math.isnan(frame["overall"][0]) and frame["records"][0] == 0
    now = wb.readiness.as_of(store, today, verify=False)
    assert frame["overall"].iloc[-1] == pytest.approx(now.overall)
    assert frame["records"].iloc[-1] == store.count()


def test_trend_on_the_demo_store_rises_and_matches_as_of(demo_store):
    frame = wb.readiness.trend(demo_store, points=4, every="month", verify=False)
    assert len(frame) == 4 and frame["records"].is_monotonic_increasing
    second = wb.readiness.as_of(demo_store, frame["as_of"][1], verify=False)
    assert frame["overall"][1] == pytest.approx(second.overall)
    assert frame["overall"].iloc[-1] > frame["overall"][0]
    fig = wb.readiness.trend_figure(frame)
    names = [t["name"] for t in fig.to_plotly_json()["data"]]
    assert names == ["overall", "clauses 4-10", "Annex A"]


def test_a_past_point_is_computed_once_per_state_of_the_chain(demo_store, monkeypatch):
    from workbench.readiness import engine

    first = wb.readiness.trend(demo_store, points=3, every="month", verify=True)
    days: list[dt.date] = []
    real = engine.assess

    def counting(*args, **kwargs):
        days.append(kwargs["today"])
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "assess", counting)
    again = wb.readiness.trend(demo_store, points=3, every="month", verify=True)
    assert days == [] and again.equals(first)  # nothing new: every point reused
    current = demo_store.get("ai_system", "card-fraud")
    demo_store.save(current.record.model_copy(update={"description": "Release 6."}),
                    base_version=current.version)
    later = wb.readiness.trend(demo_store, points=3, every="month", verify=True)
    assert days == [first["as_of"].iloc[-1]]  # only today's point saw the new version
    assert later.iloc[:2].equals(first.iloc[:2])


def test_trend_refuses_bad_points(store):
    with pytest.raises(ValidationError, match="points: give a whole number from 1 to 60"):
        wb.readiness.trend(store, points=0)
    with pytest.raises(ValidationError, match="every: 'year'"):
        wb.readiness.trend(store, every="year")


def test_cli_as_of_and_trend(cli, demo_store):
    earlier = (dt.date.today() - dt.timedelta(days=200)).isoformat()
    code, out, _ = cli("readiness", "--as-of", earlier, "--no-verify", "--json")
    assert code == 0
    data = json.loads(out)
    expected = wb.readiness.as_of(demo_store, earlier, verify=False)
    assert data["today"] == earlier and data["overall"] == round(expected.overall, 1)
    code, out, _ = cli("readiness", "trend", "--points", "2", "--no-verify")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["as", "of", "overall"] and len(lines) == 4


def test_cli_future_date_is_one_line(cli):
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    code, out, err = cli("readiness", "--as-of", future)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "is in the future" in err
    code, _, err = cli("readiness", "trend", "--end", future)
    assert code == 1 and "end: " in err and "is in the future" in err


def test_trend_reuses_the_verification_of_the_current_result_at_the_same_head(
        demo_store, monkeypatch):
    from workbench.store import Store

    current = wb.readiness.assess(demo_store)
    assert current.verified is not None and current.verified.ok
    calls: list[int] = []
    real = Store.verify

    def counting(self, *args, **kwargs):
        calls.append(self.head())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "verify", counting)
    wb.readiness.trend(demo_store, points=2, every="day", verify=True, current=current)
    assert calls == []  # the chain current saw is the chain as it stands
    record = demo_store.get("ai_system", "card-fraud")
    demo_store.save(record.record.model_copy(update={"description": "Release 7."}),
                    base_version=record.version)
    wb.readiness.trend(demo_store, points=2, every="week", verify=True, current=current)
    assert calls == [demo_store.head()]  # saved since: the chain is verified again
