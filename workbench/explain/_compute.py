"""Explanations computed from the model itself: permutation importance with its spread,
partial dependence of the most important features, performance overall and by group
(:mod:`workbench.fairness`), calibration, and SHAP values when ``shap`` is installed.

Every figure comes from scikit-learn (``sklearn.inspection``, ``sklearn.calibration``,
``sklearn.metrics``) or Fairlearn, called with the settings recorded in the result, so anyone
can recompute it from the same model and data.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.errors import ConfigurationError, ValidationError
from workbench.explain._checks import (
    DATA_FINGERPRINT_METHOD,
    Prepared,
    check_target,
    data_fingerprint,
    model_fingerprint,
    prepare,
    short_id,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

    from workbench.fairness import FairnessResult

__all__ = [
    "IMPORTANCE_COLUMNS",
    "MSG_SHAP_REQUIRED",
    "SHAP_EXTRA_NOTE",
    "ExplanationResult",
    "explain",
    "importance",
    "shap_available",
]

IMPORTANCE_COLUMNS = ["feature", "importance_mean", "importance_std", "importance_min",
                      "importance_max", "rank"]
SHAP_EXTRA_NOTE = ("SHAP values were not computed: the shap package is not installed "
                   "(pip install 'iso42001-workbench[explain]')")
MSG_SHAP_REQUIRED = ("shap=True needs the shap package, which is not installed: install the "
                     "[explain] extra (pip install 'iso42001-workbench[explain]') or pass "
                     "shap=False")


def shap_available() -> bool:
    """True when the optional ``shap`` package can be imported."""
    try:
        import shap  # noqa: F401
    except ImportError:
        return False
    return True


def _num(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    if df is None:
        return []
    return [{k: _num(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


# --------------------------------------------------------------------------- importance


def _importance_frame(features: Sequence[str], raw: Any) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    values = np.asarray(raw.importances, dtype=float)
    df = pd.DataFrame({"feature": list(features), "importance_mean": raw.importances_mean,
                       "importance_std": raw.importances_std,
                       "importance_min": values.min(axis=1), "importance_max": values.max(axis=1)})
    df["rank"] = df["importance_mean"].rank(ascending=False, method="first").astype(int)
    return df.sort_values("rank").reset_index(drop=True)


def importance(model: Any, X: pd.DataFrame, y: Any, *, n_repeats: int = 5,
               random_state: int | None = 0, scoring: Any = None, n_jobs: int | None = None,
               max_samples: float | int = 1.0) -> pd.DataFrame:
    """Permutation importance of each column of ``X`` (``sklearn.inspection``).

    Each feature is shuffled ``n_repeats`` times and the drop in the score (``scoring``, by
    default the estimator's ``score``: accuracy for classifiers, R² for regressors) is
    recorded; a feature the model does not use scores 0.

    Returns
    -------
    pandas.DataFrame
        ``feature``, ``importance_mean``, ``importance_std``, ``importance_min``,
        ``importance_max`` (the spread over the repeats) and ``rank`` (1 = most important),
        most important first.

    Raises
    ------
    ExplainInputError
        See :func:`explain` (the model, the columns, the target).
    """
    import pandas as pd
    from sklearn.inspection import permutation_importance

    if not isinstance(X, pd.DataFrame):
        raise ValidationError(f"X must be a pandas DataFrame of the model's features, got "
                              f"{type(X).__name__}")
    _check_repeats(n_repeats)
    prepared = prepare(model, X)
    check_target(prepared, y, "y")
    # The caller's own objects go to scikit-learn untouched: no copy, no overhead of ours.
    data = X if [str(c) for c in X.columns] == prepared.features else X[prepared.features]
    raw = permutation_importance(model, data if prepared.named else data.to_numpy(), y,
                                 n_repeats=n_repeats, random_state=random_state,
                                 scoring=scoring, n_jobs=n_jobs, max_samples=max_samples)
    return _importance_frame(prepared.features, raw)


def _check_repeats(n_repeats: int) -> None:
    if not isinstance(n_repeats, int) or isinstance(n_repeats, bool) or n_repeats < 1:
        raise ValidationError(f"n_repeats must be a whole number of at least 1 (got "
                              f"{n_repeats!r})", [("n_repeats", "at least 1")])


# --------------------------------------------------------------------------- the result


#: Fewer rows than this: the explanation says its figures are unstable (a note in the evidence).
MIN_RELIABLE_ROWS = 100


@dataclass(frozen=True)
class ExplanationResult:
    """What :func:`explain` found for one model on one data set.

    Attributes
    ----------
    importance
        Permutation importance per feature with its spread over the repeats (see
        :func:`importance`).
    partial_dependence
        ``feature``, ``value``, ``average`` (the mean score when every row takes ``value``)
        for the ``top`` most important features.
    performance
        Overall metrics (classifiers: accuracy, balanced accuracy, ROC AUC, Brier score;
        regressors: R², mean absolute error, root mean squared error).
    by_group
        Performance by sensitive feature and group (classifiers: Fairlearn's figures via
        :func:`workbench.fairness.assess`; regressors: error by group).
    fairness
        The :class:`~workbench.fairness.FairnessResult` behind ``by_group`` (classifiers).
    calibration
        ``bin``, ``mean_predicted``, ``fraction_positive``, ``count`` (classifiers with
        probabilities; ``sklearn.calibration.calibration_curve``).
    shap
        ``feature``, ``mean_abs_shap`` when SHAP values were computed, else None.
    model
        The model's fingerprint (see :func:`~workbench.explain.model_fingerprint`).
    data_fingerprint
        SHA-256 of the data explained (features, target, sensitive columns).
    """

    task: str
    target: str
    positive_class: Any
    features: list[str]
    feature_types: dict[str, str]
    score_kind: str
    importance: pd.DataFrame
    partial_dependence: pd.DataFrame
    performance: dict[str, float | None]
    by_group: pd.DataFrame
    calibration: pd.DataFrame | None
    shap: pd.DataFrame | None
    model: dict[str, Any]
    data_fingerprint: str
    sample_size: int
    settings: dict[str, Any]
    fairness: FairnessResult | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def model_id(self) -> str:
        """The model's short identity (12 hex of its hash, else its declared version)."""
        return short_id(self.model)

    def top_features(self, n: int | None = None) -> list[str]:
        """Features by permutation importance, most important first."""
        n = n or int(self.settings.get("top", 3))
        return list(self.importance["feature"].head(n))

    def summary(self) -> str:
        """One line: the model, the rows, the most important features and the headline score."""
        tops = ", ".join(f"{r.feature} ({r.importance_mean:.3f} ± {r.importance_std:.3f})"
                         for r in self.importance.head(3).itertuples())
        key = "accuracy" if self.task == "classification" else "r2"
        score = self.performance.get(key)
        shown = f"; {key} {score:.3f}" if isinstance(score, float) else ""
        return (f"{self.model['estimator']} {self.model_id} on {self.sample_size:,} rows: most "
                f"important {tops}{shown}")

    def details(self) -> dict[str, Any]:
        """A JSON-ready record of every figure and setting (NaN becomes None)."""
        out: dict[str, Any] = {
            "method": "workbench.explain",
            "task": self.task, "target": self.target,
            "positive_class": _num(self.positive_class), "features": list(self.features),
            "feature_types": dict(self.feature_types), "score_kind": self.score_kind,
            "model": dict(self.model), "data_fingerprint": self.data_fingerprint,
            "data_fingerprint_method": DATA_FINGERPRINT_METHOD,
            "sample_size": self.sample_size, "settings": dict(self.settings),
            "importance": _records(self.importance),
            "partial_dependence": _records(self.partial_dependence),
            "performance": {k: _num(v) for k, v in self.performance.items()},
            "by_group": _records(self.by_group),
            "calibration": _records(self.calibration),
            "shap": _records(self.shap),
            "notes": list(self.notes),
        }
        if self.fairness is not None:
            out["fairness_metrics"] = _records(self.fairness.metrics)
            out["group_sizes"] = self.fairness.group_sizes
        return out

    # -- figures -------------------------------------------------------------------------------
    def importance_figure(self) -> go.Figure:
        from workbench.explain._views import importance_figure

        return importance_figure(self.importance, title_suffix=self.model_id)

    def partial_dependence_figure(self) -> go.Figure:
        from workbench.explain._views import partial_dependence_figure

        return partial_dependence_figure(self.partial_dependence, score_kind=self.score_kind)

    def calibration_figure(self) -> go.Figure:
        from workbench.explain._views import calibration_figure

        return calibration_figure(self.calibration)

    def group_figure(self, metric: str | None = None, feature: str | None = None) -> go.Figure:
        from workbench.explain._views import group_figure

        return group_figure(self.by_group, metric=metric, feature=feature)

    def _repr_html_(self) -> str:
        from workbench.explain._views import explanation_html

        return explanation_html(self.details())


# --------------------------------------------------------------------------- pieces


def _partial_dependence(p: Prepared, features: Sequence[str], *, grid_resolution: int,
                        rows: int, random_state: int | None) -> pd.DataFrame:
    import numpy as np
    import pandas as pd
    from sklearn.inspection import partial_dependence

    sample = p.X
    if len(sample) > rows:
        sample = sample.sample(n=rows, random_state=random_state)
    parts = []
    response = "predict_proba" if p.score_kind == "probability" else (
        "decision_function" if p.score_kind == "decision" else "auto")
    for name in features:
        index = p.features.index(name)
        column = p.X[name]
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(
            column)
        # scikit-learn refuses a grid over integers: counts with few values are taken as
        # they are (each value a grid point), other integers as floats.
        categorical = not numeric or (pd.api.types.is_integer_dtype(column)
                                      and column.nunique() <= grid_resolution)
        data = sample
        if numeric and not categorical and pd.api.types.is_integer_dtype(column):
            data = sample.astype({name: "float64"})
        key = name if p.named else index
        result = partial_dependence(
            p.model, p.inputs(data), [key], categorical_features=[key] if categorical else None,
            grid_resolution=grid_resolution, kind="average", method="brute",
            response_method=response if p.task == "classification" else "auto",
            feature_names=None if p.named else p.features)
        average = np.asarray(result["average"])
        # A binary classifier's average is the positive class's score, one row.
        values = np.asarray(result["grid_values"][0])
        if p.task == "classification" and p.classes.index(p.positive) == 0:
            average = 1.0 - average if p.score_kind == "probability" else -average
        parts.append(pd.DataFrame({"feature": name, "value": values.astype(object) if not
                                   numeric else values.astype(float),
                                   "average": average[0].astype(float)}))
    if not parts:
        return pd.DataFrame(columns=["feature", "value", "average"])
    return pd.concat(parts, ignore_index=True)


def _calibration(y01: Any, scores: Any, n_bins: int) -> pd.DataFrame:
    import numpy as np
    import pandas as pd
    from sklearn.calibration import calibration_curve

    fraction, mean_predicted = calibration_curve(y01, scores, n_bins=n_bins, strategy="uniform")
    # The rows per bin, counted with calibration_curve's own bin edges (empty bins dropped).
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(edges[1:-1], scores)
    totals = np.bincount(ids, minlength=len(edges))
    used = np.nonzero(totals)[0]
    return pd.DataFrame({"bin": used.astype(int), "mean_predicted": mean_predicted,
                         "fraction_positive": fraction, "count": totals[used].astype(int)})


def _performance(p: Prepared, scores: Any, predicted: Any) -> dict[str, float | None]:
    import numpy as np
    from sklearn import metrics as m

    if p.task == "regression":
        y = np.asarray(p.y, dtype=float)
        return {"r2": float(m.r2_score(y, predicted)),
                "mean_absolute_error": float(m.mean_absolute_error(y, predicted)),
                "root_mean_squared_error": float(np.sqrt(m.mean_squared_error(y, predicted)))}
    y01 = (p.y == p.positive).astype(int).to_numpy()
    pred01 = (np.asarray(predicted) == p.positive).astype(int)
    out: dict[str, float | None] = {
        "accuracy": float(m.accuracy_score(y01, pred01)),
        "balanced_accuracy": float(m.balanced_accuracy_score(y01, pred01)),
        "positive_rate": float(pred01.mean()),
        "roc_auc": None, "brier_score": None}
    if p.score_kind in ("probability", "decision"):
        out["roc_auc"] = float(m.roc_auc_score(y01, scores))
    if p.score_kind == "probability":
        out["brier_score"] = float(m.brier_score_loss(y01, scores))
    return out


def _by_group(p: Prepared, scores: Any, predicted: Any, *, min_group_size: int | None
              ) -> tuple[pd.DataFrame, FairnessResult | None]:
    import numpy as np
    import pandas as pd

    if p.sensitive is None:
        return pd.DataFrame(columns=["feature", "group", "count"]), None
    if p.task == "classification":
        from workbench import fairness

        y01 = (p.y == p.positive).astype(int).to_numpy()
        pred01 = (np.asarray(predicted) == p.positive).astype(int)
        result = fairness.assess(y01, pred01, p.sensitive,
                                 scores=scores if p.score_kind == "probability" else None,
                                 min_group_size=min_group_size,
                                 columns={"label": p.target or "label",
                                          "prediction": "prediction", "score": "score"},
                                 source="workbench.explain")
        return result.by_group, result
    y = np.asarray(p.y, dtype=float)
    err = np.abs(y - np.asarray(predicted, dtype=float))
    parts = []
    for col in p.sensitive.columns:
        frame = pd.DataFrame({"group": p.sensitive[col].to_numpy(), "err": err,
                              "pred": np.asarray(predicted, dtype=float), "y": y})
        g = frame.groupby("group", sort=True)
        table = pd.DataFrame({"count": g.size(), "mean_absolute_error": g["err"].mean(),
                              "mean_prediction": g["pred"].mean(),
                              "mean_target": g["y"].mean()}).reset_index()
        table.insert(0, "feature", str(col))
        parts.append(table)
    return pd.concat(parts, ignore_index=True), None


def _shap_global(p: Prepared, *, rows: int, background: int, random_state: int | None
                 ) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    from workbench.explain._decision import shap_values

    sample = p.X if len(p.X) <= rows else p.X.sample(n=rows, random_state=random_state)
    reference = p.X if len(p.X) <= background else p.X.sample(n=background,
                                                               random_state=random_state)
    values = shap_values(p, sample, reference, random_state=random_state)
    return pd.DataFrame({"feature": p.features,
                         "mean_abs_shap": np.abs(values).mean(axis=0).astype(float)}
                        ).sort_values("mean_abs_shap", ascending=False).reset_index(drop=True)


def _feature_types(X: pd.DataFrame) -> dict[str, str]:
    return {str(c): str(t) for c, t in X.dtypes.items()}


# --------------------------------------------------------------------------- explain


def explain(model: Any, data: pd.DataFrame, *, target: str,
            sensitive: Sequence[str] | str = (), ignore: Sequence[str] | str = (),
            n_repeats: int = 5, random_state: int | None = 0, scoring: Any = None,
            top: int = 3, grid_resolution: int = 20, pd_rows: int = 1000, n_bins: int = 10,
            shap: bool | str = "auto", shap_rows: int = 50, pos_label: Any = None,
            min_group_size: int | None = None, model_version: str | None = None,
            n_jobs: int | None = None) -> ExplanationResult:
    """Explain a fitted estimator on a data frame (for evidence of A.6.2.7 and A.8.2).

    Parameters
    ----------
    model
        A fitted scikit-learn estimator or pipeline (binary classifier or regressor).
    data
        Rows to explain on (held-out data, ideally): the model's feature columns, the
        ``target`` column, the ``sensitive`` columns, and ``ignore`` columns (e.g. an id).
        Any other column is refused.
    target
        The true outcome column.
    sensitive
        Columns to compare performance by group (they need not be model inputs).
    n_repeats, random_state, scoring, n_jobs
        Passed to ``sklearn.inspection.permutation_importance``.
    top
        Partial dependence is computed for this many of the most important features.
    grid_resolution, pd_rows
        Grid points per feature and rows sampled for partial dependence.
    n_bins
        Bins of the calibration curve (uniform on [0, 1]).
    shap
        ``"auto"`` computes mean absolute SHAP values when ``shap`` is installed; ``True``
        requires it; ``False`` skips it.
    model_version
        A declared version; required when the model cannot be pickled to fingerprint it.

    Returns
    -------
    ExplanationResult

    Raises
    ------
    ExplainInputError
        An object without ``predict`` or not fitted (:class:`NotAnEstimatorError`), missing
        or extra columns (:class:`ColumnMismatchError`), a non-numeric column the model
        cannot take (:class:`NonNumericColumnError`), a target with one class
        (:class:`SingleClassError`). Nothing is computed.
    ConfigurationError
        ``shap=True`` without the ``shap`` package.
    """
    import numpy as np

    _check_repeats(n_repeats)
    if not isinstance(top, int) or top < 1:
        raise ValidationError(f"top must be at least 1 (got {top!r})", [("top", "at least 1")])
    if shap is True and not shap_available():
        raise ConfigurationError(MSG_SHAP_REQUIRED)
    p = prepare(model, data, target=target, sensitive=sensitive, ignore=ignore,
                pos_label=pos_label)
    fingerprint = model_fingerprint(model, model_version)
    used = [*p.features, p.target, *(list(p.sensitive.columns) if p.sensitive is not None
                                     else [])]
    data_fp = data_fingerprint(data.reset_index(drop=True)[used])
    from sklearn.inspection import permutation_importance

    raw = permutation_importance(model, p.inputs(p.X), p.y, n_repeats=n_repeats,
                                 random_state=random_state, scoring=scoring, n_jobs=n_jobs)
    imp = _importance_frame(p.features, raw)
    tops = list(imp["feature"].head(top))
    pdp = _partial_dependence(p, tops, grid_resolution=grid_resolution, rows=pd_rows,
                              random_state=random_state)
    predicted = np.asarray(model.predict(p.inputs(p.X)))
    scores = p.scores(p.X)
    notes: list[str] = []
    if len(p.X) < MIN_RELIABLE_ROWS:
        notes.append(f"only {len(p.X)} rows: importances, partial dependence and group figures "
                     f"from fewer than {MIN_RELIABLE_ROWS} rows are unstable; explain the model "
                     "on a larger sample before relying on them")
    performance = _performance(p, scores, predicted)
    from workbench.fairness import FairnessWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FairnessWarning)
        by_group, fair = _by_group(p, scores, predicted, min_group_size=min_group_size)
    for w in caught:  # small groups are noted in the evidence; anything else is passed on
        if issubclass(w.category, FairnessWarning):
            notes.append(str(w.message))
        else:
            warnings.warn(w.message, w.category, stacklevel=2)
    calibration = None
    if p.task == "classification" and p.score_kind == "probability":
        y01 = (p.y == p.positive).astype(int).to_numpy()
        calibration = _calibration(y01, scores, n_bins)
    else:
        notes.append("calibration needs predicted probabilities: "
                     + ("the model gives none" if p.task == "classification" else
                        "not applicable to a regressor"))
    shap_table = None
    want_shap = shap is True or (shap == "auto" and shap_available())
    if want_shap:
        shap_table = _shap_global(p, rows=shap_rows, background=50, random_state=random_state)
    elif shap == "auto":
        notes.append(SHAP_EXTRA_NOTE)
    settings = {"n_repeats": n_repeats, "random_state": random_state,
                "scoring": scoring if isinstance(scoring, (str, type(None))) else repr(scoring),
                "scorer": scoring or ("the estimator's score: accuracy" if p.task ==
                                      "classification" else "the estimator's score: R²"),
                "top": top, "grid_resolution": grid_resolution, "pd_rows": pd_rows,
                "n_bins": n_bins, "shap_rows": shap_rows if shap_table is not None else None,
                "shap_background_rows": 50 if shap_table is not None else None,
                "sensitive": list(p.sensitive.columns) if p.sensitive is not None else [],
                "ignored": [ignore] if isinstance(ignore, str) else list(ignore)}
    return ExplanationResult(
        task=p.task, target=p.target, positive_class=p.positive, features=p.features,
        feature_types=_feature_types(p.X), score_kind=p.score_kind, importance=imp,
        partial_dependence=pdp, performance=performance, by_group=by_group,
        calibration=calibration, shap=shap_table, model=fingerprint, data_fingerprint=data_fp,
        sample_size=len(p.X), settings=settings, fairness=fair, notes=tuple(notes))
