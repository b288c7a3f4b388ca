"""The management review pack (ISO/IEC 42001 9.3.2): every input of the review, read from the
records as they stood on the day of the pack.

Each section is a :class:`PackSection`: the 9.3.2 topic it informs, a summary sentence
generated from the records (never typed), the table behind it and, for readiness, the trend
figure. The pack reads a snapshot of the store (:meth:`workbench.store.Store.as_of`), so a
pack for a past date shows what top management could have seen then.

Other features add to the pack when they are installed: the monitoring status
(``workbench.monitoring.status_frame``), incidents and the nonconformity life cycle
(``workbench.improvement.incidents_frame`` / ``nonconformities_frame``). Without them the pack
falls back on the records it can read (monitoring evidence for 9.1, the nonconformity register).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.readiness.facts import _as_date as _date
from workbench.readiness.model import ReviewInput, ReviewTopic
from workbench.render import fmt_count

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.readiness.engine import Readiness
    from workbench.readiness.facts import Facts
    from workbench.registers import RecordProblem
    from workbench.store import Store

__all__ = ["SECTIONS", "PackSection", "ReviewPack", "decision_status", "incident_counts",
           "pack"]

log = logging.getLogger(__name__)

#: Sections of the pack in order: key -> (title, the 9.3.2 topic it informs).
SECTIONS: dict[str, tuple[str, ReviewTopic]] = {
    "previous_actions": ("Actions from previous reviews", ReviewTopic.previous_actions),
    "context": ("Changes in external and internal issues", ReviewTopic.context_changes),
    "interested_parties": ("Changes in interested parties' needs and expectations",
                           ReviewTopic.interested_parties),
    "nonconformities": ("Nonconformities and corrective actions", ReviewTopic.nonconformities),
    "incidents": ("AI incidents", ReviewTopic.nonconformities),
    "monitoring": ("Monitoring and measurement results", ReviewTopic.monitoring_results),
    "readiness": ("ISO/IEC 42001 readiness over time", ReviewTopic.monitoring_results),
    "audits": ("Audit results", ReviewTopic.audit_results),
    "risks": ("Risks and opportunities", ReviewTopic.improvement_opportunities),
}


@dataclass
class PackSection:
    """One input of the review: its topic, a generated summary and the table behind it."""

    key: str
    title: str
    topic: ReviewTopic
    summary: str
    table: pd.DataFrame
    #: False when the feature that records this input is not installed.
    available: bool = True
    figure: Any = None


@dataclass
class ReviewPack:
    """Every 9.3.2 input for a management review, as the records stood on :attr:`as_of`."""

    as_of: dt.date
    moment: dt.datetime
    organization: str
    previous_review: dict[str, Any] | None
    since: dt.date | None
    sections: list[PackSection]
    readiness: Readiness
    trend: pd.DataFrame
    problems: tuple[RecordProblem, ...] = ()
    store_head: tuple[int, str] = (0, "")
    notes: list[str] = field(default_factory=list)

    def section(self, key: str) -> PackSection:
        """One section by key (see :data:`SECTIONS`)."""
        for s in self.sections:
            if s.key == key:
                return s
        from workbench.errors import NotFoundError

        raise NotFoundError(f"no section {key!r} in the review pack; sections: "
                            f"{', '.join(s.key for s in self.sections)}")

    def inputs(self) -> list[ReviewInput]:
        """One :class:`ReviewInput` per 9.3.2 topic, its summary joined from the sections
        that inform it (what :func:`workbench.review.record` saves with the review)."""
        by_topic: dict[ReviewTopic, list[str]] = {}
        for s in self.sections:
            by_topic.setdefault(s.topic, []).append(s.summary)
        opps = self._opportunities()
        if opps:
            by_topic.setdefault(ReviewTopic.improvement_opportunities, []).append(opps)
        return [ReviewInput(topic=t, summary=" ".join(by_topic[t])) for t in ReviewTopic
                if by_topic.get(t)]

    def _opportunities(self) -> str:
        gaps = self.readiness.gaps
        if gaps.empty:
            return ""
        missing = self.readiness.requirements
        ids = list(missing.loc[missing["status"] == "missing", "id"])[:5]
        if not ids:
            return ""
        return f"Readiness gaps to close (requirements missing): {', '.join(ids)}."

    def summary(self) -> str:
        """One line: the date, the previous review and the headline figures."""
        prev = (f"previous review {self.previous_review['id']} held on {self.since}"
                if self.previous_review else "no previous review")
        overall = self.readiness.overall
        ready = "n/a" if math.isnan(overall) else f"{overall:.0f}%"
        return (f"management review pack of {self.organization} as of {self.as_of}: {prev}; "
                f"readiness {ready}; {len(self.sections)} inputs")

    def to_html(self) -> str:
        from workbench.review.views import pack_html

        return pack_html(self)

    def _repr_html_(self) -> str:
        return self.to_html()


# -- helpers --------------------------------------------------------------------------------------
def optional(module: str, name: str) -> Callable[..., Any] | None:
    """``module.name`` when that feature is installed, else None (never an import error)."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None




