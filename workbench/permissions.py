"""Who may write what: the permission policy (data in ``oversight/permissions.yaml``).

The store calls :func:`authorize` for every save, inside the transaction that appends the
versions, so the check sees exactly the state the save builds on. Widgets, the command line,
notebooks and plain Python therefore obey one rule. A refusal is a one-line
:class:`~workbench.errors.PermissionDeniedError` naming the role needed and who holds it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from workbench.errors import ConfigurationError, PermissionDeniedError
from workbench.model import Record, Role

__all__ = [
    "ADMIN_ALONE",
    "PERMISSIONS_FILE",
    "STORED_ID",
    "STORED_KIND",
    "AccessView",
    "Change",
    "FieldCondition",
    "Grant",
    "KindPermissions",
    "Permissions",
    "StoredPermissions",
    "admin_only_kinds",
    "authorize",
    "load_permissions",
    "permissions_source",
    "policy_problems",
    "record_people",
    "record_systems",
    "refusals",
    "save_permissions",
    "stored_permissions",
]

PERMISSIONS_FILE = Path(__file__).parent / "oversight" / "permissions.yaml"
#: The record kind and id of the permission policy a store keeps.
STORED_KIND = "permission_policy"
STORED_ID = "permission-policy"
#: Kinds only admins may write under any policy a store keeps: whoever writes them can grant
#: themselves anything.
ADMIN_ALONE = ("person", STORED_KIND)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ValueTest(_Strict):
    """One test on a value: ``equals`` it, or it is ``in`` / ``not_in`` a list.

    The base of the permission policy's field conditions and the sign-off policy's fact
    conditions.

    >>> ValueTest.model_validate({"in": ["high", "critical"]}).test("high")
    True
    """

    equals: Any = None
    in_: list[Any] | None = Field(None, alias="in")
    not_in: list[Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_test(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            tests = [k for k in ("equals", "in", "in_", "not_in") if k in data]
            if len(tests) != 1:
                raise ValueError("a condition has exactly one of equals, in, not_in")
        return data

    def test(self, value: Any) -> bool:
        value = plain_value(value)
        if self.in_ is not None:
            return value in self.in_
        if self.not_in is not None:
            return value not in self.not_in
        return bool(value == self.equals)

    def describe_test(self, name: str) -> str:
        if self.in_ is not None:
            return f"{name} in {', '.join(map(str, self.in_))}"
        if self.not_in is not None:
            return f"{name} not in {', '.join(map(str, self.not_in))}"
        return f"{name} = {self.equals}"


class FieldCondition(ValueTest):
    """A test on one field of the record (see :class:`ValueTest`)."""

    field: str = Field(min_length=1)

    def holds(self, content: Mapping[str, Any]) -> bool:
        return self.test(content.get(self.field))


class Grant(_Strict):
    """Holders of ``roles`` may write records of the kind (``scope: own``: only those of their
    AI systems, or naming them as owner before and after an edit; ``scope: named``: only
    records that name them as owner, created or edited)."""

    roles: list[Role] = Field(min_length=1)
    scope: Literal["any", "own", "named"] = "any"
    when: list[FieldCondition] = Field(default_factory=list)
    #: Only creating a record (its first version), never editing one.
    create_only: bool = False
    #: Only editing a record, and only when no top-level field but these changes.
    changes: list[str] | None = None
    because: str = ""

    def allows_change(self, change: Change) -> bool:
        """Whether the grant's ``create_only`` and ``changes`` limits admit ``change``."""
        if self.create_only and change.before is not None:
            return False
        if self.changes is None:
            return True
        if change.before is None:
            return False
        keys = (set(change.content) | set(change.before)) - {"id"}
        changed = {k for k in keys if plain_value(change.content.get(k))
                   != plain_value(change.before.get(k))}
        return changed <= set(self.changes)


class KindPermissions(_Strict):
    grants: list[Grant] = Field(default_factory=list)
    workflow: Literal["oversight"] | None = None

    @model_validator(mode="after")
    def _one_way(self) -> KindPermissions:
        if bool(self.grants) == bool(self.workflow):
            raise ValueError("give either grants or workflow")
        return self


class Permissions(_Strict):
    """The permission policy: per record kind, the grants that allow a save."""

    version: int = 1
    kinds: dict[str, KindPermissions]


def plain_value(value: Any) -> Any:
    """Enum members and numpy scalars compared as plain values."""
    if isinstance(value, Enum):
        return value.value
    if not isinstance(value, (list, dict, str)) and callable(getattr(value, "item", None)):
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    return value



