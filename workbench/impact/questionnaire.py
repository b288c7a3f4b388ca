"""The impact-assessment questionnaire: sections and questions as data, answers checked against it.

The shipped questions are in ``questionnaire.yaml`` next to this module. An organization adds
its own without code: a YAML file of the same shape named by ``WORKBENCH_IMPACT_QUESTIONS``
(several files separated by ``os.pathsep``) or passed to :func:`load_questionnaire`.

Examples
--------
>>> from workbench.impact.questionnaire import load_questionnaire
>>> q = load_questionnaire()
>>> q.question("prohibited.social_scoring").type
'yes_no'
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.errors import NotFoundError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "DEFAULT_PATH",
    "ENV_VAR",
    "NO",
    "UNKNOWN",
    "YES",
    "YES_NO",
    "Condition",
    "Option",
    "Question",
    "Questionnaire",
    "Section",
    "load_questionnaire",
    "normalize_answer",
    "questionnaire",
]

#: The shipped questionnaire.
DEFAULT_PATH = Path(__file__).resolve().parent / "questionnaire.yaml"
#: Environment variable naming extra questionnaire files (``os.pathsep``-separated).
ENV_VAR = "WORKBENCH_IMPACT_QUESTIONS"

YES, NO, UNKNOWN = "yes", "no", "unknown"
YES_NO = (YES, NO, UNKNOWN)
_YES_NO_LABELS = {YES: "Yes", NO: "No", UNKNOWN: "Don't know yet"}

AnswerType = Literal["yes_no", "choice", "multi_choice", "text", "long_text", "number", "date",
                     "list"]
_OPTION_SOURCES = ("eu_annex_iii_use_cases",)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _plain_scalar(value: Any) -> Any:
    """YAML reads unquoted yes/no as booleans; conditions and options mean the words."""
    if value is True:
        return YES
    if value is False:
        return NO
    return value


def _text(value: Any) -> str:
    """An answer as the text conditions compare with (``12.0`` and ``12`` both read ``12``)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, str) else str(value)


class Option(_Strict):
    """One allowed value of a choice question, with the label a person reads."""

    value: str = Field(min_length=1)
    label: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_scalar(cls, data: Any) -> Any:
        if isinstance(data, (str, bool)):
            return {"value": _plain_scalar(data)}
        if isinstance(data, Mapping) and "value" in data:
            return {**data, "value": _plain_scalar(data["value"])}
        return data

    def shown(self) -> str:
        return self.label or self.value