def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def decision_status(due: Any, done_on: Any, today: dt.date) -> str:
    """``done`` (done on or before ``today``), ``overdue`` (due before ``today``) or ``open``."""
    done = _date(done_on)
    if done is not None and done <= today:
        return "done"
    due_day = _date(due)
    return "overdue" if due_day is not None and due_day < today else "open"


# -- sections -------------------------------------------------------------------------------------
def _previous_actions(f: Facts, previous: dict[str, Any] | None) -> PackSection:
    d = f.review_decisions()
    reviews = f.reviews()
    held = dict(zip(reviews["id"], reviews["held"], strict=True))
    rows = []
    for r in d.itertuples(index=False):
        status = decision_status(r.due, r.done_on, f.today)
        rows.append({"review_id": r.review_id, "held_on": _date(held.get(r.review_id)),
                     "decision_id": r.id, "description": r.description, "kind": r.kind,
                     "owner": r.owner, "due": _date(r.due), "done_on": _date(r.done_on),
                     "status": status, "note": r.note})
    cols = ["review_id", "held_on", "decision_id", "description", "kind", "owner", "due",
            "done_on", "status", "note"]
    table = _frame(rows, cols)
    if previous is None:
        summary = "No previous management review is recorded: this is the first one."
        return _section("previous_actions", summary, table)
    # Decisions of the previous review, and any older decision still not done.
    keep = (table["review_id"] == previous["id"]) | (table["status"] != "done")
    table = table[keep].reset_index(drop=True)
    mine = table[table["review_id"] == previous["id"]]
    counts = mine["status"].value_counts()
    parts = [f"{int(counts.get(s, 0))} {s}" for s in ("done", "open", "overdue")]
    summary = (f"Review {previous['id']} (held on {previous['held_on']}) took "
               f"{fmt_count(len(mine), 'decision')}: {', '.join(parts)}.")
    late = table[table["status"] == "overdue"]
    if not late.empty:
        summary += " Overdue: " + "; ".join(
            f"{i} ({o}, due {d})" for i, o, d in zip(late["decision_id"], late["owner"],
                                                   late["due"], strict=True)) + "."
    older = table[(table["review_id"] != previous["id"])]
    if not older.empty:
        summary += f" {fmt_count(len(older), 'decision')} of earlier reviews still open."
    return _section("previous_actions", summary, table)


def _issues(content: dict[str, Any]) -> set[tuple[str, str]]:
    return ({("external", str(i)) for i in content.get("external_issues") or []}
            | {("internal", str(i)) for i in content.get("internal_issues") or []})


def _parties(content: dict[str, Any]) -> dict[str, str]:
    return {str(p.get("name")): str(p.get("needs") or "")
            for p in content.get("interested_parties") or [] if isinstance(p, dict)}


def _versions_since(view: Store, kind: str, since: dt.datetime | None
                    ) -> tuple[dict[str, dict[str, Any]], pd.DataFrame]:
    """The content of each record in force at ``since`` and the versions saved after it."""
    frame = view.versions(kind)
    if since is None or frame.empty:
        return {}, frame
    import pandas as pd

    before = frame[frame["_saved_at"] <= pd.Timestamp(since)]
    base = {str(r["id"]): r for r in before.drop_duplicates("id", keep="last")
            .to_dict(orient="records")}
    return base, frame[frame["_saved_at"] > pd.Timestamp(since)]


