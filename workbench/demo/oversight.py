"""Demo sign-offs for the Larkspur Group, made through the workflow so every rule holds.

What the demo shows (dates relative to ``as_of``):

- go-live of four AI systems: credit scoring approved; card-fraud detection approved (with
  conditions) and then edited, so the approval is stale; the support chatbot rejected by the
  AI governance lead with a comment; the marketing copy assistant awaiting its owner and the
  governance lead. A data-science colleague saved each version signed, so the system owner
  and the governance lead are not its authors (segregation of duties);
- the AIMS scope awaiting an executive (elena or dev);
- impact assessments, when present: the oldest submitted one approved long ago (so it shows
  "approved, due for review"), the other submitted ones awaiting sign-off;
- residual risks above appetite, when present: awaiting their risk owners, one accepted.

Runs after the organization, risk and impact seeders (its order in the feature manifest).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from workbench.demo.clock import at
from workbench.errors import WorkbenchError
from workbench.oversight import policy as P
from workbench.oversight.workflow import decide, request

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["GO_LIVE", "seed"]

#: system -> (who saves the version to sign, what changes, days before as_of)
GO_LIVE: dict[str, tuple[str, dict[str, Any], int]] = {
    "credit-scoring": ("ben", {"technique": "Logistic scorecard; the gradient-boosted "
                               "challenger promoted to champion in the 2026 Q2 release"}, 62),
    "card-fraud": ("ben", {"description": "Streaming gradient-boosted model with device and "
                           "merchant features; holds suspicious transactions and alerts the "
                           "fraud team. Release 5 adds merchant-category features."}, 92),
    "support-chatbot": ("ben", {"technique": "Third-party LLM (upgraded to the provider's "
                                "2026 model) with retrieval over help-centre articles"}, 17),
    "marketing-copy": ("alice", {"deployment_context": "Marketing content studio; go-live "
                                 "for the DE and NL teams first"}, 6),
}
#: The edit that makes the card-fraud approval stale (by ravi, 20 days before as_of).
STALE_EDIT = {"deployment_context": "Card authorisation path, 2,500 transactions per second "
              "at peak", "third_party_components": ["Device-fingerprinting service"]}
REJECTION = ("The red-team test of harmful and off-policy answers is over a year old and "
             "predates the model upgrade: repeat it on the new model and attach the report "
             "before go-live.")


def _edit(store: Store, kind: str, record_id: str, changes: dict[str, Any], author: str,
          when: dt.datetime, reason: str) -> None:
    current = store.get(kind, record_id)
    record = current.record.model_copy(update=changes)
    with store.acting_as(author, at=when):
        store.save(record, base_version=current.version, reason=reason)


def _request(store: Store, kind: str, record_id: str, who: str, when: dt.datetime,
             note: str) -> None:
    with store.acting_as(who, at=when):
        request(store, kind, record_id, note=note)


def _decide(store: Store, kind: str, record_id: str, decision: str, who: str,
            when: dt.datetime, *, role: str, comment: str = "",
            conditions: list[str] | None = None) -> None:
    with store.acting_as(who, at=when):
        decide(store, kind, record_id, decision, role=role, comment=comment,
               conditions=conditions)


def _requester(store: Store, kind: str, record_id: str) -> str:
    """Who asks: the author of the version when they may request, else the governance lead."""
    author = store.get(kind, record_id).author
    from workbench.identity import roles_of
    from workbench.model import WRITING_ROLES

    return author if roles_of(store, author) & WRITING_ROLES else "chloe"


def _signers(store: Store, kind: str, record_id: str) -> list[tuple[str, str]]:
    """(signer name, login) for every sign-off the open request needs, distinct people who
    are not barred, chosen deterministically."""
    from workbench.oversight.queue import eligibility

    elig = eligibility(store, kind, record_id, user="chloe")
    current = store.get(kind, record_id)
    barred = P.barred_people(current, P.facts_for(store, current))
    holders = P.role_holders(store)
    used: set[str] = set()
    out = []
    for slot in elig.required:
        if slot.get("person"):
            login = slot["person"]
        else:
            free = sorted(holders.get(slot["role"], set()) - set(barred) - used)
            login = free[0]
        used.add(login)
        out.append((slot["signer"], login))
    return out


def _go_live(store: Store, as_of: dt.date) -> tuple[int, int]:
    requests = decisions = 0
    for system_id, (editor, changes, ago) in GO_LIVE.items():
        _edit(store, "ai_system", system_id, changes, editor, at(as_of, ago, -60),
              "prepared for go-live review")
        _request(store, "ai_system", system_id, editor, at(as_of, ago), "go-live review")
        requests += 1
    grace_ago = GO_LIVE["credit-scoring"][2]
    for n, (who, role) in enumerate((("grace", "system_owner"), ("chloe", "governance_lead"))):
        _decide(store, "ai_system", "credit-scoring", "approve", who,
                at(as_of, grace_ago - 2 - n), role=role)
        decisions += 1
    fraud_ago = GO_LIVE["card-fraud"][2]
    _decide(store, "ai_system", "card-fraud", "approve_with_conditions", "sven",
            at(as_of, fraud_ago - 2), role="system_owner",
            conditions=["Monthly monitoring pack reviewed by the fraud team lead",
                        "Alert volumes reported to the risk committee quarterly"])
    _decide(store, "ai_system", "card-fraud", "approve", "chloe", at(as_of, fraud_ago - 3),
            role="governance_lead", comment="Conditions noted.")
    decisions += 2
    _edit(store, "ai_system", "card-fraud", STALE_EDIT, "ravi", at(as_of, 20),
          "capacity and device-fingerprint vendor updated")
    chat_ago = GO_LIVE["support-chatbot"][2]
    _decide(store, "ai_system", "support-chatbot", "approve", "marta",
            at(as_of, chat_ago - 2), role="system_owner")
    _decide(store, "ai_system", "support-chatbot", "reject", "chloe", at(as_of, chat_ago - 4),
            role="governance_lead", comment=REJECTION)
    decisions += 2
    return requests, decisions


def _impact(store: Store, as_of: dt.date) -> tuple[int, int]:
    submitted = [v for v in store.latest("impact_assessment")
                 if v.content.get("status") == "submitted"]
    if not submitted:
        return 0, 0
    submitted.sort(key=lambda v: (v.content.get("assessed_on", ""), v.record_id))
    requests = decisions = 0
    for index, version in enumerate(submitted):
        assessed = dt.date.fromisoformat(version.content["assessed_on"])
        ago = (as_of - assessed).days - 1
        try:
            _request(store, "impact_assessment", version.record_id,
                     _requester(store, "impact_assessment", version.record_id), at(as_of, ago),
                     "submitted for approval")
        except WorkbenchError:  # the policy cannot be met for this one: leave it unrequested
            continue
        requests += 1
        if index == 0:  # the oldest: approved long ago, now due for review
            for n, (signer, login) in enumerate(
                    _signers(store, "impact_assessment", version.record_id)):
                _decide(store, "impact_assessment", version.record_id, "approve", login,
                        at(as_of, ago - 5 - n), role=signer, comment="Assessment accepted.")
                decisions += 1
    return requests, decisions


def _risks(store: Store, as_of: dt.date) -> tuple[int, int]:
    requests = decisions = 0
    for version in store.latest("risk"):
        facts = P.facts_for(store, version)
        if not facts.get("above_appetite") or facts.get("status") == "closed":
            continue
        # asked for after the version it names was saved (a risk identified lately is
        # asked for on its day), and decided after it was asked for
        asked = max(at(as_of, 10 + requests), version.saved_at + dt.timedelta(hours=1))
        try:
            _request(store, "risk", version.record_id,
                     _requester(store, "risk", version.record_id), asked,
                     "residual risk above appetite: accept or treat further")
        except WorkbenchError:
            continue
        requests += 1
        if decisions == 0:  # the risk owner (or their stand-in) accepts the first one
            decided = max(at(as_of, 8), asked + dt.timedelta(hours=1))
            for signer, login in _signers(store, "risk", version.record_id):
                _decide(store, "risk", version.record_id, "approve_with_conditions", login,
                        decided, role=signer, comment="Accepted until the next review.",
                        conditions=["Treatment actions completed by their due dates"])
                decisions += 1
    return requests, decisions


def _scope(store: Store, as_of: dt.date) -> int:
    if store.find("aims_scope", "aims-scope") is None:
        return 0
    _request(store, "aims_scope", "aims-scope", "chloe", at(as_of, 3),
             "annual confirmation of the AIMS scope by top management")
    return 1


def seed(store: Store, as_of: dt.date) -> dict[str, int]:
    """Seed the demo sign-offs (deterministic for ``as_of``)."""
    kinds = store.kinds()
    requests, decisions = _go_live(store, as_of)
    requests += _scope(store, as_of)
    for kind, step in (("impact_assessment", _impact), ("risk", _risks)):
        if kind in kinds:
            r, d = step(store, as_of)
            requests += r
            decisions += d
    return {"sign-off requests": requests, "sign-off decisions": decisions}