class Condition(_Strict):
    """When a question applies: another question's answer matches one test."""

    question: str
    equals: str | None = None
    in_: list[str] | None = Field(None, alias="in")
    includes: list[str] | None = None
    has_other_than: list[str] | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("equals", mode="before")
    @classmethod
    def _scalar(cls, value: Any) -> Any:
        return _plain_scalar(value)

    @field_validator("in_", "includes", "has_other_than", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        if value is None:
            return None
        items = value if isinstance(value, (list, tuple)) else [value]
        return [_plain_scalar(v) for v in items]

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [t for t in (self.equals, self.in_, self.includes, self.has_other_than)
                 if t is not None]
        if len(tests) != 1:
            raise ValueError("give exactly one of equals, in, includes or has_other_than")
        return self

    def holds(self, answer: Any) -> bool | None:
        """True or False, or None when the controlling question is unanswered or unknown."""
        if answer is None or answer == UNKNOWN or answer == []:
            return None
        if self.equals is not None:
            return _text(answer) == self.equals
        if self.in_ is not None:
            return _text(answer) in self.in_
        items = [_text(i) for i in (answer if isinstance(answer, list) else [answer])]
        if self.includes is not None:
            return any(i in self.includes for i in items)
        assert self.has_other_than is not None
        return any(i not in self.has_other_than for i in items)

    def describe(self) -> str:
        if self.equals is not None:
            return f"{self.question} = {self.equals}"
        if self.in_ is not None:
            return f"{self.question} in {', '.join(self.in_)}"
        if self.includes is not None:
            return f"{self.question} includes {' or '.join(self.includes)}"
        return f"{self.question} has an answer other than {', '.join(self.has_other_than or [])}"


class Question(_Strict):
    """One question: id, text, help, answer type, whether it is required, options."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*(\.[a-z0-9][a-z0-9_]*)+$")
    text: str = Field(min_length=1)
    help: str = ""
    type: AnswerType
    required: bool = False
    options: tuple[Option, ...] = ()
    options_from: str | None = None
    ask_if: Condition | None = None
    refs: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    section: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        choice = self.type in ("choice", "multi_choice")
        if self.options_from is not None and self.options_from not in _OPTION_SOURCES:
            raise ValueError(f"options_from must be one of {', '.join(_OPTION_SOURCES)}")
        if choice and not self.options and self.options_from is None:
            raise ValueError(f"a {self.type} question needs options (or options_from)")
        if not choice and (self.options or self.options_from):
            raise ValueError(f"a {self.type} question takes no options")
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise ValueError("option values must be unique")
        if self.type != "number" and (self.min is not None or self.max is not None):
            raise ValueError("min and max apply to number questions only")
        return self

    def choices(self) -> list[Option]:
        """The allowed options (for choice questions), catalog-sourced ones first."""
        found: list[Option] = []
        if self.options_from == "eu_annex_iii_use_cases":
            found.extend(_annex_iii_options())
        return [*found, *self.options]

    def option_values(self) -> list[str]:
        if self.type == "yes_no":
            return list(YES_NO)
        return [o.value for o in self.choices()]

    def option_labels(self) -> list[tuple[str, str]]:
        """``(label, value)`` pairs, for dropdowns."""
        if self.type == "yes_no":
            return [(_YES_NO_LABELS[v], v) for v in YES_NO]
        return [(o.shown(), o.value) for o in self.choices()]


@functools.lru_cache(maxsize=1)
def _annex_iii_options() -> tuple[Option, ...]:
    """Annex III use cases: every lettered point, and the areas that have none (point 2)."""
    from workbench import catalog

    items = catalog.load_catalog().eu.annex_iii
    parents = {i.parent for i in items if i.parent}
    out = []
    for item in items:
        if item.parent or item.id not in parents:
            point = item.id.removeprefix("annex3.")
            out.append(Option(value=item.id, label=f"{point} {item.title}"))
    return tuple(out)


class Section(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")
    title: str = Field(min_length=1)
    description: str = ""
    questions: tuple[Question, ...] = ()


class _File(_Strict):
    id: str = ""
    title: str = ""
    version: str = ""
    sections: tuple[Section, ...] = Field(min_length=1)


def normalize_answer(question: Question, value: Any) -> tuple[Any, str | None]:
    """Check one answer against its question.

    Returns
    -------
    (value, error)
        The answer in its stored form (``yes``/``no``/``unknown``, a number, an ISO date, a
        list of strings...) and ``None``, or the original value and a one-line message.
        ``None`` and empty text or lists mean "not answered" and come back as ``None``.
    """
    if value is None or (isinstance(value, str) and not value.strip()) or value == []:
        return None, None
    kind = question.type
    if kind == "yes_no":
        if isinstance(value, bool):
            return (YES if value else NO), None
        if isinstance(value, str) and value.strip().lower() in YES_NO:
            return value.strip().lower(), None
        return value, f"answer yes, no or unknown (got {value!r})"
    if kind == "choice":
        allowed = question.option_values()
        if isinstance(value, str) and value.strip() in allowed:
            return value.strip(), None
        return value, f"choose one of {', '.join(allowed)} (got {value!r})"
    if kind == "multi_choice":
        allowed = question.option_values()
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple, set)) or not all(isinstance(i, str) for i in items):
            return value, f"give a list of options from {', '.join(allowed)} (got {value!r})"
        items = [i.strip() for i in items if i.strip()]
        wrong = [i for i in items if i not in allowed]
        if wrong:
            return value, (f"{', '.join(repr(w) for w in wrong)} is not an option; choose from "
                           f"{', '.join(allowed)}")
        if "none" in items and len(items) > 1:
            return value, "'none' cannot be combined with other options"
        return [i for i in allowed if i in items], None  # option order, no duplicates
    if kind in ("text", "long_text"):
        if isinstance(value, str):
            return value.strip(), None
        return value, f"answer with text (got {type(value).__name__} {value!r})"
    if kind == "list":
        items = value.splitlines() if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
            return value, f"give a list of short texts (got {value!r})"
        cleaned = [i.strip() for i in items if i.strip()]
        return (cleaned or None), None
    if kind == "number":
        number = value
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                return value, f"answer with a number (got {value!r})"
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            return value, f"answer with a number (got {type(value).__name__} {value!r})"
        if math.isnan(number) or math.isinf(number):
            return value, f"answer with a finite number (got {value!r})"
        if question.min is not None and number < question.min:
            return value, f"must be at least {question.min:g} (got {number:g})"
        if question.max is not None and number > question.max:
            return value, f"must be at most {question.max:g} (got {number:g})"
        if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
            number = int(number)
        return number, None
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat(), None
        if isinstance(value, dt.date):
            return value.isoformat(), None
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()).isoformat(), None
            except ValueError:
                pass
        return value, f"answer with a date as YYYY-MM-DD (got {value!r})"
    raise AssertionError(kind)  # pragma: no cover - the model restricts the types


class Questionnaire:
    """Sections of questions, and the rules answers must follow.

    Build it with :func:`load_questionnaire` (or :func:`questionnaire` for the configured one).
    """

    def __init__(self, sections: Iterable[Section], *, sources: Iterable[str] = (),
                 title: str = "", version: str = "") -> None:
        self.sections: tuple[Section, ...] = tuple(sections)
        self.sources: tuple[str, ...] = tuple(sources)
        self.title = title
        self.version = version
        self._by_id: dict[str, Question] = {}
        for section in self.sections:
            for q in section.questions:
                self._by_id[q.id] = q

    def __repr__(self) -> str:
        return f"<Questionnaire {len(self.sections)} sections, {len(self._by_id)} questions>"

    # -- look-ups ---------------------------------------------------------------------------
    @property
    def questions(self) -> list[Question]:
        """Every question, in section order."""
        return list(self._by_id.values())

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._by_id

    def question(self, question_id: str) -> Question:
        """The question with this id; NotFoundError names close matches."""
        try:
            return self._by_id[question_id]
        except KeyError:
            from workbench.catalog._lookup import suggest

            close = suggest(question_id, tuple(self._by_id))
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise NotFoundError(
                f"no question {question_id!r} in the questionnaire{hint} "
                "(`workbench impact questionnaire` lists them)") from None

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise NotFoundError(f"no section {section_id!r}; sections: "
                            f"{', '.join(s.id for s in self.sections)}")

    # -- applicability ----------------------------------------------------------------------
    def applies(self, question: Question | str, answers: Mapping[str, Any]) -> bool | None:
        """Whether a question applies given the answers (None: depends on an open answer)."""
        q = self.question(question) if isinstance(question, str) else question
        if q.ask_if is None:
            return True
        parent = self._by_id.get(q.ask_if.question)
        if parent is not None:
            parent_applies = self.applies(parent, answers)
            if parent_applies is not True:
                return parent_applies
        return q.ask_if.holds(answers.get(q.ask_if.question))

    def prune(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers without those to questions that do not apply (e.g. a follow-up whose
        triggering answer changed), so every entry point stores the same content."""
        kept = dict(answers)
        while True:
            drop = [qid for qid in kept
                    if qid in self._by_id and self.applies(qid, kept) is not True]
            if not drop:
                return kept
            for qid in drop:
                del kept[qid]

    def applicable(self, answers: Mapping[str, Any]) -> list[Question]:
        """The questions that apply to these answers (conditional ones only when triggered)."""
        return [q for q in self._by_id.values() if self.applies(q, answers) is True]

    # -- checking ---------------------------------------------------------------------------
    def normalize(self, answers: Mapping[str, Any], *, allow_unknown_ids: bool = False
                  ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Normalize answers; returns ``(answers, errors)`` without raising.

        Unanswered questions (None, empty text or lists) are dropped. Errors are
        ``("answers.<id>", message)`` pairs.
        """
        out: dict[str, Any] = {}
        errors: list[tuple[str, str]] = []
        if not isinstance(answers, Mapping):
            return {}, [("answers", (f"give answers as a mapping of question id to answer "
                                    f"(got {type(answers).__name__})"))]
        for key, value in answers.items():
            q = self._by_id.get(key)
            if q is None:
                if allow_unknown_ids:
                    out[key] = value
                else:
                    from workbench.catalog._lookup import suggest

                    close = suggest(str(key), tuple(self._by_id))
                    hint = f"; did you mean {', '.join(close)}?" if close else ""
                    errors.append((f"answers.{key}", f"not a question of the questionnaire{hint}"))
                continue
            norm, err = normalize_answer(q, value)
            if err:
                errors.append((f"answers.{key}", err))
            elif norm is not None:
                out[key] = norm
        return out, errors

    def missing_required(self, answers: Mapping[str, Any], *, unknown_counts: bool = True
                         ) -> list[Question]:
        """Required questions that apply and have no answer (``unknown`` counts as none)."""
        missing = []
        for q in self.applicable(answers):
            if not q.required:
                continue
            value = answers.get(q.id)
            if value is None or value == [] or value == "" or (unknown_counts and value == UNKNOWN):
                missing.append(q)
        return missing

    def validate(self, answers: Mapping[str, Any], *, submit: bool = False) -> dict[str, Any]:
        """Check answers against the questionnaire and return them normalized.

        Parameters
        ----------
        answers
            ``question id -> answer``.
        submit
            Also require every applicable required question (``unknown`` is accepted in a
            draft only).

        Raises
        ------
        ValidationError
            Unknown question ids, answers of the wrong type or outside the options, and (on
            submit) required questions left open; ``errors`` holds one ``answers.<id>`` entry
            per problem.
        """
        out, errors = self.normalize(answers)
        if submit and not errors:
            for q in self.missing_required(out):
                why = "required before submitting" if out.get(q.id) != UNKNOWN else \
                    "required before submitting ('unknown' is accepted in a draft only)"
                errors.append((f"answers.{q.id}", why))
        if errors:
            ids = [f.split(".", 1)[1] if f.startswith("answers.") else f for f, _ in errors]
            if submit and all(m.startswith("required before") for _, m in errors):
                raise ValidationError(
                    f"cannot submit: {len(errors)} required question(s) unanswered: "
                    f"{', '.join(ids)}; answer them or keep the assessment as a draft", errors)
            summary = "; ".join(f"{f}: {m}" for f, m in errors)
            raise ValidationError(f"invalid answers: {summary}", errors)
        return out

    def completeness(self, answers: Mapping[str, Any]) -> tuple[int, int]:
        """``(answered, required)`` over the required questions that apply."""
        required = [q for q in self.applicable(answers) if q.required]
        answered = len(required) - len(self.missing_required(answers))
        return answered, len(required)

    # -- tables -----------------------------------------------------------------------------
    def frame(self) -> pd.DataFrame:
        """One row per question: ``section``, ``id``, ``text``, ``type``, ``required``,
        ``options``, ``ask_if``, ``refs``, ``help``."""
        import pandas as pd

        rows = [{"section": q.section, "id": q.id, "text": q.text, "type": q.type,
                 "required": q.required, "options": q.option_values(),
                 "ask_if": q.ask_if.describe() if q.ask_if else "", "refs": list(q.refs),
                 "help": q.help} for q in self.questions]
        return pd.DataFrame(rows, columns=["section", "id", "text", "type", "required",
                                           "options", "ask_if", "refs", "help"])


def _read(path: Path) -> _File:
    import yaml

    from workbench.files import read_text, yaml_problem

    if not path.exists():
        raise NotFoundError(f"questionnaire file {str(path)!r} does not exist; fix the path "
                            f"(or {ENV_VAR})")
    try:
        data = yaml.safe_load(read_text(path, what="questionnaire file"))
    except yaml.YAMLError as exc:
        raise ValidationError(f"questionnaire file {path.name}: not valid YAML "
                              f"({yaml_problem(exc)})") from None
    try:
        return _File.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors(include_url=False)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in first)
        raise ValidationError(f"questionnaire file {path.name}: {problems}",
                              [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in first]
                              ) from None


def _configured_paths() -> tuple[str, ...]:
    raw = os.environ.get(ENV_VAR, "").strip()
    return tuple(p for p in raw.split(os.pathsep) if p.strip()) if raw else ()


def load_questionnaire(*extra: str | Path, include_configured: bool = True) -> Questionnaire:
    """The shipped questionnaire plus an organization's own questions.

    Parameters
    ----------
    *extra
        Further YAML files of the same shape. A section with a new id is appended; a section
        with an existing id gets the file's questions appended to it.
    include_configured
        Also read the files named by ``WORKBENCH_IMPACT_QUESTIONS``.

    Raises
    ------
    ValidationError
        A file breaks the schema, defines a question id twice, or a condition names a
        question that does not exist.
    NotFoundError
        A file does not exist.
    """
    paths = [DEFAULT_PATH]
    if include_configured:
        paths += [Path(p) for p in _configured_paths()]
    paths += [Path(p) for p in extra]
    sections: dict[str, dict[str, Any]] = {}
    seen: dict[str, str] = {}
    head = _read(paths[0])
    for path in paths:
        spec = head if path is paths[0] else _read(path)
        for section in spec.sections:
            slot = sections.setdefault(section.id, {"section": section, "questions": []})
            for q in section.questions:
                if q.id in seen:
                    raise ValidationError(
                        f"questionnaire file {path.name}: question {q.id!r} is already defined "
                        f"in {seen[q.id]}; give your question another id",
                        [(q.id, "defined twice")])
                seen[q.id] = path.name
                slot["questions"].append(q.model_copy(update={"section": section.id}))
    built = [s["section"].model_copy(update={"questions": tuple(s["questions"])})
             for s in sections.values()]
    result = Questionnaire(built, sources=[str(p) for p in paths], title=head.title,
                           version=head.version)
    for q in result.questions:
        if q.ask_if is not None and q.ask_if.question not in result:
            raise ValidationError(
                f"questionnaire: {q.id} is asked if {q.ask_if.question!r}, which is not a "
                "question; fix ask_if", [(q.id, "ask_if names an unknown question")])
        if q.ask_if is not None and q.ask_if.question == q.id:
            raise ValidationError(f"questionnaire: {q.id} cannot depend on itself")
    return result


@functools.lru_cache(maxsize=8)
def _cached(paths: tuple[str, ...]) -> Questionnaire:
    return load_questionnaire(*paths, include_configured=False)


def questionnaire() -> Questionnaire:
    """The questionnaire in force: the shipped one plus ``WORKBENCH_IMPACT_QUESTIONS`` (cached)."""
    return _cached(_configured_paths())


