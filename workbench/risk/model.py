"""Risk records: the organization's risk criteria and the risks of its AI systems.

Both are ordinary versioned records. A risk stores what an assessor decided (likelihoods,
consequences, treatment, controls, actions, acceptance); its score and level are computed
from the criteria in force whenever they are needed, never written into the risk, so
replacing the criteria re-levels every risk without editing one of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core import ValidationError as CoreValidationError

from workbench.model._base import NonEmptyStr, Part, Record, Reference, Slug
from workbench.model.core import ControlId, ObjectiveId, RiskSourceId, StrEnum

__all__ = [
    "CRITERIA_ID",
    "MAX_SCALE_LEVELS",
    "Acceptance",
    "Action",
    "Band",
    "Risk",
    "RiskCriteria",
    "RiskStatus",
    "ScaleLevel",
    "Treatment",
    "default_criteria",
]

#: The id of the one risk criteria record of an organization (its latest version is in force).
CRITERIA_ID = "risk-criteria"
#: The longest likelihood or consequence scale the criteria may define.
MAX_SCALE_LEVELS = 10

_HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"


def _field_errors(title: str, problems: Iterable[tuple[tuple[str | int, ...], str, Any]]
                  ) -> None:
    """Raise pydantic errors located at the given fields (``("bands", 2, "min_score")``).

    A model validator raising ``ValueError`` can only blame the whole record; raising a
    located error lets a form show the message beside the field that is wrong.
    """
    details = [
        InitErrorDetails(type=PydanticCustomError("workbench_rule", "{rule}", {"rule": msg}),
                         loc=loc, input=value)
        for loc, msg, value in problems
    ]
    if details:
        raise CoreValidationError.from_exception_data(title, details)


# -- criteria ----------------------------------------------------------------------------------
class ScaleLevel(Part):
    """One level of a likelihood or consequence scale."""

    level: int = Field(ge=1, le=MAX_SCALE_LEVELS)
    label: NonEmptyStr = Field(max_length=40)
    description: str = ""


class Band(Part):
    """A risk level: the scores (likelihood x consequence) from ``min_score`` to ``max_score``."""

    name: Slug = Field(description="e.g. low, medium, high, critical")
    label: str = Field("", description="shown to people; defaults to the name, capitalized")
    colour: str = Field(pattern=_HEX_COLOUR, description="#rrggbb")
    min_score: int = Field(ge=1)
    max_score: int = Field(ge=1)
    description: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


def _check_scale(name: str, levels: list[ScaleLevel]) -> list[ScaleLevel]:
    # Locations are relative to the field being validated; pydantic prefixes the field name.
    problems: list[tuple[tuple[str | int, ...], str, Any]] = []
    if not 2 <= len(levels) <= MAX_SCALE_LEVELS:
        problems.append(((), f"a scale needs 2 to {MAX_SCALE_LEVELS} levels, "
                         f"got {len(levels)}", len(levels)))
    for index, item in enumerate(levels):
        if item.level != index + 1:
            problems.append(((index, "level"), f"levels must run 1, 2, 3 ... in order; "
                             f"entry {index + 1} has level {item.level}", item.level))
    seen: dict[str, int] = {}
    for index, item in enumerate(levels):
        key = item.label.casefold()
        if key in seen:
            problems.append(((index, "label"), f"label {item.label!r} is already used by "
                             f"level {seen[key] + 1}", item.label))
        seen.setdefault(key, index)
    _field_errors(name, problems)
    return levels


class RiskCriteria(Record, kind="risk_criteria", label="risk criteria"):
    """How the organization rates and accepts AI risks (ISO/IEC 42001 6.1.2).

    The risk score is likelihood x consequence; ``bands`` split the scores ``1`` to
    ``len(likelihood) * len(consequence)`` into levels, lowest first, with no gaps or
    overlaps. ``appetite`` names the highest band acceptable without explicit acceptance.
    """

    id: Slug = CRITERIA_ID
    name: NonEmptyStr = "AI risk criteria"
    likelihood: list[ScaleLevel]
    consequence: list[ScaleLevel]
    bands: list[Band]
    appetite: Slug = Field(description="name of the highest band accepted without sign-off")
    review_interval_days: int = Field(ge=7, le=1095, description="days between risk reviews")
    notes: str = ""

    @field_validator("id")
    @classmethod
    def _one_per_organization(cls, value: str) -> str:
        if value != CRITERIA_ID:
            raise ValueError(f"the risk criteria record is always {CRITERIA_ID!r} (one per "
                             "organization; its latest version is in force)")
        return value

    @field_validator("likelihood")
    @classmethod
    def _likelihood(cls, value: list[ScaleLevel]) -> list[ScaleLevel]:
        return _check_scale("likelihood", value)

    @field_validator("consequence")
    @classmethod
    def _consequence(cls, value: list[ScaleLevel]) -> list[ScaleLevel]:
        return _check_scale("consequence", value)

    @model_validator(mode="after")
    def _check_bands(self) -> RiskCriteria:
        top = self.max_score
        bands = self.bands
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        if len(bands) < 2:
            problems.append((("bands",), f"define at least 2 bands, got {len(bands)}",
                             len(bands)))
        names: dict[str, int] = {}
        for i, band in enumerate(bands):
            if band.name in names:
                problems.append((("bands", i, "name"), f"band name {band.name!r} is already "
                                 f"used by band {names[band.name] + 1}", band.name))
            names.setdefault(band.name, i)
            if band.max_score < band.min_score:
                problems.append((("bands", i, "max_score"), f"band {band.name!r} ends at "
                                 f"{band.max_score}, below its min_score {band.min_score}",
                                 band.max_score))
        if bands and bands[0].min_score != 1:
            problems.append((("bands", 0, "min_score"), f"the lowest band must start at score "
                             f"1, not {bands[0].min_score}", bands[0].min_score))
        for i in range(1, len(bands)):
            prev, band = bands[i - 1], bands[i]
            expected = prev.max_score + 1
            if band.min_score > expected:
                missing = (f"score {expected} is" if band.min_score - 1 == expected
                           else f"scores {expected} to {band.min_score - 1} are")
                problems.append((("bands", i, "min_score"), f"gap: {missing} in no band; band "
                                 f"{band.name!r} should start at {expected}", band.min_score))
            elif band.min_score < expected:
                problems.append((("bands", i, "min_score"), f"overlap: band {band.name!r} "
                                 f"starts at {band.min_score}, inside band {prev.name!r} "
                                 f"({prev.min_score}-{prev.max_score}); start it at {expected}",
                                 band.min_score))
        if bands and bands[-1].max_score != top:
            problems.append((("bands", len(bands) - 1, "max_score"), f"the highest band must "
                             f"end at {top} ({len(self.likelihood)} likelihood x "
                             f"{len(self.consequence)} consequence levels), not "
                             f"{bands[-1].max_score}", bands[-1].max_score))
        if self.appetite not in names:
            problems.append((("appetite",), f"{self.appetite!r} is not a band; use one of "
                             f"{', '.join(names)}", self.appetite))
        _field_errors("risk criteria", problems)
        return self

    # -- lookups -------------------------------------------------------------------------------
    @property
    def max_score(self) -> int:
        return len(self.likelihood) * len(self.consequence)

    def band_for(self, score: int) -> Band:
        """The band holding ``score``; ValueError outside ``1..max_score``."""
        for band in self.bands:
            if band.min_score <= score <= band.max_score:
                return band
        raise ValueError(f"score {score} is outside 1..{self.max_score}")

    def level(self, likelihood: int, consequence: int) -> Band:
        """The band of a likelihood x consequence pair."""
        return self.band_for(likelihood * consequence)

    def band_rank(self, name: str) -> int:
        return [b.name for b in self.bands].index(name)

    def is_above_appetite(self, likelihood: int, consequence: int) -> bool:
        return self.band_rank(self.level(likelihood, consequence).name) > \
            self.band_rank(self.appetite)

    def label_of(self, axis: str, level: int) -> str:
        scale = self.likelihood if axis == "likelihood" else self.consequence
        return scale[level - 1].label

    def scale_text(self, axis: str) -> str:
        """``"1 Rare to 5 Almost certain"`` for messages."""
        scale = self.likelihood if axis == "likelihood" else self.consequence
        return f"1 {scale[0].label} to {len(scale)} {scale[-1].label}"


_LIKELIHOOD = [
    ("Rare", "Not expected during the system's life; would need an unusual chain of events "
     "(less than once in ten years)."),
    ("Unlikely", "Could happen but has not been seen here or at comparable deployments "
     "(about once in three to ten years)."),
    ("Possible", "Has happened at comparable systems, or could happen under conditions we "
     "can foresee (about once in one to three years)."),
    ("Likely", "Expected to happen at some point in normal operation (about once a year "
     "or more)."),
    ("Almost certain", "Happening already or expected repeatedly (several times a year)."),
]
_CONSEQUENCE = [
    ("Negligible", "No noticeable effect on people; an internal inconvenience fixed in "
     "normal work."),
    ("Minor", "A small, reversible effect on a few people or a short service disruption; no "
     "regulatory interest."),
    ("Moderate", "Reversible harm to a group of people (unfair outcomes, privacy intrusion, "
     "financial loss they can recover), a complaint to a regulator or local press coverage."),
    ("Major", "Serious or hard-to-reverse harm to many people, a breach of law with likely "
     "enforcement, or national press coverage."),
    ("Severe", "Irreversible harm to health, safety or fundamental rights, systemic "
     "discrimination, or a prohibited practice; a threat to the licence to operate."),
]


def default_criteria() -> RiskCriteria:
    """The default 5 x 5 criteria: four bands, appetite up to *medium*, reviews every 180 days.

    An organization replaces them by saving its own ``risk_criteria`` record (see
    :func:`workbench.risk.save_criteria`).
    """
    return RiskCriteria(
        likelihood=[ScaleLevel(level=i, label=lbl, description=d)
                    for i, (lbl, d) in enumerate(_LIKELIHOOD, 1)],
        consequence=[ScaleLevel(level=i, label=lbl, description=d)
                     for i, (lbl, d) in enumerate(_CONSEQUENCE, 1)],
        bands=[
            Band(name="low", colour="#2da44e", min_score=1, max_score=4,
                 description="Accept and monitor through normal operation."),
            Band(name="medium", colour="#bf8700", min_score=5, max_score=9,
                 description="Within appetite; treat where proportionate and review."),
            Band(name="high", colour="#e16f24", min_score=10, max_score=16,
                 description="Above appetite: treat, or have the risk owner accept it "
                 "explicitly with a rationale."),
            Band(name="critical", colour="#cf222e", min_score=17, max_score=25,
                 description="Far above appetite: treat before (further) use; acceptance "
                 "needs executive attention."),
        ],
        appetite="medium",
        review_interval_days=180,
        notes="Score = likelihood x consequence. Residual risks above the appetite need a "
        "recorded acceptance by the risk owner.",
    )


# -- risks -------------------------------------------------------------------------------------


class Treatment(StrEnum):
    """Risk treatment options (ISO/IEC 42001 6.1.3, ISO 31000)."""

    modify = "modify"  # reduce likelihood or consequence with controls
    avoid = "avoid"  # stop or change the activity so the risk no longer arises
    share = "share"  # transfer part of it (contract, insurance, supplier)
    retain = "retain"  # keep it, knowingly


class RiskStatus(StrEnum):
    identified = "identified"
    assessed = "assessed"
    treated = "treated"
    accepted = "accepted"
    closed = "closed"


class Action(Part):
    """A treatment action with an owner and a due date."""

    description: NonEmptyStr
    owner: Slug = Field(description="login of the person doing it")
    due: dt.date
    done_on: dt.date | None = None


class Acceptance(Part):
    """Who accepted the residual risk, when and why."""

    accepted_by: Slug = Field(description="login of the person accepting the residual risk")
    accepted_on: dt.date
    rationale: NonEmptyStr


class Risk(Record, kind="risk", label="risk"):
    """A risk of one AI system, its treatment and what remains (ISO/IEC 42001 6.1.2, 6.1.3)."""

    system_id: Slug = Field(description="the AI system this risk belongs to")
    title: NonEmptyStr = Field(max_length=200)
    description: str = ""
    risk_source: RiskSourceId = Field(description="Annex C risk source")
    objective: ObjectiveId = Field(description="Annex C objective affected")
    inherent_likelihood: int = Field(description="before treatment")
    inherent_consequence: int = Field(description="before treatment")
    treatment: Treatment
    controls: list[ControlId] = Field(default_factory=list, description="Annex A controls")
    actions: list[Action] = Field(default_factory=list)
    residual_likelihood: int = Field(description="after treatment")
    residual_consequence: int = Field(description="after treatment")
    owner: Slug = Field(description="login of the risk owner")
    status: RiskStatus = RiskStatus.identified
    identified_on: dt.date
    next_review: dt.date | None = None
    acceptance: Acceptance | None = None

    @field_validator("inherent_likelihood", "inherent_consequence", "residual_likelihood",
                     "residual_consequence")
    @classmethod
    def _on_a_scale(cls, value: int) -> int:
        if not 1 <= value <= MAX_SCALE_LEVELS:
            raise ValueError(f"{value} is not a level: levels run from 1 to the top of the "
                             f"scale in force (at most {MAX_SCALE_LEVELS})")
        return value

    @field_validator("controls")
    @classmethod
    def _unique_controls(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each control may appear only once")
        return value

    @model_validator(mode="after")
    def _dates_and_acceptance(self) -> Risk:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        start = self.identified_on
        for i, action in enumerate(self.actions):
            if action.due < start:
                problems.append((("actions", i, "due"), f"action {i + 1} is due {action.due}, "
                                 f"before the risk was identified ({start})", action.due))
            if action.done_on is not None and action.done_on < start:
                problems.append((("actions", i, "done_on"), f"action {i + 1} was done "
                                 f"{action.done_on}, before the risk was identified ({start})",
                                 action.done_on))
        if self.next_review is not None and self.next_review < start:
            problems.append((("next_review",), f"{self.next_review} is before the risk was "
                             f"identified ({start})", self.next_review))
        if self.acceptance is not None:
            if self.status not in (RiskStatus.accepted, RiskStatus.closed):
                problems.append((("acceptance",), f"only an accepted (or closed) risk carries "
                                 f"an acceptance; set status to accepted or remove the "
                                 f"acceptance (status is {self.status.value})",
                                 self.status.value))
            if self.acceptance.accepted_on < start:
                problems.append((("acceptance", "accepted_on"), f"{self.acceptance.accepted_on}"
                                 f" is before the risk was identified ({start})",
                                 self.acceptance.accepted_on))
        _field_errors("risk", problems)
        return self

    def references(self) -> list[Reference]:
        refs = [Reference("system_id", "ai_system", self.system_id),
                Reference("owner", "person", self.owner)]
        refs += [Reference(f"actions.{i}.owner", "person", a.owner)
                 for i, a in enumerate(self.actions)]
        if self.acceptance is not None:
            refs.append(Reference("acceptance.accepted_by", "person",
                                  self.acceptance.accepted_by))
        return refs

    @classmethod
    def register_screen(cls, frame: Any) -> Any:
        """Rows of a register frame that may fail this model (a boolean Series).

        The risk register reaches tens of thousands of rows, too many to validate each one
        on every read, so :func:`workbench.registers.check_frame` validates only the rows
        this vectorized screen flags: every field the register computes from (levels,
        status, treatment, dates, actions, acceptance, the ids it joins on). A flagged row
        that passes the model is kept.
        """
        import numpy as np
        import pandas as pd

        ok = np.ones(len(frame), dtype=bool)
        for col in level_fields():
            number = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype="float64",
                                                                         na_value=np.nan)
            ok &= (number >= 1) & (number <= MAX_SCALE_LEVELS) & (np.mod(number, 1) == 0)
        for col in ("id", "system_id", "owner", "title"):
            ok &= _texts(frame[col])
        ok &= frame["status"].isin([s.value for s in RiskStatus]).to_numpy(dtype=bool)
        ok &= frame["treatment"].isin([t.value for t in Treatment]).to_numpy(dtype=bool)
        ok &= _dates(frame["identified_on"])
        ok &= _dates(frame["next_review"]) | frame["next_review"].isna().to_numpy(dtype=bool)
        ok &= _parts_ok(frame["actions"], list_of=True, fields=("due",),
                        optional=("done_on",))
        ok &= _parts_ok(frame["acceptance"], list_of=False, fields=("accepted_on",),
                        optional=())
        return pd.Series(~ok, index=frame.index)

    def scale_problems(self, criteria: RiskCriteria) -> list[tuple[str, str]]:
        """``(field, message)`` for each likelihood or consequence outside ``criteria``."""
        out = []
        for field in ("inherent_likelihood", "inherent_consequence", "residual_likelihood",
                      "residual_consequence"):
            axis = field.split("_", 1)[1]
            top = len(getattr(criteria, axis))
            value = getattr(self, field)
            if not 1 <= value <= top:
                out.append((field, f"{value} is outside the {axis} scale in force "
                            f"({criteria.scale_text(axis)})"))
        return out


def _texts(values: Any) -> Any:
    """Non-empty text cells (a numpy bool array; saved text is stripped already)."""
    if _is_text(values):
        return (values.notna() & (values.str.len() > 0)).to_numpy(dtype=bool, na_value=False)
    return values.map(lambda v: isinstance(v, str) and v.strip() != "").to_numpy(dtype=bool)


def _is_text(values: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_string_dtype(values.dtype)
                and not pd.api.types.is_object_dtype(values.dtype))


def _dates(values: Any) -> Any:
    """Cells holding an ISO date text (a numpy bool array)."""
    import pandas as pd

    if not _is_text(values):
        values = values.map(lambda v: v if isinstance(v, str) else None)
    parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    return parsed.notna().to_numpy(dtype=bool)


def _parts_ok(values: Any, *, list_of: bool, fields: tuple[str, ...],
              optional: tuple[str, ...]) -> Any:
    """Cells holding a part (or a list of parts) whose ``fields`` are text and whose
    ``optional`` fields are text or null; an empty cell is fine. Converted as one Arrow
    array; only when that fails is each cell looked at."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    struct = pa.struct([(f, pa.string()) for f in (*fields, *optional)])
    try:
        arr = pa.array(values.tolist(), type=pa.list_(struct) if list_of else struct,
                       from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return values.map(lambda v: _part_ok(v, list_of, fields, optional)).to_numpy(dtype=bool)
    flat = pc.list_flatten(arr) if list_of else arr
    bad = np.zeros(len(flat), dtype=bool)
    for f in fields:
        bad |= pc.is_null(pc.struct_field(flat, f)).to_numpy(zero_copy_only=False)
    if list_of:
        bad = ~pc.is_valid(flat).to_numpy(zero_copy_only=False) | bad
        parents = pc.list_parent_indices(arr).to_numpy()
        return np.bincount(parents[bad], minlength=len(values)) == 0
    return ~(bad & pc.is_valid(flat).to_numpy(zero_copy_only=False))


def _part_ok(value: Any, list_of: bool, fields: tuple[str, ...],
             optional: tuple[str, ...]) -> bool:
    if value is None or (isinstance(value, float) and value != value):
        return True
    items = value if list_of else [value]
    if not isinstance(items, list):
        return False
    return all(isinstance(i, dict) and all(isinstance(i.get(f), str) for f in fields)
               and all(isinstance(i.get(f), (str, type(None))) for f in optional)
               for i in items)


def proposed_risk(*, risk_id: str, system_id: str, title: str, description: str,
                  risk_source: str, objective: str, likelihood: int, consequence: int,
                  controls: Sequence[str], owner: str, identified_on: dt.date | None = None,
                  review_in_days: int = 90) -> dict[str, Any]:
    """A proposed risk-register entry (the ``risk`` record's fields, not yet saved).

    What other features find (an unmitigated harm, a fairness breach) becomes a risk in
    status ``identified``, to be treated with the Annex A ``controls`` (treatment ``modify``);
    residual ratings equal the inherent ones until a treatment is decided.
    """
    today = identified_on or dt.date.today()
    return {
        "id": risk_id, "system_id": system_id, "title": title, "description": description,
        "risk_source": risk_source, "objective": objective,
        "inherent_likelihood": likelihood, "inherent_consequence": consequence,
        "treatment": "modify", "controls": list(controls), "actions": [],
        "residual_likelihood": likelihood, "residual_consequence": consequence,
        "owner": owner, "status": "identified", "identified_on": today.isoformat(),
        "next_review": (today + dt.timedelta(days=review_in_days)).isoformat(),
    }


def level_fields() -> Sequence[str]:
    """The four likelihood and consequence fields of a risk."""
    return ("inherent_likelihood", "inherent_consequence", "residual_likelihood",
            "residual_consequence")
