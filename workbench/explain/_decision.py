"""Explaining one decision to the person it is about (EU AI Act Art. 86; ISO/IEC 42001 A.8.2).

Two methods, each named in the result with its limits:

- **SHAP values** (when the optional ``shap`` package is installed): shap's Kernel SHAP with
  a reference sample as the background. The contributions add up to the difference between
  this row's score and the reference sample's average score.
- **Baseline substitution** (otherwise; an occlusion attribution): a feature's effect is the
  change in the score when that one value is replaced by the values of the reference sample,
  the other values kept, averaged over the reference rows. It needs nothing but the model's
  own predictions, computed in one batch.

Both describe how *the model* reacts to the values, not causes in the world.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.errors import ConfigurationError, ValidationError
from workbench.explain._checks import (
    ColumnMismatchError,
    ExplainInputError,
    Prepared,
    model_fingerprint,
    prepare,
    short_id,
)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = [
    "METHODS",
    "MSG_ROW_EXTRA",
    "MSG_ROW_MISSING",
    "DecisionExplanation",
    "decision",
    "shap_values",
]

#: Said in the limits of both methods; the sentence of such a factor says it too.
_AGAINST_TREND_LIMIT = (
    "A factor's effect can run against its usual trend (for example a value below the typical "
    "one that still raised the score while higher values usually raise it): when factors act "
    "together (interaction effects) or the model responds unevenly, the effect is measured "
    "against all the comparison values, not only the typical one; the explanation says so "
    "for each factor where this happens, and where a factor has no overall direction.")

#: The methods :func:`decision` can use: name -> (description, limits).
METHODS: dict[str, tuple[str, tuple[str, ...]]] = {
    "shap": (
        "SHAP values (shap's Kernel SHAP, with the reference sample as the background): the "
        "contributions add up to the difference between this score and the reference "
        "sample's average score.",
        ("The effects depend on the reference sample chosen as the comparison.",
         "The background treats features as independent, so correlated features may be "
         "combined into unrealistic cases.",
         _AGAINST_TREND_LIMIT,
         "They describe how the model reacts to these values, not what causes the outcome in "
         "the world, and not what the person should change.",
         "With many features the values are estimated from a sample of feature "
         "combinations.")),
    "baseline_substitution": (
        "Baseline substitution (occlusion): each factor's effect is the change in the score "
        "when that one value is replaced by the values found in the reference sample, the "
        "others kept as they are, averaged over the reference rows.",
        ("The effects depend on the reference sample chosen as the comparison.",
         "Each factor is changed on its own: when factors act together, the effects do not "
         "add up to the difference from the average score.",
         "Replacing one value may create combinations that do not occur in reality.",
         _AGAINST_TREND_LIMIT,
         "They describe how the model reacts to these values, not what causes the outcome in "
         "the world, and not what the person should change.")),
}
MSG_ROW_MISSING = "the row lacks value(s) for {columns}, which the model needs; give them"
MSG_ROW_NAN = ("the row has no value (NaN) for {columns}, which the model needs; give a "
               "value for each")
MSG_ROW_EXTRA = ("the row has value(s) for {columns}, which are not model features (features: "
                 "{features}); drop them")
_SCORE_WORDS = {"probability": "estimated probability", "decision": "score",
                "prediction": "predicted value"}


def _num(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _fmt_value(value: Any) -> str:
    value = _num(value)
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.3g}" if abs(value) >= 1 else f"{value:.3g}"
    return str(value)


@dataclass(frozen=True)
class DecisionExplanation:
    """The top factors behind one decision, with the method used and its limits.

    Attributes
    ----------
    factors
        One row per feature, most influential first: ``feature``, ``label``, ``value``,
        ``typical`` (the reference sample's median, or most common value), ``contribution``
        (in the score's units; probability points for classifiers), ``direction``
        (``raised``, ``lowered`` or ``no effect``), ``position`` (the value is ``higher``,
        ``lower`` or the ``same`` as the typical one; empty for non-numeric features),
        ``trend`` (numeric features: ``up`` when higher values raise the score across the
        reference, ``down``, or ``flat``), ``case_trend`` (the same for this case alone),
        ``against_trend`` (the direction disagrees with the position given the usual trend:
        the text says so) and ``rank``.
    score, baseline
        The model's score for this row, and its average over the reference sample.
    """

    values: dict[str, Any]
    score: float
    baseline: float
    prediction: Any
    score_kind: str
    outcome: str
    factors: pd.DataFrame
    method: str
    reference_size: int
    top: int
    model_id: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def method_description(self) -> str:
        return METHODS[self.method][0]

    @property
    def limits(self) -> tuple[str, ...]:
        return METHODS[self.method][1]

    @property
    def top_factors(self) -> pd.DataFrame:
        return self.factors.head(self.top).reset_index(drop=True)

    def _amount(self, value: float) -> str:
        if self.score_kind == "probability":
            points = abs(value) * 100
            shown = f"{points:.1f}" if points < 10 else f"{points:.0f}"
            return f"{shown} percentage point{'s' if shown != '1' else ''}"
        return _fmt_value(abs(value))

    def _score_text(self, value: float) -> str:
        return f"{value:.0%}" if self.score_kind == "probability" else _fmt_value(value)

    def sentences(self) -> list[str]:
        """The explanation as plain sentences, for a letter or a screen."""
        word = _SCORE_WORDS[self.score_kind]
        lines = [f"The model's {word} of {self.outcome} for this case is "
                 f"{self._score_text(self.score)}; across the {self.reference_size:,} cases "
                 f"used for comparison it is {self._score_text(self.baseline)} on average."]
        factors = self.top_factors
        moving = factors[factors["direction"] != "no effect"]
        if moving.empty:
            lines.append("No single factor moved it noticeably away from the comparison cases.")
        else:
            lines.append("The factors that weighed most on this result:")
            for n, row in enumerate(moving.itertuples(), start=1):
                typical = _fmt_value(row.typical)
                value = _fmt_value(row.value)
                # the comparison is with the mix of values in the comparison cases: when the
                # case holds the most common one, say so rather than "typical value: same"
                against = ("the most common value, compared with the mix of values in the "
                           "comparison cases" if value == typical
                           else f"typical value: {typical}")
                line = (f"{n}. {row.label} = {value}: {row.direction} it by "
                        f"{self._amount(row.contribution)} ({against}).")
                caveat = self.against_trend(row)
                lines.append(f"{line} {caveat}" if caveat else line)
        lines.append(f"How this was worked out: {self.method_description}")
        lines.append("Limits: " + " ".join(self.limits))
        return lines

    def against_trend(self, row: Any) -> str:
        """The caveat for a factor whose stated direction disagrees with where its value
        lies relative to the typical one, given the feature's usual trend, or whose feature
        has no usual trend ("" otherwise).

        ``row`` is a row of :attr:`factors` (a named tuple or a mapping).
        """
        get = row.get if isinstance(row, Mapping) else (lambda k, d=None: getattr(row, k, d))
        word = _SCORE_WORDS[self.score_kind]
        if get("direction") not in ("raised", "lowered"):
            return ""
        if get("trend") == "flat" and get("position") in ("higher", "lower"):
            return (f"Across the comparison cases, higher or lower values of {get('label')} do "
                    f"not move the {word} one way overall, so this effect depends on the case's "
                    "other values (an interaction effect) or on where the value lies in an "
                    "uneven response.")
        if not get("against_trend", False):
            return ""
        side = "lower" if get("position") == "lower" else "higher"
        usual = "lowers" if (get("trend") == "up") == (side == "lower") else "raises"
        head = (f"This runs against the usual trend: across the comparison cases a {side} "
                f"value of {get('label')} usually {usual} the {word}, but here it "
                f"{get('direction')} it")
        if get("case_trend") not in ("", get("trend")):
            how = "differently" if get("case_trend") == "flat" else "the other way round"
            return (f"{head}: for this case the model reacts to {get('label')} {how}, "
                    "because of how it combines with the case's other values (an interaction "
                    "effect).")
        return (f"{head}: the effect is measured against all the values in the comparison "
                "cases, not only the typical one, and those on the other side of this value "
                "weigh more (the values are spread unevenly, or the model responds unevenly "
                "to them).")

    def text(self) -> str:
        """The explanation as plain text (see :meth:`sentences`)."""
        return "\n".join(self.sentences())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the score, the factors, the method and its limits."""
        return {"score": self.score, "baseline": self.baseline, "score_kind": self.score_kind,
                "prediction": _num(self.prediction), "outcome": self.outcome,
                "method": self.method, "method_description": self.method_description,
                "limits": list(self.limits), "reference_size": self.reference_size,
                "model": self.model_id, "values": {k: _num(v) for k, v in self.values.items()},
                "factors": [{k: _num(v) for k, v in r.items()}
                            for r in self.factors.to_dict(orient="records")],
                "text": self.text(), "notes": list(self.notes)}

    def html(self) -> str:
        from workbench.explain._views import decision_html

        return decision_html(self)

    def _repr_html_(self) -> str:
        return self.html()


# --------------------------------------------------------------------------- computing


def _row_frame(row: Any, features: Sequence[str], reference: pd.DataFrame) -> pd.DataFrame:
    """One row as a frame of the model's features, in the reference's dtypes."""
    import pandas as pd

    if isinstance(row, pd.DataFrame):
        if len(row) != 1:
            raise ValidationError(f"give one row to explain, got {len(row)}")
        values = row.iloc[0].to_dict()
    elif isinstance(row, pd.Series):
        values = row.to_dict()
    elif isinstance(row, Mapping):
        values = dict(row)
    else:
        raise ValidationError(f"give the row as a dict, a Series or a one-row DataFrame, got "
                              f"{type(row).__name__}")
    values = {str(k): v for k, v in values.items()}
    missing = [f for f in features if f not in values]
    if missing:
        raise ColumnMismatchError(MSG_ROW_MISSING.format(columns=", ".join(map(repr, missing))),
                                  [(m, "missing") for m in missing])
    # named here, before the model is called on the row (it would fail with its own words)
    blank = [f for f in features if _is_blank(values[f])]
    if blank:
        raise ExplainInputError(MSG_ROW_NAN.format(columns=", ".join(map(repr, blank))),
                                [(b, "no value") for b in blank])
    return pd.DataFrame([{f: values[f] for f in features}]).astype(
        {f: reference[f].dtype for f in features}, errors="ignore")


def _is_blank(value: Any) -> bool:
    """A missing value: None, NaN, pandas' NA or NaT."""
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or another container is not one missing value
        return False


def _check_extra(row: Any, features: Sequence[str], allowed: Sequence[str]) -> None:
    import pandas as pd

    if isinstance(row, pd.DataFrame):
        keys = [str(c) for c in row.columns]
    elif isinstance(row, pd.Series):
        keys = [str(k) for k in row.index]
    elif isinstance(row, Mapping):
        keys = [str(k) for k in row]
    else:
        return
    extra = [k for k in keys if k not in features and k not in allowed]
    if extra:
        raise ColumnMismatchError(MSG_ROW_EXTRA.format(columns=", ".join(map(repr, extra)),
                                                       features=", ".join(features)),
                                  [(e, "extra") for e in extra])


def _typical(reference: pd.DataFrame) -> dict[str, Any]:
    import pandas as pd

    out = {}
    for col in reference.columns:
        s = reference[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[col] = float(s.median())
        else:
            mode = s.mode(dropna=True)
            out[col] = mode.iloc[0] if len(mode) else None
    return out


def _substitution(p: Prepared, row: pd.DataFrame, reference: pd.DataFrame) -> np.ndarray:
    """Score(row) minus the mean score with one feature at a time taken from the reference."""
    import numpy as np
    import pandas as pd

    n = len(reference)
    blocks = []
    for name in p.features:
        block = pd.DataFrame({f: np.repeat(row[f].to_numpy(), n) for f in p.features})
        block[name] = reference[name].to_numpy()
        blocks.append(block.astype({f: reference[f].dtype for f in p.features}, errors="ignore"))
    batch = pd.concat(blocks, ignore_index=True)
    scores = p.scores(batch).reshape(len(p.features), n)
    own = float(p.scores(row)[0])
    return own - scores.mean(axis=1)


def _numeric(series: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series))


def _trends(p: Prepared, reference: pd.DataFrame, one: pd.DataFrame, *, limit: float = 0.0,
            rows: int = 100, random_state: int | None = 0
            ) -> tuple[dict[str, str], dict[str, str]]:
    """The trend of each numeric feature: ``up`` when higher values raise the score, ``down``
    when they lower it, ``flat`` otherwise (a change no larger than ``limit``, the threshold
    of "no effect"); across the reference (usual) and for the case ``one`` itself.

    The score at the reference's upper quartile of the feature minus the score at its lower
    quartile (its maximum and minimum when the quartiles coincide), the other values kept:
    averaged over up to ``rows`` reference cases (partial dependence) for the usual trend.
    """
    import numpy as np
    import pandas as pd

    sample = reference if len(reference) <= rows else reference.sample(
        n=rows, random_state=random_state)
    sample = pd.concat([sample, one], ignore_index=True)  # the case is the last row
    numeric = [f for f in p.features if _numeric(reference[f])]
    points: dict[str, tuple[float, float]] = {}
    for f in numeric:
        values = reference[f].dropna().astype(float)
        if values.empty:
            continue
        lo, hi = float(values.quantile(0.25)), float(values.quantile(0.75))
        if lo == hi:
            lo, hi = float(values.min()), float(values.max())
        if lo < hi:
            points[f] = (lo, hi)
    usual = {f: "flat" for f in numeric}
    case = {f: "flat" for f in numeric}
    if not points:
        return usual, case
    blocks = []
    for f, (lo, hi) in points.items():
        for v in (lo, hi):
            block = sample.copy()
            block[f] = v
            blocks.append(block)
    batch = pd.concat(blocks, ignore_index=True).astype(
        {f: reference[f].dtype for f in p.features}, errors="ignore")
    scores = p.scores(batch).reshape(len(points), 2, len(sample))
    bar = max(limit, 1e-9)

    def word(gap: float) -> str:
        return "flat" if abs(gap) <= bar else "up" if gap > 0 else "down"

    for f, (low, high) in zip(points, scores, strict=True):
        usual[f] = word(float(np.mean(high[:-1] - low[:-1])))
        case[f] = word(float(high[-1] - low[-1]))
    return usual, case


def _against_trend(factors: pd.DataFrame, trends: tuple[Mapping[str, str], Mapping[str, str]]
                   ) -> None:
    """Add ``position`` (``higher``/``lower``/``same`` than typical, or ``""``), ``trend``
    (usual), ``case_trend`` (for this case) and ``against_trend``: the stated direction
    disagrees with the value's side of the typical value given the feature's usual trend."""
    usual, case = trends
    positions, trend_col, case_col, against = [], [], [], []
    for r in factors.itertuples():
        trend = usual.get(r.feature, "")
        position = ""
        if trend:
            value, typical = _num(r.value), _num(r.typical)
            if isinstance(value, (int, float)) and isinstance(typical, (int, float)) \
                    and not isinstance(value, bool):
                position = ("higher" if value > typical else "lower" if value < typical
                            else "same")
        expected = ""
        if trend in ("up", "down") and position in ("higher", "lower"):
            expected = "raised" if (trend == "up") == (position == "higher") else "lowered"
        positions.append(position)
        trend_col.append(trend)
        case_col.append(case.get(r.feature, ""))
        against.append(bool(expected) and r.direction in ("raised", "lowered")
                       and r.direction != expected)
    factors["position"] = positions
    factors["trend"] = trend_col
    factors["case_trend"] = case_col
    factors["against_trend"] = against


def shap_values(p: Prepared, rows: pd.DataFrame, reference: pd.DataFrame, *,
                random_state: int | None = 0) -> np.ndarray:
    """SHAP values of ``rows`` (one column per feature) from shap's Kernel SHAP, with
    ``reference`` as the background.

    Raises
    ------
    ConfigurationError
        The ``shap`` package is not installed.
    """
    import numpy as np
    import pandas as pd

    try:
        import shap
    except ImportError:
        from workbench.explain._compute import MSG_SHAP_REQUIRED

        raise ConfigurationError(MSG_SHAP_REQUIRED.replace("shap=True", "SHAP values"),
                                 ) from None
    dtypes = {f: reference[f].dtype for f in p.features}
    # shap's masker works on numbers: non-numeric features travel as codes and are decoded
    # before the model sees them.
    codes: dict[str, list[Any]] = {}
    for f in p.features:
        if not pd.api.types.is_numeric_dtype(reference[f]) or \
                pd.api.types.is_bool_dtype(reference[f]):
            codes[f] = list(dict.fromkeys([*reference[f].tolist(), *rows[f].tolist()]))

    def encode(frame: pd.DataFrame) -> np.ndarray:
        out = frame[p.features].copy()
        for f, values in codes.items():
            out[f] = out[f].map({v: i for i, v in enumerate(values)})
        return out.to_numpy(dtype=float)

    def score(array: Any) -> np.ndarray:
        frame = pd.DataFrame(np.asarray(array, dtype=float), columns=p.features)
        data = {f: (frame[f].round().astype(int).map(dict(enumerate(codes[f])))
                    if f in codes else frame[f]) for f in p.features}
        return p.scores(pd.DataFrame(data).astype(dtypes, errors="ignore"))

    # Kernel SHAP: model-agnostic and free of just-in-time compilation (the permutation and
    # exact explainers compile for tens of seconds on first use). It samples coalitions with
    # numpy's global generator, so that is seeded here and restored afterwards.
    import logging

    state = np.random.get_state()
    np.random.seed(0 if random_state is None else random_state)
    quiet = logging.getLogger("shap")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # its advice on background sizes is for interactive use
    try:
        explainer = shap.KernelExplainer(score, encode(reference), silent=True)
        values = explainer.shap_values(encode(rows), silent=True)
    finally:
        np.random.set_state(state)
        quiet.setLevel(level)
    values = np.asarray(values, dtype=float)
    return values.reshape(len(rows), len(p.features))


def decision(model: Any, row: Any, *, reference: pd.DataFrame, top: int = 3,
             feature_labels: Mapping[str, str] | None = None, outcome: str | None = None,
             method: str = "auto", reference_size: int = 200, random_state: int | None = 0,
             pos_label: Any = None, ignore: Sequence[str] = (), threshold: float | None = None,
             model_version: str | None = None) -> DecisionExplanation:
    """Explain one decision in plain language: the top factors, their direction and size.

    Parameters
    ----------
    model
        The fitted estimator (binary classifier or regressor).
    row
        The case: a dict, a Series or a one-row DataFrame with a value for every model
        feature (other keys are refused, except ``ignore``).
    reference
        The comparison population (e.g. recent applications): its model features are used,
        other columns are ignored; ``reference_size`` rows are sampled from it.
    top
        How many factors the explanation names.
    feature_labels
        Plain names for features (``{"dti": "debt-to-income ratio"}``).
    outcome
        What the score is the probability of, in words (``"approval"``); default: the
        positive class.
    method
        ``"auto"`` (SHAP when ``shap`` is installed, else baseline substitution), ``"shap"``
        or ``"baseline_substitution"``.
    threshold
        Contributions smaller than this (in score units; default 0.005 for probabilities)
        are reported as ``no effect``.

    Returns
    -------
    DecisionExplanation
        ``text()`` for the person concerned, ``factors`` as a table, ``method`` and
        ``limits`` saying how it was computed and what it cannot tell.

    Raises
    ------
    ExplainInputError
        Not an estimator, a row without a model feature or with an unknown one, a reference
        without the model's features, or values the model cannot take.
    ConfigurationError
        ``method="shap"`` without the ``shap`` package.
    """
    import numpy as np
    import pandas as pd

    from workbench.explain._compute import shap_available

    if method not in ("auto", "shap", "baseline_substitution"):
        raise ValidationError(f"method {method!r}: use auto, shap or baseline_substitution",
                              [("method", "unknown")])
    if not isinstance(top, int) or top < 1:
        raise ValidationError(f"top must be at least 1 (got {top!r})", [("top", "at least 1")])
    if not isinstance(reference, pd.DataFrame) or reference.empty:
        raise ExplainInputError("give a reference sample (a non-empty DataFrame of cases to "
                                "compare with, e.g. recent applications)")
    named = getattr(model, "feature_names_in_", None)
    if named is not None:
        absent = [str(f) for f in named if str(f) not in set(map(str, reference.columns))]
        if absent:
            raise ColumnMismatchError(f"the reference sample lacks the model feature(s) "
                                      f"{', '.join(map(repr, absent))}; give cases with every "
                                      "feature", [(a, "missing") for a in absent])
        ignore = [*ignore, *[str(c) for c in reference.columns if str(c) not in
                             set(map(str, named))]]
    p = prepare(model, reference, ignore=ignore, pos_label=pos_label)
    _check_extra(row, p.features, list(ignore))
    ref = p.X if len(p.X) <= reference_size else p.X.sample(n=reference_size,
                                                            random_state=random_state)
    ref = ref.reset_index(drop=True)
    one = _row_frame(row, p.features, ref)
    try:
        score = float(p.scores(one)[0])
        predicted = np.asarray(model.predict(p.inputs(one))).ravel()[0]
    except Exception as exc:  # noqa: BLE001 - a value the model cannot take, in one line
        from workbench.explain._checks import _first_line

        raise ExplainInputError(f"the model cannot score this row: {_first_line(exc)}; check "
                                "its values") from None
    use = method
    notes: list[str] = []
    if method == "auto":
        use = "shap" if shap_available() else "baseline_substitution"
        if use == "baseline_substitution":
            notes.append("shap is not installed, so baseline substitution was used")
    if use == "shap":
        contributions = shap_values(p, one, ref, random_state=random_state)[0]
    else:
        contributions = _substitution(p, one, ref)
    baseline = float(p.scores(ref).mean())
    limit = threshold if threshold is not None else (0.005 if p.score_kind == "probability"
                                                     else 0.0)
    labels = dict(feature_labels or {})
    typical = _typical(ref)
    factors = pd.DataFrame({
        "feature": p.features, "label": [labels.get(f, f) for f in p.features],
        "value": [one.at[0, f] for f in p.features],
        "typical": [typical[f] for f in p.features],
        "contribution": np.asarray(contributions, dtype=float)})
    factors["direction"] = np.where(factors["contribution"].abs() <= limit, "no effect",
                                    np.where(factors["contribution"] > 0, "raised", "lowered"))
    _against_trend(factors, _trends(p, ref, one, limit=limit,
                                    random_state=random_state))
    factors = factors.reindex(factors["contribution"].abs().sort_values(
        ascending=False, kind="stable").index).reset_index(drop=True)
    factors["rank"] = range(1, len(factors) + 1)
    if outcome is None:
        outcome = (f"class {p.positive!r}" if p.task == "classification" else "the outcome")
    try:
        fp = short_id(model_fingerprint(model, model_version))
    except ValidationError:
        fp = "unknown"
    return DecisionExplanation(
        values={f: one.at[0, f] for f in p.features}, score=score, baseline=baseline,
        prediction=predicted, score_kind=p.score_kind, outcome=outcome, factors=factors,
        method=use, reference_size=len(ref), top=min(top, len(p.features)), model_id=fp,
        notes=tuple(notes))