def _context(view: Store, since: dt.datetime | None) -> tuple[PackSection, PackSection]:
    cols = ["kind", "record_id", "version", "saved_at", "saved_by", "reason", "change"]
    rows, party_rows = [], []
    scope_base, scope_new = _versions_since(view, "aims_scope", since)
    org_base, org_new = _versions_since(view, "organization", since)
    for kind, base, new in (("aims_scope", scope_base, scope_new),
                            ("organization", org_base, org_new)):
        if since is None:
            break
        prev = {k: dict(v) for k, v in base.items()}
        for r in new.to_dict(orient="records"):
            rid = str(r["id"])
            before = prev.get(rid, {})
            changes = []
            if kind == "aims_scope":
                old, now = _issues(before), _issues(r)
                changes += [f"{w} issue added: {t}" for w, t in sorted(now - old)]
                changes += [f"{w} issue removed: {t}" for w, t in sorted(old - now)]
                if before.get("statement") and before.get("statement") != r.get("statement"):
                    changes.append("scope statement changed")
                old_p, new_p = _parties(before), _parties(r)
                for name in sorted(set(new_p) - set(old_p)):
                    party_rows.append({"party": name, "change": "added", "needs": new_p[name],
                                       "version": r["_version"], "saved_at": r["_saved_at"]})
                for name in sorted(set(old_p) - set(new_p)):
                    party_rows.append({"party": name, "change": "removed", "needs": old_p[name],
                                       "version": r["_version"], "saved_at": r["_saved_at"]})
                for name in sorted(set(old_p) & set(new_p)):
                    if old_p[name] != new_p[name]:
                        party_rows.append({"party": name, "change": "needs changed",
                                           "needs": new_p[name], "version": r["_version"],
                                           "saved_at": r["_saved_at"]})
            else:
                fields = [k for k in ("name", "sector", "business_units", "description",
                                      "headquarters") if before and before.get(k) != r.get(k)]
                changes += [f"{k} changed" for k in fields]
            if not before:
                changes.insert(0, "recorded")
            rows.append({"kind": kind, "record_id": rid, "version": int(r["_version"]),
                         "saved_at": r["_saved_at"], "saved_by": r["_saved_by"],
                         "reason": r["_reason"], "change": "; ".join(changes) or "edited"})
            prev[rid] = r
    table = _frame(rows, cols)
    parties = _frame(party_rows, ["party", "change", "needs", "version", "saved_at"])
    scope = view.frame("aims_scope", meta=False)
    n_ext = sum(len(x or []) for x in scope.get("external_issues", []))
    n_int = sum(len(x or []) for x in scope.get("internal_issues", []))
    n_par = sum(len(x or []) for x in scope.get("interested_parties", []))
    if since is None:
        context = (f"First review: the AIMS scope records {fmt_count(n_ext, 'external issue')} "
                   f"and {fmt_count(n_int, 'internal issue')}.")
        parties_text = fmt_count(n_par, "interested party", "interested parties")
        party = f"First review: the AIMS scope records {parties_text}."
    else:
        day = since.date()
        if table.empty:
            context = (f"No change to the organization or the AIMS scope was recorded since "
                       f"{day} ({fmt_count(n_ext, 'external issue')}, "
                       f"{fmt_count(n_int, 'internal issue')} in force).")
        else:
            context = (f"{fmt_count(len(table), 'change')} recorded since {day}: "
                       + "; ".join(f"{k} {i} v{v}: {c}" for k, i, v, c in zip(
                           table["kind"], table["record_id"], table["version"], table["change"],
                           strict=True)) + ".")
        if parties.empty:
            party = (f"No change to the interested parties or their needs since {day} "
                     f"({fmt_count(n_par, 'party', 'parties')} recorded).")
        else:
            party = (f"{fmt_count(len(parties), 'change')} to interested parties since {day}: "
                     + "; ".join(f"{p} {c}" for p, c in zip(parties["party"],
                                                            parties["change"], strict=True))
                     + ".")
    return (_section("context", context, table),
            _section("interested_parties", party, parties))


