"""Recording a management review (ISO/IEC 42001 9.3) and following its decisions (9.3.3).

:func:`record` saves the review held by top management with its inputs taken from the pack
(:func:`workbench.review.pack`), its attendees and its decisions (each with an owner and a due
date), then requests its sign-off through :mod:`workbench.oversight` (the chair approves the
minutes). :func:`complete_decision` records that a decision is done, in a follow-up record of
its own (the approved minutes stay as approved); :func:`decisions` lists every decision with
its state (``done``, ``open``, ``overdue``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from workbench.dates import as_day as _day
from workbench.dates import past_or_today
from workbench.errors import NotFoundError, ValidationError
from workbench.readiness.model import ManagementReview, ReviewDecision

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.review.review_pack import ReviewPack
    from workbench.store import Store, StoredVersion

__all__ = ["DECISION_COLUMNS", "EXECUTIVE_ROLE", "check_followups", "complete_decision",
           "decisions", "record", "review_facts", "save_guard"]

#: The role of top management: the chair of a management review must hold it.
EXECUTIVE_ROLE = "executive"
DECISION_COLUMNS = ["review_id", "held_on", "decision_id", "description", "kind", "owner",
                    "due", "done_on", "status", "days_overdue", "note"]


def _executive(store: Store, login: str, what: str) -> None:
    """Refuse ``login`` unless an active person holding the executive role."""
    found = store.find("person", login)
    if found is None:
        raise ValidationError(f"{what}: no person {login!r} in the store; check the login "
                              "(`workbench admin people` lists them)", [(what, "unknown person")])
    person = found.content
    roles = [str(r) for r in person.get("roles") or []]
    if EXECUTIVE_ROLE not in roles or not person.get("active", True):
        held = ", ".join(roles) or "no role"
        raise ValidationError(
            f"{what}: {person.get('name', login)} ({login}) does not hold the executive role "
            f"(holds {held}); a management review is chaired by top management (9.3.1). "
            "Nothing was saved.", [(what, "not top management")])


def _decisions(items: Iterable[Mapping[str, Any] | ReviewDecision]) -> list[ReviewDecision]:
    out: list[ReviewDecision] = []
    for i, item in enumerate(items or []):
        data = dict(item.model_dump() if isinstance(item, ReviewDecision) else item)
        label = data.get("id") or data.get("description") or f"#{i + 1}"
        missing = [k for k in ("owner", "due") if not data.get(k)]
        if missing:
            raise ValidationError(
                f"decisions[{i}] ({label}): name its {' and '.join(missing)}; every decision "
                "of a management review has an owner and a due date (9.3.3). Nothing was "
                "saved.", [(f"decisions.{i}.{k}", "required") for k in missing])
        if not data.get("id"):
            slug = re.sub(r"[^a-z0-9]+", "-", str(data.get("description", "")).lower())
            data["id"] = slug.strip("-")[:40].strip("-") or f"d{i + 1}"
        data.setdefault("kind", "improvement")
        from workbench.model import validate_record

        out.append(validate_record(ReviewDecision, data))
    return out


def record(store: Store, held_on: dt.date | str, chair: str, attendees: Iterable[str], *,
           decisions: Iterable[Mapping[str, Any] | ReviewDecision] = (),
           inputs_from_pack: ReviewPack | None = None, review_id: str | None = None,
           title: str = "", minutes_uri: str = "", next_review_due: dt.date | str | None = None,
           reason: str = "", request_signoff: bool = True) -> StoredVersion:
    """Save a management review held by top management and request its sign-off.

    Parameters
    ----------
    store
        The workbench store (the acting user records the review: the AI governance lead or
        an executive).
    held_on
        The day the review was held (not in the future).
    chair
        Login of the member of top management chairing it (must hold the executive role).
    attendees
        Logins of the people present.
    decisions
        Each ``{"description", "kind", "owner", "due"}`` (``id`` is made from the
        description when absent; ``kind`` defaults to ``improvement``); due on or after
        ``held_on``.
    inputs_from_pack
        The pack the review considered, as of ``held_on`` or earlier; default the pack as of
        ``held_on``. Each 9.3.2 topic becomes an input with the summary generated from the
        records.
    review_id, title, minutes_uri
        Default ``mr-<held_on>`` and ``AI management review <held_on>``.
    next_review_due
        The next review (default one year after ``held_on``).
    request_signoff
        Request the chair's approval of the minutes (``wb.oversight.request``).

    Returns
    -------
    StoredVersion
        The saved version of the review.

    Raises
    ------
    ValidationError
        The chair does not hold the executive role, a decision has no owner or due date or is
        due before the review was held, the pack is as of a day after the review, a date is
        in the future or not a date. Nothing is saved.
    """
    held = past_or_today(store, held_on, "held_on")
    _executive(store, str(chair), "chair")
    chosen = _decisions(decisions)
    for i, d in enumerate(chosen):
        if d.due < held:
            raise ValidationError(
                f"decisions[{i}] ({d.id}): due {d.due}, before the review was held ({held}); "
                "a decision is due on or after the review that takes it. Nothing was saved.",
                [(f"decisions.{i}.due", "before the review")])
    if inputs_from_pack is None:
        from workbench.review.review_pack import pack

        inputs_from_pack = pack(store, as_of=held)
    elif inputs_from_pack.as_of > held:
        raise ValidationError(
            f"inputs_from_pack: the pack is as of {inputs_from_pack.as_of}, after the review was "
            f"held ({held}); the review considered the records as they stood on or before "
            f"that day (wb.review.pack(store, as_of=\"{held}\")). Nothing was saved.",
            [("inputs_from_pack", "after the review")])
    rid = review_id or f"mr-{held.isoformat()}"
    due = (_day(next_review_due, "next_review_due") if next_review_due is not None
           else held + dt.timedelta(days=365))
    from workbench.model import validate_record

    review = validate_record(ManagementReview, {
        "id": rid, "title": title or f"AI management review {held.isoformat()}",
        "held_on": held, "chair": chair, "attendees": list(dict.fromkeys(attendees or [])),
        "inputs": [i.model_dump() for i in inputs_from_pack.inputs()],
        "decisions": [d.model_dump() for d in chosen], "minutes_uri": minutes_uri,
        "next_review_due": due})
    saved = store.save(review, reason=reason or f"management review held on {held}, inputs "
                       f"from the pack as of {inputs_from_pack.as_of}")
    if request_signoff:
        from workbench import oversight

        oversight.request(store, "management_review", rid, version=saved.version,
                          note=f"approval of the minutes of the management review of {held}")
    return saved


def complete_decision(store: Store, review_id: str, decision_id: str, *,
                      done_on: dt.date | str | None = None, note: str = "",
                      reason: str = "") -> StoredVersion:
    """Record that one decision of a management review is done.

    The follow-up is its own record (kind ``review_followup``, id
    :func:`~workbench.readiness.model.followup_id`), saved by the acting user: the minutes the
    chair approved are not changed, so their approval stays current. The decision's owner may
    record it (whatever their role), as may the AI governance lead or an executive.

    Raises
    ------
    NotFoundError
        No such review or decision.
    ValidationError
        The decision is already done, or ``done_on`` is in the future or before the review.
    PermissionDeniedError
        The acting user is neither the decision's owner nor the governance lead or an
        executive.
    """
    from workbench.readiness.model import DecisionFollowUp, followup_id

    current = store.get("management_review", review_id)
    review: ManagementReview = current.record
    ids = [d.id for d in review.decisions]
    if decision_id not in ids:
        raise NotFoundError(f"review {review_id!r} has no decision {decision_id!r}; its "
                            f"decisions: {', '.join(ids) or 'none'}")
    decision = review.decisions[ids.index(decision_id)]
    when = past_or_today(store, done_on, "done_on")
    if when < review.held_on:
        raise ValidationError(f"done_on: {when} is before the review was held "
                              f"({review.held_on})", [("done_on", "before the review")])
    fid = followup_id(review_id, decision_id)
    earlier = store.find("review_followup", fid)
    done_before = decision.done_on or (_day(earlier.content["done_on"], "done_on")
                                       if earlier is not None else None)
    if done_before is not None:
        raise ValidationError(f"decision {decision_id!r} of review {review_id!r} was "
                              f"already done on {done_before}; nothing was saved")
    followup = DecisionFollowUp(id=fid, review_id=review_id, decision_id=decision_id,
                                owner=decision.owner, done_on=when, note=(note or "").strip())
    return store.save(followup, reason=reason or f"decision {decision_id} of review "
                      f"{review_id} done on {when}")


def decisions(store: Store, *, overdue: bool = False,
              today: dt.date | str | None = None) -> pd.DataFrame:
    """Every decision of every management review with its state, oldest due first.

    ``status`` is ``done``, ``open`` or ``overdue`` (not done and due before ``today``);
    ``days_overdue`` counts the days past due. With ``overdue`` only the overdue ones.
    ``done_on`` and ``note`` (what was done) come from the decision's follow-up record (or,
    for reviews recorded before follow-ups were kept apart, from the minutes). A review that
    fails its checks is left out and named in the frame's problems.
    """
    import pandas as pd

    from workbench.readiness.facts import Facts
    from workbench.registers import with_problems
    from workbench.review.review_pack import decision_status

    day = _day(today, "today") if today is not None else dt.date.today()
    facts = Facts(store, today=day, verify=False)
    reviews = facts.reviews()
    held = dict(zip(reviews["id"], reviews["held_on"], strict=True))
    rows = []
    for d in facts.review_decisions().to_dict(orient="records"):
        done = None if pd.isna(d["done_on"]) else d["done_on"].date()
        due = d["due"].date()
        status = decision_status(due, done, day)
        rows.append({"review_id": d["review_id"], "held_on": _day(held[d["review_id"]],
                                                                  "held_on"),
                     "decision_id": d["id"], "description": d["description"],
                     "kind": d.get("kind", ""), "owner": d["owner"], "due": due,
                     "done_on": done, "status": status,
                     "days_overdue": (day - due).days if status == "overdue" else 0,
                     "note": d.get("note", "")})
    out = pd.DataFrame(rows, columns=DECISION_COLUMNS)
    if overdue:
        out = out[out["status"] == "overdue"]
    out = out.sort_values(["due", "review_id", "decision_id"]).reset_index(drop=True)
    return with_problems(out, facts.problems(["management_review", "review_followup"]))


def check_followups(store: Store) -> list[Any]:
    """A ``workbench verify`` check: every decision follow-up names a decision of its review,
    that decision's owner, and a day on or after the review."""
    from workbench.store import Problem

    reviews = {v.record_id: v.content for v in store.latest("management_review")}
    problems = []
    for v in store.latest("review_followup"):
        f = v.content
        where = dict(seq=v.seq, kind=v.kind, record_id=v.record_id, version=v.version)
        review = reviews.get(f.get("review_id"))
        if review is None:
            problems.append(Problem(f"follows up review {f.get('review_id')!r}, which does "
                                    "not exist", **where))
            continue
        by_id = {d.get("id"): d for d in review.get("decisions") or []}
        decision = by_id.get(f.get("decision_id"))
        if decision is None:
            problems.append(Problem(f"review {f['review_id']!r} has no decision "
                                    f"{f.get('decision_id')!r}", **where))
        elif decision.get("owner") != f.get("owner"):
            problems.append(Problem(
                f"names {f.get('owner')!r} as the owner of decision {f['decision_id']!r}, but "
                f"the minutes name {decision.get('owner')!r}: it does not count", **where))
        if str(f.get("done_on", "")) < str(review.get("held_on", "")):
            problems.append(Problem(f"done on {f.get('done_on')}, before the review was held "
                                    f"({review.get('held_on')})", **where))
    return problems


