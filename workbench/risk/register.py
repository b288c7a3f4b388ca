"""Saving risks with the checks that need the store, and the risk register as a DataFrame.

The register is built from two queries (``store.frame("risk")`` and
``store.frame("ai_system")``) and vectorized pandas: scores, levels (from the criteria in
force), appetite, open and overdue actions and review dates are computed for every risk at
once, never by looping over records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError, ValidationError
from workbench.model import Role, validate_record
from workbench.risk.criteria import criteria_in_force
from workbench.risk.model import Acceptance, Risk, RiskCriteria, RiskStatus

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store, StoredVersion

__all__ = [
    "REGISTER_COLUMNS",
    "Lookup",
    "accept_risk",
    "build_register",
    "check_risk",
    "filter_register",
    "register",
    "save_risk",
    "signoff_facts",
    "suggest_risk_id",
]

#: Columns the register adds to the risk's own fields.
REGISTER_COLUMNS = (
    "system_name", "business_unit", "system_owner", "inherent_score", "inherent_level",
    "inherent_colour", "residual_score", "residual_level", "residual_colour", "above_appetite",
    "accepted", "signoff", "signoff_by", "signoff_at", "signoff_version",
    "signoff_pending_with", "awaiting_acceptance", "open_actions", "overdue_actions",
    "review_due",
)
#: Who may accept a residual risk besides its owner and the system's owner.
_ACCEPTING_ROLES = frozenset({Role.executive.value})


# -- checks that need the store ------------------------------------------------------------------
@dataclass
class Lookup:
    """What the store-dependent checks of a risk need to know."""

    criteria: RiskCriteria
    #: AI system id -> its owner's login (systems that exist)
    system_owner: dict[str, str] = field(default_factory=dict)
    #: login -> role names (people that exist)
    people: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def for_risks(cls, store: Store, risks: Sequence[Risk],
                  criteria: RiskCriteria | None = None) -> Lookup:
        """Look up only what ``risks`` mention (a handful of keyed reads)."""
        look = cls(criteria or criteria_in_force(store))
        for sid in {r.system_id for r in risks}:
            found = store.find("ai_system", sid)
            if found is not None:
                look.system_owner[sid] = found.content["owner"]
        logins = {login for r in risks for login, _ in _people_of(r)}
        for login in logins:
            found = store.find("person", login)
            if found is not None:
                look.people[login] = set(found.content.get("roles", []))
        return look

    @classmethod
    def whole_store(cls, store: Store, criteria: RiskCriteria | None = None) -> Lookup:
        """Every system and person, in two queries (for imports of many risks)."""
        systems = store.frame("ai_system", meta=False)
        people = store.frame("person", meta=False)
        return cls(criteria or criteria_in_force(store),
                   dict(zip(systems["id"], systems["owner"], strict=True)),
                   {p: set(r) for p, r in zip(people["id"], people["roles"], strict=True)})


def _people_of(risk: Risk) -> list[tuple[str, str]]:
    out = [(risk.owner, "owner")]
    out += [(a.owner, f"actions.{i}.owner") for i, a in enumerate(risk.actions)]
    if risk.acceptance is not None:
        out.append((risk.acceptance.accepted_by, "acceptance.accepted_by"))
    return out


def check_risk(risk: Risk, lookup: Lookup) -> list[tuple[str, str]]:
    """The ``(field, message)`` problems of a valid risk model against the store's state.

    Likelihood and consequence must be on the scales in force; the system and every person
    must exist; a residual risk above the appetite with status *accepted* needs an acceptance,
    given by the risk owner, the system owner or an executive.
    """
    crit = lookup.criteria
    problems = list(risk.scale_problems(crit))
    if risk.system_id not in lookup.system_owner:
        problems.append(("system_id", f"no AI system {risk.system_id!r} in the store; register "
                         "it first (`workbench systems list` shows the inventory)"))
    for login, where in _people_of(risk):
        if login not in lookup.people:
            problems.append((where, f"no person {login!r} in the store; use a login from "
                             "`workbench list person`"))
    if not problems and risk.status == RiskStatus.accepted:
        band = crit.level(risk.residual_likelihood, risk.residual_consequence)
        above = crit.band_rank(band.name) > crit.band_rank(crit.appetite)
        if above and risk.acceptance is None:
            problems.append(("acceptance", f"the residual risk is {band.name}, above the "
                             f"appetite ({crit.appetite}), so an accepted risk needs an "
                             "acceptance: who accepted it, when and why"))
    if risk.acceptance is not None and not problems:
        who = risk.acceptance.accepted_by
        system_owner = lookup.system_owner.get(risk.system_id)
        if who not in (risk.owner, system_owner) and not \
                lookup.people.get(who, set()) & _ACCEPTING_ROLES:
            problems.append(("acceptance.accepted_by", f"{who!r} may not accept this risk: "
                             f"residual risk is accepted by the risk owner ({risk.owner}), "
                             f"the system owner ({system_owner}) or an executive"))
    return problems


def acceptance_problems(risk: Risk, before: Mapping[str, Any] | None, actor: str,
                        today: dt.date, *, clerk: bool = False) -> list[tuple[str, str]]:
    """An acceptance is a person's own statement: when a save sets or changes it, the person
    it names must be the one saving (or ``clerk``, the AI governance lead recording another
    person's decision), and it cannot be dated after today:
    an import or a plain edit must not record someone else's acceptance, or one not made yet.
    An acceptance kept as it was is not checked again."""
    acc = risk.acceptance
    if acc is None:
        return []
    kept = (before or {}).get("acceptance")
    if kept is not None and Acceptance.model_validate(kept) == acc:
        return []
    problems = []
    if acc.accepted_by != actor and not clerk:
        problems.append(("acceptance.accepted_by", f"an acceptance is recorded by the person "
                         f"accepting (or the AI governance lead): {actor} cannot record one "
                         f"in {acc.accepted_by}'s name ({acc.accepted_by} runs `workbench "
                         f"risk accept {risk.id}`)"))
    if acc.accepted_on > today:
        problems.append(("acceptance.accepted_on", f"{acc.accepted_on} is in the future "
                         f"(today is {today}); record an acceptance once it is given"))
    return problems


def is_clerk(store: Store, login: str) -> bool:
    """Whether ``login`` is an active AI governance lead (who records others' acceptances)."""
    found = store.find("person", login)
    return bool(found and found.content.get("active", True)
                and "governance_lead" in (found.content.get("roles") or []))


def _raise(risk_id: str, problems: list[tuple[str, str]]) -> None:
    summary = "; ".join(f"{f}: {m}" for f, m in problems)
    raise ValidationError(f"invalid risk {risk_id!r}: {summary}", problems)


def _raw_problems(data: Mapping[str, Any], lookup: Lookup) -> list[tuple[str, str]]:
    """The store checks that can run on input the model rejected, so that a person sees
    every problem at once (scales, system, people), not the model's first."""
    crit = lookup.criteria
    out = []
    for name in ("inherent_likelihood", "inherent_consequence", "residual_likelihood",
                 "residual_consequence"):
        axis = name.split("_", 1)[1]
        try:
            value = int(data.get(name))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if not 1 <= value <= len(getattr(crit, axis)):
            out.append((name, f"{value} is outside the {axis} scale in force "
                        f"({crit.scale_text(axis)})"))
    system = data.get("system_id")
    if isinstance(system, str) and system and system not in lookup.system_owner:
        out.append(("system_id", f"no AI system {system!r} in the store; register it first "
                    "(`workbench systems list` shows the inventory)"))
    people = [(data.get("owner"), "owner")]
    actions = data.get("actions")
    if isinstance(actions, list):
        people += [(a.get("owner"), f"actions.{i}.owner") for i, a in enumerate(actions)
                   if isinstance(a, Mapping)]
    for login, where in people:
        if isinstance(login, str) and login and login not in lookup.people:
            out.append((where, f"no person {login!r} in the store; use a login from "
                        "`workbench list person`"))
    return out


def prepare_risk(risk: Risk | Mapping[str, Any], lookup: Lookup) -> Risk:
    """Validate ``risk`` fully (model and store checks); fill ``next_review`` when empty.

    Raises
    ------
    ValidationError
        With every problem found, each ``(field, message)``.
    """
    try:
        risk = validate_record(Risk, risk)
    except ValidationError as exc:
        if isinstance(risk, Risk):
            raise
        known = {f for f, _ in exc.errors}
        extra = [p for p in _raw_problems(risk, lookup) if p[0] not in known]
        rid = risk.get("id")
        if not extra and not (isinstance(rid, str) and rid):
            raise
        _raise(str(rid or ""), [*exc.errors, *extra])  # the message names the risk
    problems = check_risk(risk, lookup)
    if problems:
        _raise(risk.id, problems)
    if risk.next_review is None:
        due = risk.identified_on + dt.timedelta(days=lookup.criteria.review_interval_days)
        risk = risk.model_copy(update={"next_review": due})
    return risk


def save_risk(store: Store, risk: Risk | Mapping[str, Any], *, base_version: int | None = None,
              reason: str = "") -> StoredVersion:
    """Validate a risk against the criteria in force and the store, then save it.

    Parameters
    ----------
    store
        The workbench store.
    risk
        The risk (a :class:`Risk` or a dict of its fields).
    base_version
        The version the edit started from; ``None`` creates a new risk.
    reason
        Why it changed (kept with the version).

    Returns
    -------
    StoredVersion
        The saved version (``next_review`` defaults to ``identified_on`` plus the criteria's
        review interval).

    Raises
    ------
    ValidationError
        A field is invalid: likelihood or consequence off the scales in force, unknown
        system, person, control or Annex C id, action due before the risk was identified,
        an accepted risk above appetite without acceptance. Nothing is saved.
    ConflictError
        Someone saved the risk since ``base_version``; the error names who and when.
    """
    if not isinstance(risk, Risk):
        try:
            risk = validate_record(Risk, risk)
        except ValidationError:
            prepare_risk(risk, Lookup.whole_store(store))  # raises with every problem
            raise
    prepared = prepare_risk(risk, Lookup.for_risks(store, [risk]))
    stored = store.find("risk", prepared.id)
    actor = store.acting_user()
    problems = acceptance_problems(prepared, stored.content if stored else None, actor,
                                   store.now().date(), clerk=is_clerk(store, actor))
    if problems:
        _raise(prepared.id, problems)
    return store.save(prepared, base_version=base_version, reason=reason)


def accept_risk(store: Store, risk_id: str, *, rationale: str,
                accepted_on: dt.date | None = None, reason: str = "") -> StoredVersion:
    """Record that the acting user accepts the residual risk: status *accepted* with who, when
    and why.

    This is the risk owner's statement, kept in the risk itself. The approval of a residual
    risk above the appetite is its owner's sign-off (``workbench.oversight.request(store,
    "risk", risk_id)``, then ``decide``): until a sign-off approves the current version the
    register's ``awaiting_acceptance`` stays True, and this new version makes an earlier
    approval stale.
    """
    current = store.get(Risk, risk_id)
    if current.record.status == RiskStatus.closed:
        raise ValidationError(f"risk {risk_id} is closed: a closed risk is not accepted; "
                              "reopen it first (set its status) if it applies again",
                              [("status", "closed")])
    who = store.acting_user()
    if not rationale.strip():
        raise ValidationError("rationale: an acceptance needs a rationale (why the residual "
                              "risk is acceptable)", [("acceptance.rationale", "required")])
    try:
        acceptance = validate_record(Acceptance, {
            "accepted_by": who, "accepted_on": accepted_on or store.now().date(),
            "rationale": rationale})
    except ValidationError as exc:
        raise ValidationError(f"risk {risk_id}: acceptance " + "; ".join(
            f"{f}: {m}" for f, m in exc.errors), exc.errors) from None
    data = {**current.record.model_dump(), "status": RiskStatus.accepted,
            "acceptance": acceptance}
    return save_risk(store, data, base_version=current.version,
                     reason=reason or f"residual risk accepted by {who}")


def suggest_risk_id(existing: Sequence[str], system_id: str) -> str:
    """The next free id of the form ``<system_id>-rNN``."""
    taken = set(existing)
    n = 1 + sum(1 for i in taken if i.startswith(f"{system_id}-r"))
    while f"{system_id}-r{n:02d}" in taken:
        n += 1
    return f"{system_id}-r{n:02d}"


# -- the register --------------------------------------------------------------------------------
def _levels(scores: Any, criteria: RiskCriteria) -> tuple[Any, Any, Any]:
    """(ordered categorical of band names, colours, band codes) for an array of scores."""
    import numpy as np
    import pandas as pd

    names = [b.name for b in criteria.bands]
    mins = np.array([b.min_score for b in criteria.bands])
    scores = np.asarray(scores, dtype="float64")
    valid = (scores >= 1) & (scores <= criteria.max_score)
    codes = np.where(valid, np.searchsorted(mins, np.nan_to_num(scores), side="right") - 1, -1)
    levels = pd.Categorical.from_codes(codes, categories=names, ordered=True)
    # Colour of each band (grey off the scales, code -1), as a categorical of a few values.
    palette = [b.colour for b in criteria.bands] + ["#8c959f"]
    unique = list(dict.fromkeys(palette))
    colours = pd.Categorical.from_codes(np.array([unique.index(c) for c in palette])[codes],
                                        categories=unique)
    return levels, colours, codes


def build_register(risks: pd.DataFrame, systems: pd.DataFrame, criteria: RiskCriteria, *,
                   as_of: dt.date | None = None, signoffs: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """The register from the frames of risks and AI systems (see :func:`register`).

    ``signoffs`` are the sign-off states of risks (rows of
    :func:`workbench.oversight.status_frame` for ``kind="risk"``); without them no risk has
    sign-off activity.
    """
    import numpy as np
    import pandas as pd

    from workbench.risk.signoff import add_signoff_columns

    today = pd.Timestamp(as_of or dt.date.today())
    df = risks.copy()
    # Join the systems by position (one hash lookup per risk, done in C), not a merge.
    where = pd.Index(systems["id"]).get_indexer(df["system_id"])
    found = where >= 0
    for source, target in (("name", "system_name"), ("business_unit", "business_unit"),
                           ("owner", "system_owner")):
        values = systems[source].to_numpy(dtype=object)
        df[target] = pd.array(np.where(found, values[np.where(found, where, 0)], None)
                              if len(values) else [None] * len(df), dtype="str")
    for col in ("identified_on", "next_review"):
        df[col] = pd.to_datetime(df[col], format="%Y-%m-%d")
    appetite = criteria.band_rank(criteria.appetite)
    for which in ("inherent", "residual"):
        lik = df[f"{which}_likelihood"].to_numpy(dtype="int64")
        con = df[f"{which}_consequence"].to_numpy(dtype="int64")
        score = lik * con
        off_scale = (lik > len(criteria.likelihood)) | (con > len(criteria.consequence))
        levels, colours, codes = _levels(np.where(off_scale, np.nan, score), criteria)
        df[f"{which}_score"] = score
        df[f"{which}_level"] = levels
        df[f"{which}_colour"] = colours
        if which == "residual":
            df["above_appetite"] = codes > appetite
    is_closed = (df["status"] == RiskStatus.closed.value).to_numpy(dtype=bool)
    df["accepted"] = df["acceptance"].notna()
    # The risk owner's statement (acceptance) is not the approval: only a current sign-off is.
    add_signoff_columns(df, signoffs)
    df["awaiting_acceptance"] = (df["above_appetite"] & (df["signoff"] != "approved")
                                 & ~is_closed)
    open_count, overdue_count = _action_counts(df["actions"], today)
    df["open_actions"] = np.where(is_closed, 0, open_count)
    df["overdue_actions"] = np.where(is_closed, 0, overdue_count)
    df["review_due"] = (df["next_review"].isna() | (df["next_review"] <= today)) & ~is_closed
    fields = [c for c in risks.columns if not c.startswith("_")]
    meta = [c for c in risks.columns if c.startswith("_")]
    front = ["id", "system_id", "system_name", "business_unit", "title"]
    ordered = front + [c for c in fields if c not in front] + \
        [c for c in REGISTER_COLUMNS if c not in front] + meta
    # Highest residual, then inherent score first; ties keep the store's id order (stable).
    key = -(df["residual_score"].to_numpy() * 1000 + df["inherent_score"].to_numpy())
    order = np.argsort(key, kind="stable") if len(df) else np.arange(0)
    if len(df) and not (df["id"].is_monotonic_increasing):
        order = np.lexsort((df["id"].to_numpy(dtype=object), key))
    df = df[ordered].take(order).reset_index(drop=True)
    # Small, immutable attrs: pandas deep-copies attrs on every operation.
    df.attrs["criteria"] = criteria.model_dump_json()
    df.attrs["as_of"] = today.date().isoformat()
    return df


def _action_counts(actions: pd.Series, today: pd.Timestamp) -> tuple[Any, Any]:
    """Open and overdue actions per risk: the action lists become one Arrow list array
    (only ``due`` and ``done_on`` are read), counted with ``bincount`` by risk position."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(actions)
    shape = pa.list_(pa.struct([("due", pa.string()), ("done_on", pa.string())]))
    lists = pa.array(actions.tolist(), type=shape, from_pandas=True)
    flat = pc.list_flatten(lists)
    if not len(flat):
        return np.zeros(n, dtype="int64"), np.zeros(n, dtype="int64")
    parents = pc.list_parent_indices(lists).to_numpy()
    open_ = pc.is_null(pc.struct_field(flat, "done_on")).to_numpy(zero_copy_only=False)
    before = pc.less(pc.struct_field(flat, "due"), today.date().isoformat())
    late = open_ & before.to_numpy(zero_copy_only=False)
    return (np.bincount(parents[open_], minlength=n).astype("int64"),
            np.bincount(parents[late], minlength=n).astype("int64"))


def action_rows(actions: pd.Series) -> pd.DataFrame:
    """One row per action of a Series of action lists, indexed by the risk's row label."""
    import pandas as pd

    exploded = actions.explode().dropna()
    frame = pd.DataFrame(exploded.tolist(), index=exploded.index,
                         columns=["description", "owner", "due", "done_on"])
    for col in ("due", "done_on"):
        frame[col] = pd.to_datetime(frame[col], format="%Y-%m-%d")
    return frame


def _as_list(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None or value == "":
        return None
    return [value] if isinstance(value, str) else [str(v) for v in value]


def filter_register(df: pd.DataFrame, *, system_id: str | Sequence[str] | None = None,
                    business_unit: str | Sequence[str] | None = None,
                    owner: str | Sequence[str] | None = None,
                    status: str | Sequence[str] | None = None,
                    level: str | Sequence[str] | None = None,
                    above_appetite: bool | None = None) -> pd.DataFrame:
    """Rows of a register matching every given filter (each a value or a list of values).

    ``level`` matches the residual level; ``business_unit`` ignores case.
    """
    mask = None

    def both(m: Any) -> None:
        nonlocal mask
        mask = m if mask is None else (mask & m)

    for column, wanted in (("system_id", system_id), ("owner", owner), ("status", status),
                           ("residual_level", level)):
        values = _as_list(wanted)
        if values is not None:
            both(df[column].astype("str").isin(values))
    units = _as_list(business_unit)
    if units is not None:
        both(df["business_unit"].astype("str").str.casefold().isin([u.casefold()
                                                                     for u in units]))
    if above_appetite is not None:
        both(df["above_appetite"] == bool(above_appetite))
    if mask is None:
        return df
    out = df[mask.fillna(False).astype(bool)].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out


def register(store: Store, *, system_id: str | Sequence[str] | None = None,
             business_unit: str | Sequence[str] | None = None,
             owner: str | Sequence[str] | None = None, status: str | Sequence[str] | None = None,
             level: str | Sequence[str] | None = None, above_appetite: bool | None = None,
             as_of: dt.date | None = None, criteria: RiskCriteria | None = None
             ) -> pd.DataFrame:
    """The risk register: one row per risk with its levels computed from the criteria in force.

    Parameters
    ----------
    store
        The workbench store.
    system_id, business_unit, owner, status, level
        Keep only rows matching (a value or a list); ``level`` is the residual level.
    above_appetite
        Keep only risks whose residual level is above (True) or within (False) the appetite.
    as_of
        The day against which actions are overdue and reviews due (default today).
    criteria
        Criteria to level with (default: those in force in ``store``).

    Returns
    -------
    pandas.DataFrame
        The risk's fields (dates as timestamps) plus ``system_name``, ``business_unit``,
        ``system_owner``, ``inherent_score``, ``inherent_level``, ``inherent_colour``,
        ``residual_score``, ``residual_level`` (ordered categorical of band names; empty when
        a level is off the scales), ``residual_colour`` (categorical of ``#rrggbb``),
        ``above_appetite``, ``accepted`` (the risk records an acceptance statement),
        ``signoff`` (the sign-off state of a risk above the appetite: ``approved``,
        ``pending``, ``stale``, ``rejected``, ``changes_requested`` or ``none``;
        ``not_required`` within the appetite), ``signoff_by``, ``signoff_at``,
        ``signoff_version`` (who approved which version when, for approved and stale
        sign-offs), ``signoff_pending_with``, ``awaiting_acceptance`` (open, above the
        appetite and without a current approval), ``open_actions``, ``overdue_actions``,
        ``review_due`` and the store's ``_version``, ``_saved_by``, ``_saved_at``; highest
        residual score first. A risk whose stored version fails its checks is left out and
        named in the frame's problems (``wb.registers.problems_of``).
    """
    from workbench.registers import problems_of, read_register, require_ids, with_problems
    from workbench.risk.signoff import risk_signoff_frame

    crit = criteria or criteria_in_force(store)
    risks = read_register(store, "risk").frame
    # Systems only lend their name, unit and owner (as text) to the register, so they are not
    # validated here; the inventory's own pages name a system that fails its checks.
    systems = store.frame("ai_system", meta=False)
    # An unknown system, person, business unit or level is an error, not an empty register.
    require_ids("ai_system", system_id, systems.get("id", []))
    if owner is not None:
        require_ids("person", owner, store.frame("person", meta=False).get("id", []))
    if business_unit is not None:
        units = sorted({str(u) for u in systems.get("business_unit", [])})
        known = {u.casefold() for u in units}  # matched ignoring case, as filter_register
        for unit in [business_unit] if isinstance(business_unit, str) else business_unit:
            if str(unit).casefold() not in known:
                raise NotFoundError(f"no AI system in the business unit {unit!r}; the units "
                                    f"are: {', '.join(units) or 'none yet'}")
    if level is not None:
        bands = {b.name.lower(): b.name for b in crit.bands}
        wanted = [level] if isinstance(level, str) else list(level)
        unknown = [w for w in wanted if str(w).lower() not in bands]
        if unknown:
            raise ValidationError(f"level {unknown[0]!r}: the levels of the risk criteria in "
                                  f"force are {', '.join(bands.values())}")
        level = [bands[str(w).lower()] for w in wanted]
    df = build_register(risks, systems, crit, as_of=as_of,
                        signoffs=risk_signoff_frame(store, risks))
    df = filter_register(df, system_id=system_id, business_unit=business_unit, owner=owner,
                         status=status, level=level, above_appetite=above_appetite)
    return with_problems(df, problems_of(risks))


def signoff_facts(store: Store, stored_version: StoredVersion) -> dict[str, Any]:
    """Facts about a risk version for sign-off policy conditions.

    Returns
    -------
    dict
        ``system_id``, ``system_owner``, ``business_unit``, ``owner``, ``status``,
        ``inherent_level``, ``residual_level``, ``residual_score``, ``above_appetite``,
        ``accepted`` and ``appetite`` (levels from the criteria in force).
    """
    if stored_version.kind != Risk.kind:
        raise NotFoundError(f"signoff_facts of the risk register takes a risk version, got "
                            f"{stored_version.kind!r}")
    risk: Risk = stored_version.record
    crit = criteria_in_force(store)
    system = store.find("ai_system", risk.system_id)
    residual = risk.residual_likelihood * risk.residual_consequence
    inherent = risk.inherent_likelihood * risk.inherent_consequence

    def band(score: int) -> str | None:
        try:
            return crit.band_for(score).name
        except ValueError:
            return None

    level = band(residual)
    return {
        "system_id": risk.system_id,
        "system_owner": system.content["owner"] if system else None,
        "business_unit": system.content["business_unit"] if system else None,
        "owner": risk.owner,
        "status": risk.status.value,
        "inherent_level": band(inherent),
        "residual_level": level,
        "residual_score": residual,
        "above_appetite": level is not None and
        crit.band_rank(level) > crit.band_rank(crit.appetite),
        "accepted": risk.acceptance is not None,
        "appetite": crit.appetite,
    }