def _nonconformities(view: Store, f: Facts, since: dt.date | None) -> PackSection:
    nc = f.nonconformities()
    cols = ["id", "title", "raised_on", "severity", "source", "status", "actions_done",
            "actions", "overdue_actions", "closed_on"]
    rows = []
    for r in nc.to_dict(orient="records"):
        actions = list(r.get("corrective_actions") or [])
        done = sum(1 for a in actions if _date(a.get("done_on")) is not None)
        late = sum(1 for a in actions if decision_status(a.get("due"), a.get("done_on"),
                                                         f.today) == "overdue")
        closed = _date(r.get("closed_on"))
        rows.append({"id": r["id"], "title": r["title"], "raised_on": _date(r["raised_on"]),
                     "severity": str(r.get("severity") or ""), "source": str(r.get("source")),
                     "status": "closed" if closed is not None else "open",
                     "actions_done": done, "actions": len(actions), "overdue_actions": late,
                     "closed_on": closed})
    table = _frame(rows, cols)
    frame_fn = optional("workbench.improvement", "nonconformities_frame")
    if frame_fn is not None and not table.empty:
        try:
            extra = frame_fn(view)
            keep = [c for c in ("stage", "overdue") if c in extra.columns]
            if keep and "id" in extra.columns:
                table = table.merge(extra[["id", *keep]], on="id", how="left")
        except Exception as exc:  # noqa: BLE001 - the register above still stands
            log.warning("nonconformity life cycle not read: %s", exc)
    if table.empty:
        return _section("nonconformities", "No nonconformity is recorded.", table)
    open_ = table[table["status"] == "open"]
    new = table[[since is None or (d is not None and d > since) for d in table["raised_on"]]]
    closed_since = table[[c is not None and (since is None or c > since)
                          for c in table["closed_on"]]]
    late = open_[open_["overdue_actions"] > 0]
    words = "since the previous review" if since else "in total"
    summary = (f"{fmt_count(len(new), 'nonconformity', 'nonconformities')} raised {words}, "
               f"{len(closed_since):,} closed {words}; {len(open_):,} open"
               + (f" ({', '.join(open_['id'])})" if not open_.empty else "")
               + (f", {len(late):,} with overdue corrective actions" if not late.empty
                  else "") + ".")
    if "stage" in table.columns:
        stages = open_["stage"].dropna().astype(str).value_counts()
        if not stages.empty:
            summary += " Open by stage: " + ", ".join(
                f"{str(k).replace('_', ' ')} {v}" for k, v in stages.items()) + "."
    return _section("nonconformities", summary, table)


def incident_counts(table: pd.DataFrame, since: dt.date | None) -> dict[str, int]:
    """The incident figures the pack states, from the register ``table``: the incidents
    ``detected`` since the previous review (all when ``since`` is None), how many of those
    are ``serious`` (the same period), and how many are ``not_closed`` (the whole register).
    :mod:`workbench.review.consistency` recomputes them with this same function."""
    detected = [_date(d) for d in table.get("detected_on", [])]
    in_period = [since is None or (d is not None and d > since) for d in detected]
    serious = (table["serious"].fillna(False).astype(bool).tolist() if "serious" in table
               else [False] * len(in_period))
    status = table["status"].astype(str).tolist() if "status" in table else []
    return {"detected": sum(in_period),
            "serious": sum(1 for new, grave in zip(in_period, serious, strict=True)
                           if new and grave),
            "not_closed": sum(1 for s in status if s != "closed")}


