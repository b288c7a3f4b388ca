"""The sign-off policy (data in ``policy.yaml``) and the rules every entry point obeys.

What is decided here, once, for the library, the widgets, the CLI and the notebooks:

- which signers a version of a record needs (the first matching rule of its kind, evaluated on
  the record's *facts*: its fields completed by a fact provider such as the risk register's
  ``signoff_facts``);
- who may sign as each signer (holders of a role, or a designated person);
- segregation of duties: who is barred from deciding on a version (whoever saved it, and
  whoever the record names as its author, e.g. an impact assessment's assessor).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from workbench.errors import (
    ConfigurationError,
    NotFoundError,
    ValidationError,
)
from workbench.model import Record, Role
from workbench.oversight.model import RequiredSigner
from workbench.permissions import (
    ValueTest,
    keep_document,
    plain_value,
    stored_document,
    validation_problems,
)

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store, StoredVersion

__all__ = [
    "POLICY_FILE",
    "STORED_POLICY_ID",
    "Condition",
    "Policy",
    "Requirement",
    "Rule",
    "SignerSpec",
    "StoredPolicy",
    "ai_system_facts",
    "assignable",
    "barred_people",
    "facts_for",
    "label_of",
    "load_policy",
    "policy_source",
    "save_policy",
    "requirement",
    "role_holders",
]

POLICY_FILE = Path(__file__).with_name("policy.yaml")
#: Environment variable naming an organization's own sign-off policy file.
POLICY_ENV = "WORKBENCH_SIGNOFF_POLICY"


#: Facts that name a record's author(s); those people may not decide on it.
AUTHOR_FACTS = ("assessor", "authors")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SignerSpec(_Strict):
    """Who may sign as a signer: holders of ``role``, or the person a fact names.

    A designated person who wrote the version cannot sign it (segregation of duties); with
    ``stand_in`` naming a role signer, a holder of that role signs in their place instead of the
    request being impossible.
    """

    label: str = Field(min_length=1)
    role: Role | None = None
    person_fact: str | None = None
    stand_in: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> SignerSpec:
        if (self.role is None) == (self.person_fact is None):
            raise ValueError("give either role or person_fact")
        if self.stand_in is not None and self.person_fact is None:
            raise ValueError("only a designated person (person_fact) can have a stand_in")
        return self


class Condition(ValueTest):
    """A test on one fact (see :class:`workbench.permissions.ValueTest`)."""

    fact: str = Field(min_length=1)

    def holds(self, facts: Mapping[str, Any]) -> bool:
        if self.fact not in facts or facts[self.fact] is None:
            return False
        return self.test(facts[self.fact])

    def describe(self) -> str:
        return self.describe_test(self.fact)


class Precondition(Condition):
    kind: str
    message: str = Field(min_length=1)


class Rule(_Strict):
    id: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    when: list[Condition] = Field(default_factory=list)
    requires: list[str] = Field(min_length=1)
    because: str = ""

    def applies(self, facts: Mapping[str, Any]) -> bool:
        return all(c.holds(facts) for c in self.when)


class Policy(_Strict):
    """The sign-off policy: signers, preconditions and rules (see ``policy.yaml``)."""

    version: int = 1
    signers: dict[str, SignerSpec]
    preconditions: list[Precondition] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_signers(self) -> Policy:
        for rule in self.rules:
            unknown = [s for s in rule.requires if s not in self.signers]
            if unknown:
                raise ValueError(f"rule {rule.id!r} requires unknown signer(s) "
                                 f"{', '.join(unknown)}; declare them under signers")
            if len(set(rule.requires)) != len(rule.requires):
                raise ValueError(f"rule {rule.id!r} names a signer twice")
        for name, spec in self.signers.items():
            if spec.stand_in is not None:
                other = self.signers.get(spec.stand_in)
                if other is None or other.role is None:
                    raise ValueError(f"signer {name!r}: stand_in {spec.stand_in!r} must be a "
                                     "signer declared with a role")
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("rule ids must be unique")
        return self

    def rules_for(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.kind == kind]

    def match(self, kind: str, facts: Mapping[str, Any]) -> Rule | None:
        """The first rule of ``kind`` whose conditions hold for ``facts`` (None: no sign-off)."""
        return next((r for r in self.rules_for(kind) if r.applies(facts)), None)

    def kinds(self) -> list[str]:
        return sorted({r.kind for r in self.rules})


@functools.lru_cache(maxsize=8)
def _load(path: str) -> Policy:
    return _read(path)


def _read(path: str) -> Policy:
    from workbench.files import read_text, yaml_problem

    try:
        text = read_text(path, what="sign-off policy")  # one line when it is not UTF-8
    except NotFoundError:
        raise ConfigurationError(f"cannot read the sign-off policy {path}: no such file; check "
                                 "the path") from None
    except ValidationError as exc:  # a folder, not readable, or not UTF-8 text
        raise ConfigurationError(str(exc)) from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read the sign-off policy {path}: "
                                 f"{exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"the sign-off policy {path} is not valid YAML: "
                                 f"{yaml_problem(exc)}") from None
    try:
        return Policy.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ConfigurationError(f"the sign-off policy {path} is invalid: "
                                 f"{validation_problems(exc)}") from None


#: The id of the one sign-off policy record a store may hold.
STORED_POLICY_ID = "signoff-policy"


class StoredPolicy(Record, kind="signoff_policy", label="sign-off policy"):
    """The organization's sign-off policy kept in the store: versioned and hash-chained like
    every record, saved by admins only (``workbench signoff policy --set FILE``).

    Once a store holds one, it is the policy in force for that store: a policy file or
    ``WORKBENCH_SIGNOFF_POLICY`` no longer applies to it, so nobody can sign under a laxer
    policy of their own. Every sign-off is re-checked against the version that was in force
    when its request was made.
    """

    policy: dict[str, Any] = Field(description="the policy, as in policy.yaml")
    note: str = Field("", description="why the policy changed")

    @model_validator(mode="after")
    def _check(self) -> StoredPolicy:
        stored_document(self, STORED_POLICY_ID, Policy)
        return self


@functools.lru_cache(maxsize=32)
def _parsed(content_hash: str, text: str) -> Policy:
    import json

    return Policy.model_validate(json.loads(text))


def stored_policies(store: Store) -> list[tuple[int, int, Policy]]:
    """Every version of the store's sign-off policy as ``(seq, version, policy)``, oldest
    first (empty when the store holds none)."""
    import json

    frame = store.versions("signoff_policy")
    if frame.empty:
        return []
    frame = frame.sort_values("_seq")
    return [(int(seq), int(version), _parsed(str(h), json.dumps(policy, sort_keys=True)))
            for seq, version, h, policy in zip(frame["_seq"], frame["_version"],
                                                frame["_hash"], frame["policy"], strict=True)]


def in_force(stored: list[tuple[int, int, Policy]], seq: int | None,
             fallback: Policy) -> Policy:
    """The policy in force just before ``seq`` (the latest stored version saved before it),
    else ``fallback`` (the file's policy: a request made before the store held a policy)."""
    chosen = fallback
    for saved, _version, policy in stored:
        if seq is not None and saved >= seq:
            break
        chosen = policy
    return chosen


def load_policy(path: str | Path | None = None, *, store: Store | None = None) -> Policy:
    """The sign-off policy in force: ``path``; else the policy ``store`` holds (its latest
    version); else the file ``WORKBENCH_SIGNOFF_POLICY`` names, else ``policy.yaml`` beside
    this module. Sign-offs are re-checked against the policy in force when their request was
    made, wherever they are counted, so a request made under another policy does not count."""
    import os

    if path is None and store is not None:
        stored = stored_policies(store)
        if stored:
            return stored[-1][2]
    return _load(str(path or os.environ.get(POLICY_ENV, "").strip() or POLICY_FILE))


def save_policy(store: Store, source: Policy | str | Path, *, note: str = "") -> Any:
    """Keep ``source`` (a policy, or a policy file) as the store's sign-off policy: a new
    version of the ``signoff_policy`` record, which only admins may save. From then on it is
    the policy in force for this store. Returns the stored version; when the store's policy is
    already ``source``, nothing is written (whatever the note) and the version in force is
    returned.

    Raises
    ------
    ConfigurationError
        The file cannot be read or is not a valid policy (nothing is written).
    PermissionDeniedError
        The acting user is not an admin (even when the policy would not change).
    """
    policy = source if isinstance(source, Policy) else _read(str(source))
    record = StoredPolicy.parse({"id": STORED_POLICY_ID, "note": note, "policy": policy.model_dump(
        mode="json", by_alias=True, exclude_none=True)})
    return keep_document(store, record)


def policy_source(store: Store | None = None) -> str:
    """Where :func:`load_policy` takes the policy from, in words."""
    import os

    if store is not None:
        stored = stored_policies(store)
        if stored:
            return f"the store's sign-off policy, version {stored[-1][1]}"
    named = os.environ.get(POLICY_ENV, "").strip()
    return f"the file {named} ({POLICY_ENV})" if named else "the workbench's default policy"


# -- facts -----------------------------------------------------------------------------------------
def _provider(kind: str) -> Callable[..., Mapping[str, Any]] | None:
    """The fact provider a feature registered for ``kind`` (see :mod:`workbench.features`);
    when its module (or function) is not importable, the record's own fields are the facts."""
    from workbench.features import fact_providers, resolve

    target = fact_providers().get(kind)
    if target is None:
        return None
    try:
        return resolve(target)
    except (ImportError, AttributeError):  # that feature is not installed (yet)
        return None


def ai_system_facts(store: Store, stored: StoredVersion) -> dict[str, Any]:
    """Facts of an AI system: its fields, ``system_id`` and ``system_owner`` (its owner)."""
    content = stored.content
    return {"system_id": stored.record_id, "system_owner": content.get("owner")}


def facts_for(store: Store, stored: StoredVersion) -> dict[str, Any]:
    """Facts the policy tests for one version: its fields, completed by its kind's provider.

    Records that point to an AI system (``system_id``) get ``system_owner`` from that system
    when the provider gives none.
    """
    facts: dict[str, Any] = dict(stored.content)
    provider = _provider(stored.kind)
    if provider is not None:
        facts.update(provider(store, stored) or {})
    if not facts.get("system_owner") and isinstance(facts.get("system_id"), str):
        system = store.find("ai_system", facts["system_id"])
        if system is not None:
            facts["system_owner"] = system.content.get("owner")
    return facts


# -- requirement -----------------------------------------------------------------------------------
class Requirement(BaseModel):
    """What the policy asks for one version: the rule and the signers it needs."""

    rule: str
    because: str = ""
    required: list[RequiredSigner]


def label_of(kind: str) -> str:
    from workbench.model import model_for

    try:
        return model_for(kind).label
    except Exception:  # noqa: BLE001 - an unknown kind still gets a readable label
        return kind.replace("_", " ")


def requirement(kind: str, record_id: str, facts: Mapping[str, Any],
                policy: Policy | None = None, *,
                barred: Mapping[str, str] | None = None) -> Requirement:
    """The signers that version of a record needs, with designated people resolved.

    ``barred`` (from :func:`barred_people`) lets a designated person who wrote the version be
    replaced by their signer's ``stand_in`` role.

    Raises
    ------
    ValidationError
        A precondition fails, no rule applies (the record needs no sign-off), or a rule needs
        a designated person the facts do not name.
    """
    policy = policy or load_policy()
    what = f"{label_of(kind)} {record_id!r}"
    for pre in policy.preconditions:
        if pre.kind == kind and not pre.holds(facts):
            shown = facts.get(pre.fact, "not set")
            raise ValidationError(f"cannot request sign-off of {what}: {pre.message} "
                                  f"({pre.fact} is {plain_value(shown)})",
                                  [(pre.fact, pre.message)])
    rule = policy.match(kind, facts)
    if rule is None:
        rules = policy.rules_for(kind)
        if not rules:
            raise ValidationError(
                f"{what} needs no sign-off: the sign-off policy has no rule for "
                f"{label_of(kind)} records (policy kinds: {', '.join(policy.kinds())})")
        tests = "; ".join(" and ".join(c.describe() for c in r.when) for r in rules)
        raise ValidationError(f"{what} needs no sign-off under the policy: it requires one "
                              f"only when {tests}")
    required = []
    for name in rule.requires:
        spec = policy.signers[name]
        if spec.role is not None:
            required.append(RequiredSigner(signer=name, label=spec.label, role=spec.role.value))
            continue
        login = facts.get(spec.person_fact or "")
        if not isinstance(login, str) or not login:
            raise ValidationError(
                f"cannot request sign-off of {what}: the policy ({rule.id}) needs its "
                f"{spec.label}, but the record names none ({spec.person_fact} is not set)")
        if barred and login in barred and spec.stand_in:
            sub = policy.signers[spec.stand_in]
            required.append(RequiredSigner(
                signer=spec.stand_in, role=sub.role.value,  # type: ignore[union-attr]
                label=f"{sub.label}, for the {spec.label} {login} who {barred[login]}"))
            continue
        required.append(RequiredSigner(signer=name, label=spec.label, person=login))
    return Requirement(rule=rule.id, because=rule.because, required=required)


def barred_people(stored: StoredVersion, facts: Mapping[str, Any]) -> dict[str, str]:
    """Who may not decide on this version (segregation of duties), with the reason.

    The person who saved the version (its author, the record's last editor) and the people
    the record names as its authors (an impact assessment's ``assessor``, a provider's
    ``authors``).
    """
    barred = {stored.author: f"authored version {stored.version}"}
    label = label_of(stored.kind)
    for key in AUTHOR_FACTS:
        value = facts.get(key)
        names = [value] if isinstance(value, str) else list(value or [])
        for name in names:
            if isinstance(name, str) and name and name not in barred:
                what = "the assessor" if key == "assessor" else "an author"
                barred[name] = f"is {what} of this {label}"
    return barred


def role_holders(store: Store) -> dict[str, set[str]]:
    """role -> logins of the active people holding it (one query)."""
    df = store.frame("person", meta=False)
    if df.empty:
        return {}
    active = df[df["active"].astype(bool)][["id", "roles"]].explode("roles").dropna()
    holders: dict[str, set[str]] = {}
    for role, group in active.groupby("roles")["id"]:
        holders[str(role)] = set(group)
    return holders


def eligible(signer: RequiredSigner, holders: Mapping[str, set[str]]) -> set[str]:
    """The people who may sign as ``signer`` (before segregation of duties)."""
    if signer.person:
        return {signer.person}
    return set(holders.get(signer.role or "", set()))


def assignable(candidates: list[set[str]]) -> bool:
    """Whether every signer can be given a different person from its candidates."""
    def place(index: int, used: frozenset[str]) -> bool:
        if index == len(candidates):
            return True
        return any(place(index + 1, used | {p}) for p in sorted(candidates[index] - used))

    return place(0, frozenset())