@functools.lru_cache(maxsize=8)
def _load(path: str) -> Permissions:
    import pydantic
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read the permission policy {path}: {exc}") from None
    try:
        return Permissions.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ConfigurationError(f"the permission policy {path} is invalid: "
                                 f"{validation_problems(exc)}") from None


def stored_document(record: Any, expected_id: str, model: Any) -> Any:
    """The policy a stored policy record holds, parsed as ``model``; a ValueError (one line)
    when the record's id is not ``expected_id`` or the policy is invalid."""
    import pydantic

    if record.id != expected_id:
        raise ValueError(f"the {record.label} record's id is {expected_id!r}")
    try:
        return model.model_validate(record.policy)
    except pydantic.ValidationError as exc:
        raise ValueError(f"the policy is invalid: {validation_problems(exc)}") from None


def validation_problems(exc: Any) -> str:
    """A pydantic ValidationError in one line: ``field.path: message; ...``."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}"
                     for e in exc.errors(include_url=False))


def _with_features(policy: Permissions) -> Permissions:
    """``policy`` plus the entries features give for kinds it does not list."""
    from workbench.features import permissions as feature_permissions

    extra = {k: v for k, v in feature_permissions().items() if k not in policy.kinds}
    if not extra:
        return policy
    try:
        added = {k: KindPermissions.model_validate(v) for k, v in extra.items()}
    except Exception as exc:  # noqa: BLE001 - a plug-in's entry is named, not a traceback
        raise ConfigurationError(f"a feature's permission entry is invalid: {exc}") from None
    return Permissions(version=policy.version, kinds={**policy.kinds, **added})


def load_permissions(path: str | Path | None = None, *, store: Any = None) -> Permissions:
    """The permission policy in force: the file ``path``; else the policy ``store`` keeps
    (:func:`save_permissions`, admins only); else ``oversight/permissions.yaml``. Kinds it
    does not list take the entry their feature gives (:func:`workbench.features.permissions`).

    No environment variable chooses the policy: a user sets their own environment, so a
    policy named there could grant them anything. An organization keeps its own policy in
    its store (``workbench admin permissions --set FILE``).
    """
    if path is None and store is not None:
        found = store.find(STORED_KIND, STORED_ID)
        if found is not None:
            return stored_permissions(found.content)
    return _with_features(_load(str(path or PERMISSIONS_FILE)))


@functools.lru_cache(maxsize=16)
def _parsed(text: str) -> Permissions:
    import json

    return _with_features(Permissions.model_validate(json.loads(text)))


def stored_permissions(content: Mapping[str, Any]) -> Permissions:
    """The policy a stored ``permission_policy`` record holds (with the features' entries)."""
    import json

    return _parsed(json.dumps(content.get("policy"), sort_keys=True))


def _admin_alone(rule: KindPermissions | None) -> bool:
    return bool(rule and rule.grants and all(
        {str(plain_value(r)) for r in g.roles} == {"admin"} and not g.when
        for g in rule.grants))


def policy_problems(policy: Permissions) -> list[str]:
    """What makes ``policy`` unfit to be kept as a store's policy: the kinds that decide who
    may do anything stay with admins alone, and the sign-off workflow's kinds stay written by
    the workflow."""
    problems = [f"{kind}: only admins may write it (every grant the role admin alone, without "
                "conditions), since whoever writes it can grant themselves anything"
                for kind in ADMIN_ALONE if not _admin_alone(policy.kinds.get(kind))]
    default = _load(str(PERMISSIONS_FILE))
    problems += [f"{kind}: it stays `workflow: {rule.workflow}` (written only through the "
                 "sign-off workflow)"
                 for kind, rule in default.kinds.items() if rule.workflow
                 and (policy.kinds.get(kind) is None
                      or policy.kinds[kind].workflow != rule.workflow)]
    return problems


class StoredPermissions(Record, kind=STORED_KIND, label="permission policy"):
    """The organization's permission policy kept in the store: versioned and hash-chained like
    every record, saved by admins only (``workbench admin permissions --set FILE``). Once a
    store holds one, every save to it is checked against it."""

    policy: dict[str, Any] = Field(description="the policy, as in permissions.yaml")
    note: str = Field("", description="why the policy changed")

    @model_validator(mode="after")
    def _check(self) -> StoredPermissions:
        parsed = stored_document(self, STORED_ID, Permissions)
        problems = policy_problems(parsed)
        if problems:
            raise ValueError("the policy is refused: " + "; ".join(problems))
        return self


def save_permissions(store: Any, source: Permissions | str | Path, *, note: str = "") -> Any:
    """Keep ``source`` (a policy, or a policy file) as the store's permission policy: a new
    version of its ``permission_policy`` record, which only admins may save (the check uses
    the policy in force before the change). Returns the stored version; when the store's
    policy already is ``source``, nothing is written and the version in force is returned.

    Raises
    ------
    ConfigurationError
        The file cannot be read, or is not a valid policy (nothing is written).
    ValidationError
        The policy would let someone other than admins write people or the policy itself.
    PermissionDeniedError
        The acting user is not an admin (even when the policy would not change).
    """
    policy = source if isinstance(source, Permissions) else _load(str(source))
    record = StoredPermissions.parse({"id": STORED_ID, "note": note, "policy": policy.model_dump(
        mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)})
    return keep_document(store, record)


def keep_document(store: Any, record: Any) -> Any:
    """Save a stored policy record as its next version; when its policy is unchanged, write
    nothing and return the version in force, still refusing someone who may not change it."""
    current = store.find(record.kind, record.id)
    if current is not None and current.content.get("policy") == record.policy:
        # The store does not check who saves identical content: ask whether the acting user
        # may change the policy at all.
        refused = store.refusals([(record, current.version)], unchanged=True)
        if refused:
            raise PermissionDeniedError(refused[0][1])
        return current
    return store.save(record, base_version=current.version if current else None,
                      reason=record.note or f"{record.label} changed")


def permissions_source(store: Any = None) -> str:
    """Where :func:`load_permissions` takes the policy from, in words."""
    if store is not None:
        found = store.find(STORED_KIND, STORED_ID)
        if found is not None:
            return (f"the store's permission policy, version {found.version} (saved by "
                    f"{found.author} on {found.saved_at:%Y-%m-%d})")
    return "the workbench's default policy (oversight/permissions.yaml)"


# -- what a record is about ------------------------------------------------------------------------
def record_systems(kind: str, record_id: str, content: Mapping[str, Any]) -> list[str]:
    """The AI systems a record belongs to: an AI system itself, else its ``system_id`` and
    ``system_ids`` fields (empty for organization-wide records)."""
    if kind == "ai_system":
        return [record_id]
    out: list[str] = []
    one = content.get("system_id")
    if isinstance(one, str) and one:
        out.append(one)
    many = content.get("system_ids")
    if isinstance(many, list):
        out += [s for s in many if isinstance(s, str) and s and s not in out]
    return out


def record_people(kind: str, content: Mapping[str, Any]) -> set[str]:
    """People a record names as accountable for it (its ``owner``); an AI system's team too."""
    people: set[str] = set()
    owner = content.get("owner")
    if isinstance(owner, str) and owner:
        people.add(owner)
    return people


# -- the check -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """One record about to be saved: its kind and id, new content, and the content it replaces
    (``None`` when it is created)."""

    kind: str
    record_id: str
    label: str
    content: Mapping[str, Any]
    before: Mapping[str, Any] | None

    def parsed(self, model: Any) -> tuple[Any, Any] | None:
        """The new and the replaced content as ``model`` records (the replaced one None when
        the record is created), or None when either is invalid: a save guard leaves an invalid
        record to validation, which refuses it."""
        try:
            return (model.model_validate(dict(self.content)),
                    model.model_validate(dict(self.before)) if self.before is not None
                    else None)
        except Exception:  # noqa: BLE001 - invalid content is validation's to refuse
            return None


class AccessView(Protocol):
    """What the check reads, from inside the saving transaction (the store provides it)."""

    def person(self, login: str) -> Mapping[str, Any] | None:
        """The latest content of a person record (None when there is none)."""

    def holders(self, roles: Iterable[str]) -> list[str]:
        """Logins of the active people holding any of ``roles``."""

    def system_people(self, system_ids: Sequence[str]) -> dict[str, set[str]]:
        """system id -> its owner and team logins (systems not in the store are left out)."""

    # A view may also give ``policy() -> Permissions | None``: the policy the store keeps.


def _roles_of(person: Mapping[str, Any] | None) -> set[str]:
    if person is None or not person.get("active", True):
        return set()
    return {str(plain_value(r)) for r in person.get("roles") or []}


def _linked(view: AccessView, actor: str, change: Change, people: dict[str, set[str]]) -> bool:
    """The own scope: the actor is on every system of the record, before and after the edit,
    or the record names the actor as its owner before and after."""
    states = [change.content] + ([change.before] if change.before is not None else [])
    systems = {s for state in states for s in record_systems(change.kind, change.record_id, state)}
    if change.kind == "ai_system" and change.before is None:
        # registering a system: the actor must own it or be on its team in the new content
        team = set(change.content.get("team") or []) | record_people("ai_system", change.content)
        if actor in team:
            return True
    if systems and all(actor in people.get(s, set()) for s in systems):
        return True
    if change.before is not None:
        return all(actor in record_people(change.kind, state) for state in states)
    return False


def _needs(view: AccessView, grants: Sequence[Grant], change: Change,
           people: dict[str, set[str]] | None) -> str:
    """The roles that would allow ``change`` and who holds them; for a grant on the team of
    the record's AI system, only the holders on that team (on every system it belongs to,
    before and after the edit)."""
    systems = list(dict.fromkeys(
        record_systems(change.kind, change.record_id, change.content)
        + (record_systems(change.kind, change.record_id, change.before)
           if change.before is not None else [])))
    parts = []
    for grant in grants:
        roles = " or ".join(sorted(str(plain_value(r)) for r in grant.roles))
        holders = view.holders(str(plain_value(r)) for r in grant.roles)
        if grant.scope == "own" and systems:
            if people is None:
                people = view.system_people(systems)
            holders = [h for h in holders if all(h in people.get(s, set()) for s in systems)]
        elif grant.scope == "named":
            holders = [h for h in holders if h in record_people(change.kind, change.content)]
        held = f"held by {', '.join(sorted(holders))}" if holders else "held by nobody"
        scope = {"own": " on the team of its AI system",
                 "named": " when the record names them as its owner"}.get(grant.scope, "")
        if grant.changes is not None:
            scope += f" (changing only {', '.join(grant.changes)})"
        parts.append(f"the role {roles}{scope} ({held})")
    return "; or ".join(parts)


def admin_only_kinds(policy: Permissions | None = None) -> set[str]:
    """The record kinds only admins may write under ``policy`` (the one in force by default):
    every grant of the kind names the admin role alone. The team store's database refuses
    them from a person login outside its admin group, and ``verify`` names such versions."""
    policy = policy or load_permissions()
    return {kind for kind, rule in policy.kinds.items()
            if rule.grants and all({str(plain_value(r)) for r in g.roles} == {"admin"}
                                   for g in rule.grants)}


def check_authors(store: Any) -> list[Any]:
    """A ``workbench verify`` check: every version was saved by an active person, and records
    only admins may write (people, risk criteria) by an admin, as they stood at that moment.

    The first version of the chain is the bootstrap (its author creates themselves as admin).
    A version written around the library (a direct database insert) is found here when its
    author was not a person, or granted themselves a role.
    """
    import pandas as pd

    from workbench.store import Problem

    log = store.log()
    if log.empty:
        return []
    log = log.sort_values("seq").reset_index(drop=True)
    people = store.versions("person")
    probe = log[["seq", "kind", "record_id", "version", "author"]].rename(
        columns={"author": "login"})
    if people.empty:
        merged = probe.assign(active=False, roles=[[] for _ in range(len(probe))],
                              known=False)
    else:
        hist = people[["id", "_seq", "roles", "active"]].rename(
            columns={"id": "login", "_seq": "p_seq"}).sort_values("p_seq")
        merged = pd.merge_asof(probe.sort_values("seq"), hist, left_on="seq",
                               right_on="p_seq", by="login", allow_exact_matches=False,
                               direction="backward")
        merged["known"] = merged["p_seq"].notna()
        merged["active"] = merged["active"].fillna(False).astype(bool) & merged["known"]
        merged["roles"] = [r if isinstance(r, list) else [] for r in merged["roles"]]
    admin_only = admin_only_kinds(load_permissions(store=store))
    # The bootstrap: the store's first save (one transaction: one author, one time) creates its
    # author's own person record as an admin; that save needs no earlier person.
    first = log.iloc[0]
    batch = log[(log["author"] == first["author"]) & (log["saved_at"] == first["saved_at"])]
    own = people[(people["id"] == first["author"]) & people["_seq"].isin(batch["seq"])]
    bootstrap = set(batch["seq"]) if any("admin" in (r or []) for r in own["roles"]) else set()
    problems = []
    for row in merged.itertuples():
        if row.seq in bootstrap:
            continue
        loc = dict(seq=int(row.seq), kind=row.kind, record_id=row.record_id,
                   version=int(row.version))
        if not row.active:
            problems.append(Problem(f"saved by {row.login}, who was not an active person in the "
                                    "store at that moment", **loc))
        elif row.kind in admin_only and "admin" not in row.roles:
            problems.append(Problem(f"saved by {row.login}, who was not an admin: only admins "
                                    f"write {row.kind} records", **loc))
    return problems


def _guarded(view: AccessView, actor: str, change: Change) -> str:
    """The first refusal of the save guards features give the change's kind (``""``: none)."""
    from workbench.features import resolve, save_guards

    for target in save_guards().get(change.kind, ()):
        why = resolve(target)(view, actor, change)
        if why:
            return str(why)
    return ""