def _art73(table: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Each serious incident's Art. 73 reporting deadline and whether its report was late
    (``yes``; ``overdue`` when not reported and the deadline has passed; ``no``); blank for an
    incident that is not serious."""
    from workbench.improvement.model import report_deadline

    deadlines, late = [], []
    for r in table.to_dict(orient="records"):
        serious = bool(r.get("serious")) if r.get("serious") == r.get("serious") else False
        due = _date(r.get("report_deadline"))
        if serious and due is None:
            aware = _date(r.get("aware_on")) or _date(r.get("detected_on"))
            if aware is not None:
                due, _ = report_deadline(aware, serious=True, death=bool(r.get("death")),
                                         widespread_or_critical_infra=bool(
                                             r.get("widespread_or_critical_infra")))
        if not serious or due is None:
            deadlines.append(None)
            late.append("")
            continue
        reported = _date(r.get("reported_on"))
        deadlines.append(due)
        late.append("yes" if reported is not None and reported > due else
                    "overdue" if reported is None and today > due else "no")
    return table.assign(report_deadline=deadlines, reported_late=late)


def _incidents(view: Store, f: Facts, since: dt.date | None) -> PackSection:
    from workbench.features import record_kinds

    cols = ["id", "system_id", "title", "detected_on", "severity", "serious", "status",
            "reported_on", "report_deadline", "reported_late"]
    if "incident" not in record_kinds():
        return _section("incidents", "AI incidents are not recorded in this workbench (no "
                        "incident records).", _frame([], cols), available=False)
    frame_fn = optional("workbench.improvement", "incidents_frame")
    table = None
    if frame_fn is not None:
        try:
            table = frame_fn(view, today=f.today)
        except Exception as exc:  # noqa: BLE001 - fall back on the plain register
            log.warning("incidents frame not read: %s", exc)
    if table is None:
        table = f.frame("incident")
    if not table.empty:
        table = _art73(table, f.today)
    table = table[[c for c in cols if c in table.columns]].reset_index(drop=True)
    if table.empty:
        return _section("incidents", "No AI incident is recorded.", table)
    n = incident_counts(table, since)
    words = "since the previous review" if since else "in total"
    summary = (f"{fmt_count(n['detected'], 'AI incident')} detected {words}; "
               f"{n['serious']:,} serious; {n['not_closed']:,} not closed.")
    return _section("incidents", summary, table)


def _monitoring(view: Store, f: Facts, since: dt.date | None) -> PackSection:
    status_fn = optional("workbench.monitoring", "status_frame")
    if status_fn is not None:
        try:
            table = status_fn(view)
            counts = table["state"].astype(str).value_counts()
            parts = [f"{int(counts[s])} {s.replace('_', ' ')}" for s in
                     ("ok", "breach", "overdue", "no_plan") if s in counts]
            summary = (f"Monitoring of {fmt_count(len(table), 'AI system')}: "
                       f"{', '.join(parts) or 'nothing recorded'}.")
            return _section("monitoring", summary, table.reset_index(drop=True))
        except Exception as exc:  # noqa: BLE001 - fall back on the evidence for 9.1
            log.warning("monitoring status not read: %s", exc)
    ev = f.evidence()
    cols = ["id", "title", "evidence_kind", "collected_at", "expires", "valid"]
    if ev.empty:
        return _section("monitoring", "No monitoring or measurement evidence is recorded.",
                        _frame([], cols))
    targets = ev["clause_ids"].map(lambda c: "9.1" in (c or [])) | ev["control_ids"].map(
        lambda c: "A.6.2.6" in (c or []))
    hits = ev[targets & (ev["evidence_kind"].astype(str) != "report")]
    table = hits.assign(collected_at=[_date(c) for c in hits["collected_at"]])[cols]
    table = table.reset_index(drop=True)
    if table.empty:
        return _section("monitoring", "No monitoring or measurement evidence (9.1, A.6.2.6) "
                        "is recorded.", table)
    new = [c for c in table["collected_at"] if since is None or (c is not None and c > since)]
    valid = int(table["valid"].astype(bool).sum())
    words = "since the previous review" if since else "in total"
    summary = (f"{fmt_count(len(table), 'monitoring or measurement evidence item')} (9.1, A.6.2.6)"
               f": {len(new):,} collected {words}, {valid:,} still valid.")
    return _section("monitoring", summary, table)


def _audits(f: Facts, since: dt.date | None) -> PackSection:
    audits = f.audits()
    cols = ["programme_id", "id", "title", "auditor", "planned_on", "completed_on", "status",
            "results"]
    rows = []
    for r in audits.to_dict(orient="records"):
        done, planned = _date(r["completed_on"]), _date(r["planned_on"])
        status = ("completed" if done is not None and done <= f.today else
                  "overdue" if planned is not None and planned < f.today else "planned")
        rows.append({"programme_id": r["programme_id"], "id": r["id"], "title": r["title"],
                     "auditor": r["auditor"], "planned_on": planned, "completed_on": done,
                     "status": status, "results": r["results"] or ""})
    table = _frame(rows, cols)
    if table.empty:
        return _section("audits", "No internal audit is planned or recorded.", table)
    completed = table[[d is not None and (since is None or d > since) and s == "completed"
                       for d, s in zip(table["completed_on"], table["status"], strict=True)]]
    late = table[table["status"] == "overdue"]
    planned = table[table["status"] == "planned"]
    words = "since the previous review" if since else "so far"
    summary = f"{fmt_count(len(completed), 'internal audit')} completed {words}"
    if not completed.empty:
        summary += " (" + "; ".join(f"{i}: {str(res)[:160]}" for i, res in zip(
            completed["id"], completed["results"], strict=True)) + ")"
    summary += f"; {len(planned):,} planned, {len(late):,} overdue."
    return _section("audits", summary, table)


def _risks(f: Facts) -> PackSection:
    reg = f.register()
    cols = ["id", "system_id", "title", "residual_level", "above_appetite", "treatment",
            "status", "signoff", "open_actions", "overdue_actions", "owner"]
    if reg.empty:
        return _section("risks", "No risk is recorded in the risk register.", _frame([], cols))
    table = reg[cols].copy()
    table["residual_level"] = table["residual_level"].astype(str)
    live = table[table["status"].astype(str) != "closed"]
    above = live[live["above_appetite"].astype(bool)]
    waiting = int(reg.loc[above.index, "awaiting_acceptance"].astype(bool).sum())
    overdue = int(live["overdue_actions"].sum())
    open_actions = int(live["open_actions"].sum())
    treatments = live["treatment"].astype(str).value_counts()
    summary = (f"{fmt_count(len(live), 'open risk')}, {len(above):,} above the risk appetite "
               f"({waiting:,} awaiting acceptance by their owner); "
               f"{fmt_count(open_actions, 'treatment action')} open, {overdue:,} overdue. "
               "Treatments: " + ", ".join(f"{k} {v}" for k, v in treatments.items()) + ".")
    shown = table.loc[above.index].reset_index(drop=True) if not above.empty else table.head(10)
    return _section("risks", summary, shown)


def _readiness(result: Readiness, trend: pd.DataFrame) -> PackSection:
    from workbench.readiness import trend_figure

    known = trend.dropna(subset=["overall"])
    now = "n/a" if math.isnan(result.overall) else f"{result.overall:.0f}%"
    summary = f"ISO/IEC 42001 readiness {now} on {result.today}"
    if len(known) >= 2:
        first = known.iloc[0]
        summary += f" (from {first['overall']:.0f}% on {first['as_of']})"
    c = result.counts()
    summary += (f": {c['met']} requirements met, {c['partial']} partial, {c['missing']} "
                f"missing; {len(result.gaps):,} items to do.")
    fig = trend_figure(trend, title="Readiness over time (records as they stood)")
    return _section("readiness", summary, trend.copy(), figure=fig)


def _section(key: str, summary: str, table: pd.DataFrame, *, available: bool = True,
             figure: Any = None) -> PackSection:
    title, topic = SECTIONS[key]
    return PackSection(key=key, title=title, topic=topic, summary=summary, table=table,
                       available=available, figure=figure)


# -- the pack -------------------------------------------------------------------------------------
def pack(store: Store, as_of: dt.date | str | None = None, *, trend_points: int = 6,
         verify: bool = True) -> ReviewPack:
    """Assemble the management review pack from the records as they stood on ``as_of``.

    Parameters
    ----------
    store
        The workbench store.
    as_of
        The day of the pack (default today; a date or ``YYYY-MM-DD``; never in the future).
        The previous review is the latest one held on or before it.
    trend_points
        Monthly points of the readiness trend (the last one is ``as_of``).
    verify
        Check the hash chain as it stood (readiness 7.5.3).

    Returns
    -------
    ReviewPack
        Its :attr:`~ReviewPack.sections` cover every input of 9.3.2; :meth:`ReviewPack.inputs`
        gives them as the review's inputs.
    """
    from workbench.readiness.engine import assess
    from workbench.readiness.facts import Facts
    from workbench.readiness.history import moment, nothing_recorded, trend

    cut = moment(as_of if as_of not in (None, "") else
                 dt.datetime.now(dt.timezone.utc).date(), name="as_of")
    day = cut.date()
    view = store.as_of(cut)
    f = Facts(view, day, verify=verify)
    reviews = f.reviews()
    held = reviews[reviews["held"].notna() & (reviews["held"] <= _ts(day))]
    previous = None
    since_moment = None
    if not held.empty:
        row = held.iloc[0]
        previous = {"id": str(row["id"]), "title": str(row["title"]),
                    "held_on": row["held"].date(), "chair": str(row["chair"])}
        since_moment = dt.datetime.combine(previous["held_on"], dt.time.max,
                                           tzinfo=dt.timezone.utc)
    since = previous["held_on"] if previous else None
    result = assess(view, today=day, verify=verify, facts=f)
    if view.head() == 0:
        result = nothing_recorded(result)
    points = trend(store, points=trend_points, end=day, verify=verify, current=result)
    context, parties = _context(view, since_moment)
    sections = [
        _previous_actions(f, previous), context, parties,
        _nonconformities(view, f, since), _incidents(view, f, since),
        _monitoring(view, f, since), _readiness(result, points), _audits(f, since),
        _risks(f),
    ]
    orgs = view.frame("organization", meta=False)
    name = str(orgs["name"].iloc[0]) if not orgs.empty else "the organization"
    return ReviewPack(as_of=day, moment=cut, organization=name, previous_review=previous,
                      since=since, sections=sections, readiness=result, trend=points,
                      problems=tuple(f.problems()), store_head=view.head_entry())


def _ts(day: dt.date) -> Any:
    import pandas as pd

    return pd.Timestamp(day)
