"""``workbench review pack`` / ``decisions`` / ``done``: output and exit codes."""

from __future__ import annotations

import datetime as dt
import json

TODAY = dt.date.today()


def test_review_pack_prints_every_input(cli):
    past = (TODAY - dt.timedelta(days=10)).isoformat()
    code, out, err = cli("review", "pack", "--as-of", past)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith(f"management review pack of Larkspur Group as of {past}: "
                               "previous review mr-1 held on ")
    assert "1. Actions from previous reviews [9.3.2: previous_actions]" in lines
    assert "9. Risks and opportunities [9.3.2: improvement_opportunities]" in lines
    code, out, _ = cli("review", "pack", "--json")
    data = json.loads(out)
    assert code == 0 and data["previous_review"]["id"] == "mr-1"
    assert [s["topic"] for s in data["sections"]][:3] == [
        "previous_actions", "context_changes", "interested_parties"]


def test_review_pack_refusals_are_one_line(cli, demo_store):
    head = demo_store.head()
    future = (TODAY + dt.timedelta(days=5)).isoformat()
    code, out, err = cli("review", "pack", "--as-of", future)
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "is in the future" in err
    code, _, err = cli("review", "pack", "-o", "pack.docx")
    assert code == 1 and err == ("error: -o pack.docx: end the file name with .pdf, .html or "
                                 ".ipynb\n")
    assert demo_store.head() == head


def test_review_decisions_and_done(cli, demo_store):
    code, out, _ = cli("review", "decisions")
    assert code == 0
    rows = [line.split()[:2] for line in out.splitlines()[2:]]
    assert sorted(r[1] for r in rows) == ["analyst", "expiry-reminders", "go-live-gate",
                                          "monitoring-packs"]
    code, out, _ = cli("review", "decisions", "--overdue")
    assert code == 0 and out == "no overdue decisions\n"
    code, out, _ = cli("review", "done", "mr-1", "analyst", "--note", "analyst hired")
    assert code == 0 and out.startswith(f"decision analyst of review mr-1 done on "
                                        f"{dt.date.today()}: follow-up mr-1.analyst (version 1 ")
    assert out.rstrip().endswith("the approved minutes are unchanged")
    assert demo_store.get("review_followup", "mr-1.analyst").record.note == "analyst hired"
    code, out, _ = cli("review", "decisions", "--json")
    states = {d["decision_id"]: d["status"] for d in json.loads(out)}
    assert states["analyst"] == "done" and states["monitoring-packs"] == "open"
    head = demo_store.head()
    code, out, err = cli("review", "done", "mr-1", "analyst")
    assert code == 1 and out == "" and "already done on" in err and err.count("\n") == 1
    code, _, err = cli("review", "done", "mr-9", "x")
    assert code == 1 and "no management review 'mr-9'" in err
    assert demo_store.head() == head
