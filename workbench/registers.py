"""Registers that hold a record no longer passing its checks: keep the rest, name the problem.

Every save is validated, but a store outlives its rules: a version saved by an older release
(before a check existed) or written around the library can fail today's model. One such
record must never break a page or a command. :func:`read_register` loads a register in one
query (like :meth:`Store.frame <workbench.store.Store.frame>`) and splits it: the rows whose
record passes its model, and one :class:`RecordProblem` per row that does not, naming the
record, its version and the field. Pages and commands compute from the valid rows and show
each problem as one line (``str(problem)``).

A frame computed from a checked register carries the problems along in ``frame.attrs``
(:func:`with_problems`, :func:`problems_of`), so the function that returns it keeps its
signature.

Examples
--------
>>> problem = RecordProblem(kind="impact_assessment", record_id="ia-cv", version=3,
...                         errors=(("answers.prohibited.social_scoring",
...                                  "answer yes, no or unknown (got 'maybe')"),))
>>> problem.label, problem.field
("impact assessment 'ia-cv' version 3", 'answers.prohibited.social_scoring')
>>> str(problem).endswith("(got 'maybe'); save a corrected version")
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from workbench.errors import NotFoundError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store, StoredVersion

__all__ = [
    "CheckedRegister",
    "InvalidRecordError",
    "RecordProblem",
    "check_content",
    "check_frame",
    "parsed_versions",
    "problems_html",
    "problems_of",
    "read_register",
    "require_ids",
    "with_problems",
]

_ATTR = "problems"


@dataclass(frozen=True)
class RecordProblem:
    """A stored record that fails its model: which record, which version, which fields."""

    kind: str
    record_id: str
    version: int | None
    errors: tuple[tuple[str, str], ...]
    #: The AI system the record is about, when its content names one (``system_id``).
    system_id: str | None = None

    @property
    def field(self) -> str:
        """The first field at fault (``answers.prohibited.social_scoring``)."""
        return self.errors[0][0] if self.errors else "(record)"

    @property
    def message(self) -> str:
        """What is wrong with :attr:`field`, plus how many other problems the record has."""
        text = self.errors[0][1] if self.errors else "does not pass its checks"
        more = len(self.errors) - 1
        return text + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0
                       else "")

    @property
    def label(self) -> str:
        """The record as people name it: ``impact assessment 'ia-cv' version 3``."""
        from workbench.model import model_for

        try:
            kind = model_for(self.kind).label
        except LookupError:
            kind = self.kind.replace("_", " ")
        version = f" version {self.version}" if self.version is not None else ""
        return f"{kind} {self.record_id!r}{version}"

    def __str__(self) -> str:
        return (f"{self.label} is left out: {self.field}: {self.message}; save a corrected "
                "version")


class InvalidRecordError(ValidationError):
    """A stored version that fails its model when read (see :class:`RecordProblem`)."""

    def __init__(self, problem: RecordProblem) -> None:
        super().__init__(f"{problem.label} fails its checks: {problem.field}: "
                         f"{problem.message}; save a corrected version", list(problem.errors))
        self.problem = problem


class CheckedRegister(NamedTuple):
    """A register split by :func:`read_register`: the valid rows and the problems."""

    frame: pd.DataFrame
    problems: tuple[RecordProblem, ...]


def _absent(value: Any) -> bool:
    """A cell the frame filled in for a key the stored JSON did not have (JSON has no NaN)."""
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:  # pragma: no cover
        return False


def check_content(kind: str, content: dict[str, Any], *, record_id: str | None = None,
                  version: int | None = None) -> RecordProblem | None:
    """The problem of one stored record's content, or None when it passes its model."""
    import pydantic

    from workbench.model import model_for
    from workbench.model._base import format_validation_error

    cls = model_for(kind)
    try:
        cls.model_validate(content)
    except pydantic.ValidationError as exc:
        errors = format_validation_error(cls, exc).errors
        rid = record_id if record_id is not None else str(content.get("id", "?"))
        about = content.get("system_id")
        return RecordProblem(kind=cls.kind, record_id=rid, version=version,
                             errors=tuple(errors),
                             system_id=about if isinstance(about, str) else None)
    return None