def _role_names(person: Mapping[str, Any]) -> list[str]:
    return [str(getattr(r, "value", r)) for r in person.get("roles") or []]


def save_guard(view: Any, actor: str, change: Any) -> str:
    """The management review rules a permission grant cannot express, checked on every save
    (a plain ``store.save`` and an import as well as :func:`record`): a review's chair is an
    active person holding the executive role (checked when the review is created or its chair
    changes), and a decision added or changed is due on or after the day the review was held.

    ``view`` is the saving transaction's :class:`workbench.permissions.AccessView`; returns the
    one-line refusal, or ``""``.
    """
    parsed = change.parsed(ManagementReview)
    if parsed is None:  # an invalid record is refused by validation, not here
        return ""
    review, before = parsed
    what = f"management review {change.record_id!r}"
    if before is None or before.chair != review.chair:
        person = view.person(review.chair)
        if person is None:
            return (f"{what}: its chair {review.chair} is not a person in the store; the chair "
                    f"must be an active person holding the {EXECUTIVE_ROLE} role (top "
                    "management, 9.3.1)")
        roles = _role_names(person)
        if EXECUTIVE_ROLE not in roles or not person.get("active", True):
            held = ("is not active" if not person.get("active", True)
                    else f"holds {', '.join(roles) or 'no role'}")
            return (f"{what}: its chair {review.chair} {held}; the chair must hold the "
                    f"{EXECUTIVE_ROLE} role (top management, 9.3.1)")
    earlier = ({} if before is None or before.held_on != review.held_on
               else {d.id: (d.due, d.owner) for d in before.decisions})
    for d in review.decisions:
        if earlier.get(d.id) == (d.due, d.owner):
            continue
        if d.due < review.held_on:
            return (f"{what}: decision {d.id} is due on {d.due}, before the review was held "
                    f"({review.held_on}); a decision is due on or after the review that "
                    "takes it (9.3.3)")
    return ""


def review_facts(store: Store, stored: StoredVersion) -> dict[str, Any]:
    """Sign-off facts of a management review: ``chair_is_executive`` (the chair holds the
    executive role now) and ``decisions_without_owner`` (always 0 for a valid record)."""
    chair = stored.content.get("chair")
    person = store.find("person", chair) if isinstance(chair, str) else None
    roles = (person.content.get("roles") or []) if person is not None else []
    return {"chair_is_executive": EXECUTIVE_ROLE in roles,
            "decisions_without_owner": sum(1 for d in stored.content.get("decisions") or []
                                           if not d.get("owner") or not d.get("due"))}