def refusals(view: AccessView, actor: str, changes: Sequence[Change], *,
             workflow: str | None = None, permissions: Permissions | None = None
             ) -> list[tuple[int, str]]:
    """Every change ``actor`` may not write, as ``(index in changes, one-line reason)``.

    The reasons :func:`authorize` raises; an import checks a whole batch with it and reports
    each refused row (an actor who is not an active person is one refusal, on the first
    change). Empty when the save is allowed.
    """
    kept = getattr(view, "policy", None)
    policy = permissions or (kept() if callable(kept) else None) or load_permissions()
    person = view.person(actor)
    roles = _roles_of(person)
    if not changes:
        return []
    if not roles and (person is None or not person.get("active", True)):
        first = changes[0]
        return [(0, f"{actor} is not an active person in this store and cannot save "
                    f"{first.label} {first.record_id!r}; an admin adds people "
                    f"(workbench admin add-user {actor} --role ...)")]
    system_ids = sorted({s for c in changes for state in (c.content, c.before or {})
                         for s in record_systems(c.kind, c.record_id, state)})
    people: dict[str, set[str]] | None = None
    out: list[tuple[int, str]] = []
    for index, change in enumerate(changes):
        rule = policy.kinds.get(change.kind)
        what = f"{change.label} {change.record_id!r}"
        if rule is None:
            out.append((index, f"the permission policy has no entry for {change.label} "
                               f"records, so nobody may save {what}; add the kind "
                               f"{change.kind!r} to permissions.yaml"))
            continue
        if rule.workflow is not None:
            if workflow != rule.workflow:
                out.append((index, f"{change.label} records are written only through "
                                   "wb.oversight (request, decide, withdraw), never saved "
                                   f"directly; {what} was not saved"))
            continue
        applicable = [g for g in rule.grants
                      if g.allows_change(change)
                      and all(c.holds(change.content) for c in g.when)
                      and (change.before is None or all(c.holds(change.before) for c in g.when))]
        allowed = False
        for grant in applicable:
            if not roles & {str(plain_value(r)) for r in grant.roles}:
                continue
            if grant.scope == "any":
                allowed = True
                break
            if grant.scope == "named":
                states = [change.content] + ([change.before] if change.before is not None
                                             else [])
                if all(actor in record_people(change.kind, state) for state in states):
                    allowed = True
                    break
                continue
            if people is None:
                people = view.system_people(system_ids)
            if _linked(view, actor, change, people):
                allowed = True
                break
        if allowed:
            why = _guarded(view, actor, change)
            if why:
                out.append((index, why))
            continue
        held = ", ".join(sorted(roles)) or "no role"
        scoped = [g for g in applicable if g.scope == "own"
                  and roles & {str(plain_value(r)) for r in g.roles}]
        why = ""
        if scoped:
            after = record_systems(change.kind, change.record_id, change.content)
            before = (record_systems(change.kind, change.record_id, change.before)
                      if change.before is not None else [])
            if people is None:
                people = view.system_people(system_ids)
            # name the systems the actor is not on (a record moved from another team's system
            # is refused for the system it leaves), else every system it belongs to
            systems = list(dict.fromkeys(before + after))
            outside = [s for s in systems if actor not in people.get(s, set())] or after
            team = ", ".join(f"{s} (team: {', '.join(sorted(people.get(s, set()))) or 'nobody'})"
                             for s in outside) or "no AI system"
            moved = [s for s in outside if s in before and s not in after]
            why = f"; {actor} is not on the team of {team}"
            if moved:
                why += f", which the {change.label} belongs to now"
        needed = (_needs(view, applicable, change, people) if applicable
                  else "a grant whose conditions hold")
        out.append((index, f"{actor} ({held}) may not save {what}: it needs {needed}{why}"))
    return out


def authorize(view: AccessView, actor: str, changes: Sequence[Change], *,
              workflow: str | None = None, permissions: Permissions | None = None) -> None:
    """Refuse the save unless ``actor`` may write every change.

    Parameters
    ----------
    view
        Reads of the store's current state (inside the saving transaction).
    actor
        The acting login (never chosen by the caller: the store resolves it).
    changes
        The records about to be saved.
    workflow
        The workflow writing them (``"oversight"`` for sign-off records), if any.

    Raises
    ------
    PermissionDeniedError
        One line naming the first refused record, the role needed and who holds it.
    """
    refused = refusals(view, actor, changes, workflow=workflow, permissions=permissions)
    if refused:
        raise PermissionDeniedError(refused[0][1])