def check_frame(kind: str, frame: pd.DataFrame) -> CheckedRegister:
    """Split a register frame (``store.frame(kind)``) into valid rows and problems.

    Each row is validated as its record model (the fields in the frame; cells the frame
    filled for keys the stored record lacks are left to the model's defaults). A model with
    a ``register_screen(frame)`` classmethod (a boolean Series of rows that may fail, e.g.
    :meth:`Risk.register_screen <workbench.risk.Risk.register_screen>` for registers of
    tens of thousands of rows) has only the rows it flags validated. The valid rows keep
    every column (with a fresh range index), so code written for ``store.frame`` reads them
    unchanged.
    """
    from workbench.model import model_for

    cls = model_for(kind)
    if frame.empty:
        return CheckedRegister(frame, ())
    screen = getattr(cls, "register_screen", None)
    suspect = frame
    if screen is not None:
        mask = screen(frame).to_numpy(dtype=bool)
        if not mask.any():  # the usual case: no copy of the frame at all
            return CheckedRegister(frame, ())
        suspect = frame[mask]
    fields = [f for f in cls.model_fields if f in suspect.columns]
    # Column lists zipped into rows: several times faster than DataFrame.to_dict.
    columns = [suspect[f].tolist() for f in fields]
    versions = (suspect["_version"].tolist() if "_version" in suspect.columns
                else [None] * len(suspect))
    bad: list[Any] = []
    problems: list[RecordProblem] = []
    for index, values, version in zip(suspect.index, zip(*columns), versions, strict=True):
        row = dict(zip(fields, values))
        content = {k: v for k, v in row.items() if not _absent(v)}
        problem = check_content(cls.kind, content, record_id=str(row.get("id")),
                                version=None if version is None else int(version))
        if problem is not None:
            bad.append(index)
            problems.append(problem)
    if not bad:
        return CheckedRegister(frame, ())
    return CheckedRegister(frame.drop(index=bad).reset_index(drop=True), tuple(problems))


def read_register(store: Store, kind: str, *, meta: bool = True) -> CheckedRegister:
    """The register of ``kind`` (one query), split into valid rows and problems.

    Parameters
    ----------
    store
        The workbench store.
    kind
        A record kind (``"impact_assessment"``).
    meta
        Keep the ``_version``, ``_saved_by``... columns (the problems name the version
        either way).

    Returns
    -------
    CheckedRegister
        ``frame`` holds the rows that pass their model, carrying the problems in its
        ``attrs`` (see :func:`problems_of`); ``problems`` names each row left out.
    """
    frame = store.frame(kind)
    checked = check_frame(kind, frame)
    valid = checked.frame
    if not meta:
        valid = valid.drop(columns=[c for c in valid.columns if c.startswith("_")])
    return CheckedRegister(with_problems(valid, checked.problems), checked.problems)


def parsed_versions(versions: Iterable[StoredVersion]
                    ) -> tuple[list[StoredVersion], tuple[RecordProblem, ...]]:
    """The versions whose record parses (``.record`` is ready), and the problem of each
    that does not; for code that reads records one by one (``store.latest(kind)``)."""
    good: list[StoredVersion] = []
    problems: list[RecordProblem] = []
    for version in versions:
        try:
            version.record
        except InvalidRecordError as exc:
            problems.append(exc.problem)
        else:
            good.append(version)
    return good, tuple(problems)


def with_problems(frame: pd.DataFrame, *groups: Iterable[RecordProblem]) -> pd.DataFrame:
    """``frame`` carrying the problems of every group (deduplicated, in order) in its attrs."""
    seen: dict[tuple[str, str, int | None], RecordProblem] = {}
    for group in groups:
        for p in group:
            seen.setdefault((p.kind, p.record_id, p.version), p)
    frame.attrs[_ATTR] = tuple(seen.values())
    return frame


def problems_of(*frames: Any) -> tuple[RecordProblem, ...]:
    """The problems carried by frames computed from checked registers (none for others)."""
    seen: dict[tuple[str, str, int | None], RecordProblem] = {}
    for frame in frames:
        attrs = getattr(frame, "attrs", None) or {}
        for p in attrs.get(_ATTR, ()):
            seen.setdefault((p.kind, p.record_id, p.version), p)
    return tuple(seen.values())


def problems_html(problems: Iterable[RecordProblem]) -> str:
    """A warning block listing each problem on its own line (empty when there is none)."""
    from workbench.render import esc

    items = "".join(f"<li>{esc(p)}</li>" for p in problems)
    if not items:
        return ""
    return ('<div class="wb-record-problems" style="color:#9a6700;border-left:3px solid '
            '#9a6700;padding:4px 10px;margin:6px 0">Records left out because they fail their '
            f'checks:<ul style="margin:4px 0 0 0">{items}</ul></div>')


def require_ids(kind: str, wanted: str | Iterable[str] | None, known: Iterable[Any]) -> None:
    """Refuse ids of ``kind`` that are not among ``known`` (an unknown id is an error, never
    an empty result).

    Raises
    ------
    NotFoundError
        Naming the first unknown id and the closest known ones.
    """
    import difflib

    from workbench.model import model_for

    if wanted is None:
        return
    ids = [wanted] if isinstance(wanted, str) else [str(w) for w in wanted]
    have = {str(k) for k in known}
    for rid in ids:
        if rid not in have:
            close = difflib.get_close_matches(rid, sorted(have), n=3, cutoff=0.6)
            hint = (f"did you mean {', '.join(repr(c) for c in close)}?" if close
                    else "check the id")
            raise NotFoundError(f"no {model_for(kind).label} {rid!r} in the store; {hint} "
                                f"(`workbench list {kind}` shows them)")
