"""Fairness thresholds as configuration, each with its rationale (no pandas, no fairlearn)."""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, model_validator

from workbench.errors import NotFoundError, ValidationError

__all__ = [
    "AGGREGATE_METRICS",
    "DEFAULT_THRESHOLDS_PATH",
    "ENV_VAR",
    "FairnessConfig",
    "Threshold",
    "load_thresholds",
    "thresholds_config",
]

#: The shipped thresholds file.
DEFAULT_THRESHOLDS_PATH = Path(__file__).resolve().parent / "thresholds.yaml"
#: Environment variable naming a thresholds file that replaces the shipped one.
ENV_VAR = "WORKBENCH_FAIRNESS_THRESHOLDS"

#: Aggregate metrics computed for every sensitive feature (Fairlearn's names).
AGGREGATE_METRICS: tuple[str, ...] = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
)


class Threshold(BaseModel):
    """A screening level for one metric: flag values above (``max``) or below (``min``) it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    metric: Literal[AGGREGATE_METRICS]  # type: ignore[valid-type]
    bound: Literal["max", "min"]
    value: float
    rationale: str = Field(min_length=10, description="why this value, in a sentence or two")

    @model_validator(mode="after")
    def _sensible(self) -> Threshold:
        # A difference is 0 at parity and grows with the gap: only a largest value (max)
        # makes sense. A ratio is 1 at parity and shrinks with the gap: only a smallest (min).
        # Both lie between 0 and 1.
        difference = self.metric.endswith("_difference")
        kind = "difference" if difference else "ratio"
        wanted = "max" if difference else "min"
        if self.bound != wanted:
            why = ("0 is parity and a larger value a larger gap" if difference else
                   "1 is parity and a smaller value a larger gap")
            raise ValueError(f"{self.metric}: bound {self.bound} cannot flag a {kind} ({why}); "
                             f"use bound {wanted}")
        if not 0 <= self.value <= 1:
            raise ValueError(f"{self.metric}: value {self.value:g} is outside 0 to 1, the range "
                             f"of a {kind} of rates")
        return self

    def breached(self, observed: float | None) -> bool:
        """True when ``observed`` is outside the threshold (never for a missing value)."""
        if observed is None or math.isnan(observed):
            return False
        return observed > self.value if self.bound == "max" else observed < self.value

    def describe(self) -> str:
        return f"{self.metric} {'<=' if self.bound == 'max' else '>='} {self.value:g}"


class _MinGroup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: int = Field(ge=1)
    rationale: str = Field(min_length=10)


class FairnessConfig(BaseModel):
    """The thresholds in force and the group size below which rates are unreliable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_group_size: _MinGroup
    thresholds: tuple[Threshold, ...]
    source: str = ""

    def threshold(self, metric: str) -> Threshold | None:
        for t in self.thresholds:
            if t.metric == metric:
                return t
        return None


def _parse(data: Any, where: str) -> FairnessConfig:
    try:
        config = FairnessConfig.model_validate({**(data or {}), "source": where})
    except pydantic.ValidationError as exc:
        errors = [(".".join(str(p) for p in e["loc"]), e["msg"].removeprefix("Value error, "))
                  for e in exc.errors(include_url=False)]
        raise ValidationError(
            f"fairness thresholds in {where}: " + "; ".join(f"{f}: {m}" for f, m in errors),
            errors) from None
    metrics = [t.metric for t in config.thresholds]
    dupes = sorted({m for m in metrics if metrics.count(m) > 1})
    if dupes:
        raise ValidationError(f"fairness thresholds in {where}: {', '.join(dupes)} has more than "
                              "one threshold; keep one per metric")
    return config


def load_thresholds(source: str | Path | Mapping[str, Any] | Iterable[Any] | None = None
                    ) -> FairnessConfig:
    """Read fairness thresholds.

    Parameters
    ----------
    source
        A YAML file, a mapping of the file's shape, a list of thresholds (dicts or
        :class:`Threshold`; the shipped minimum group size is kept), or ``None`` for
        ``WORKBENCH_FAIRNESS_THRESHOLDS`` else the shipped file.

    Raises
    ------
    ValidationError
        A threshold without a rationale, an unknown metric or bound, a bound that cannot
        flag the metric (``min`` for a difference, ``max`` for a ratio), a value outside 0 to
        1, a duplicate metric.
    NotFoundError
        The file does not exist.
    """
    if source is None:
        env = os.environ.get(ENV_VAR, "").strip()
        return _cached(env or str(DEFAULT_THRESHOLDS_PATH))
    if isinstance(source, (str, Path)):
        return _read(str(source))
    if isinstance(source, FairnessConfig):
        return source
    if isinstance(source, Mapping):
        return _parse(dict(source), "the given mapping")
    items = [t.model_dump() if isinstance(t, Threshold) else t for t in source]
    base = _cached(str(DEFAULT_THRESHOLDS_PATH))
    return _parse({"min_group_size": base.min_group_size.model_dump(), "thresholds": items},
                  "the given thresholds")


def _read(path: str) -> FairnessConfig:
    import yaml

    from workbench.files import read_text, yaml_problem

    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"fairness thresholds file {path!r} does not exist; fix the path "
                            f"(or {ENV_VAR})")
    try:
        data = yaml.safe_load(read_text(p, what="fairness thresholds file"))
    except yaml.YAMLError as exc:
        raise ValidationError(f"fairness thresholds file {p.name}: not valid YAML "
                              f"({yaml_problem(exc)})") from None
    return _parse(data, p.name)


@functools.lru_cache(maxsize=8)
def _cached(path: str) -> FairnessConfig:
    return _read(path)


def thresholds_config() -> FairnessConfig:
    """The configuration in force (``WORKBENCH_FAIRNESS_THRESHOLDS`` or the shipped file)."""
    return load_thresholds(None)


