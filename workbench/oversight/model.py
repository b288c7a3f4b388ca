"""Sign-off records: a request for sign-off and each signer's decision.

Both are ordinary store records, so they are versioned, hashed and chained like everything
else. A decision is never edited: each signer's decision on a request is its own record with
a deterministic id, so a repeated decision collides with the first instead of overwriting it,
and two signers deciding at the same moment write two records and both count.

The state of a record's sign-off ("approved", "stale", ...) is derived from these records
and never written back into the record it describes (that would change the content hash the
approval bound to).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from workbench.model import NonEmptyStr, Part, Record, Reference, Slug
from workbench.model.core import StrEnum
from workbench.model.states import SignOffState

__all__ = [
    "APPROVING",
    "DECISION_VERBS",
    "Decision",
    "RequestStatus",
    "RequiredSigner",
    "SignOff",
    "SignOffState",
    "SignOffRequest",
    "request_id_for",
    "signoff_id_for",
]

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256, hex")]
KindName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class Decision(StrEnum):
    """What a signer decided."""

    approve = "approve"
    approve_with_conditions = "approve_with_conditions"
    reject = "reject"
    request_changes = "request_changes"


#: Decisions that count as an approval of the version.
APPROVING = frozenset({Decision.approve, Decision.approve_with_conditions})

#: How each decision reads in a sentence ("alice ... cannot approve it").
DECISION_VERBS = {
    Decision.approve: "approve",
    Decision.approve_with_conditions: "approve",
    Decision.reject: "reject",
    Decision.request_changes: "request changes to",
}


class RequestStatus(StrEnum):
    open = "open"
    withdrawn = "withdrawn"


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


class RequiredSigner(Part):
    """One sign-off a request needs: a signer name from the policy, resolved when requested."""

    signer: Slug = Field(description="signer name in the policy, e.g. governance_lead")
    label: NonEmptyStr = Field(description="how people read it, e.g. 'AI governance lead'")
    role: str | None = Field(None, description="organizational role that may sign")
    person: Slug | None = Field(None, description="the designated person (e.g. system owner)")

    @model_validator(mode="after")
    def _one_way(self) -> RequiredSigner:
        if (self.role is None) == (self.person is None):
            raise ValueError("a required signer names either a role or a designated person")
        return self

    def describe(self) -> str:
        return f"{self.label} {self.person}" if self.person else self.label


class SignOffRequest(Record, kind="signoff_request", label="sign-off request"):
    """A request that named people sign off one version of a record.

    The request pins the version and its content hash; editing the record afterwards leaves
    the request outdated (it can no longer be decided) and a new request is needed.
    Withdrawing appends a version with ``status: withdrawn``; decisions never rewrite it.
    """

    target_kind: KindName
    target_id: Slug
    target_version: int = Field(ge=1)
    target_hash: Sha256
    round: int = Field(1, ge=1, description="1 + earlier (withdrawn) requests of this version")
    rule: NonEmptyStr = Field(description="id of the policy rule that applied")
    because: str = ""
    required: list[RequiredSigner] = Field(min_length=1)
    #: People segregation of duties bars from deciding, with the reason (e.g. authored it).
    barred: dict[str, str] = Field(default_factory=dict)
    requested_by: Slug
    requested_at: dt.datetime
    note: str = ""
    status: RequestStatus = RequestStatus.open
    withdrawn_by: Slug | None = None
    withdrawn_at: dt.datetime | None = None
    withdraw_reason: str = ""

    @field_validator("requested_at", "withdrawn_at")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _aware(value)

    @model_validator(mode="after")
    def _check(self) -> SignOffRequest:
        signers = [r.signer for r in self.required]
        if len(set(signers)) != len(signers):
            raise ValueError("each signer may appear only once in a request")
        if self.status == RequestStatus.withdrawn and not (self.withdrawn_by
                                                           and self.withdrawn_at):
            raise ValueError("a withdrawn request names who withdrew it and when")
        return self

    def references(self) -> list[Reference]:
        return [Reference("target_id", self.target_kind, self.target_id),
                Reference("requested_by", "person", self.requested_by)]

    def display_name(self) -> str:
        return f"sign-off of {self.target_kind} {self.target_id} v{self.target_version}"

    def signer(self, name: str) -> RequiredSigner | None:
        return next((r for r in self.required if r.signer == name), None)


class SignOff(Record, kind="signoff", label="sign-off"):
    """One person's decision on one sign-off request, bound to the content hash they saw."""

    request_id: Slug
    target_kind: KindName
    target_id: Slug
    target_version: int = Field(ge=1)
    target_hash: Sha256
    signer: Slug
    role: Slug = Field(description="the signer name of the request they signed as")
    decision: Decision
    conditions: list[NonEmptyStr] = Field(default_factory=list)
    comment: str = ""
    decided_at: dt.datetime

    @field_validator("decided_at")
    @classmethod
    def _utc(cls, value: dt.datetime) -> dt.datetime | None:
        return _aware(value)

    @model_validator(mode="after")
    def _check(self) -> SignOff:
        if self.decision == Decision.approve_with_conditions and not self.conditions:
            raise ValueError("an approval with conditions lists the conditions")
        if self.decision != Decision.approve_with_conditions and self.conditions:
            raise ValueError("conditions belong to an approval with conditions")
        if self.decision in (Decision.reject, Decision.request_changes) and not self.comment:
            raise ValueError(f"a decision to {DECISION_VERBS[self.decision]} needs a comment "
                             "saying why")
        return self

    def references(self) -> list[Reference]:
        return [Reference("request_id", "signoff_request", self.request_id),
                Reference("target_id", self.target_kind, self.target_id),
                Reference("signer", "person", self.signer)]

    def display_name(self) -> str:
        return f"{self.decision.value} by {self.signer}"


# -- deterministic ids ----------------------------------------------------------------------------
_MAX_ID = 100


def _fit(readable: str, *parts: object) -> str:
    """``readable`` when it fits a record id, else a short stable digest of ``parts``."""
    if len(readable) <= _MAX_ID:
        return readable
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:24]
    return f"{readable[:_MAX_ID - 25]}-{digest}"


def request_id_for(kind: str, record_id: str, version: int, round_: int = 1) -> str:
    """The id of round ``round_`` of the request to sign version ``version`` of a record."""
    return _fit(f"{kind}.{record_id}.v{version}.r{round_}", kind, record_id, version, round_)


def signoff_id_for(request_id: str, signer: str) -> str:
    """The id of ``signer``'s decision on a request (one decision per person per request)."""
    return _fit(f"{request_id}.{signer}", request_id, signer)
