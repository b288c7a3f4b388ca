"""Input checks shared by every explanation: the estimator, the data's columns, the target.

Each refusal is a one-line :class:`~workbench.errors.ValidationError` subclass whose message
says what was wrong and what to do; the messages are module constants the tests import.
Nothing is computed or written before these checks pass.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = [
    "MSG_EMPTY",
    "MSG_EXTRA_COLUMNS",
    "MSG_FEATURE_COUNT",
    "MSG_MISSING_COLUMNS",
    "MSG_MODEL_FAILED",
    "MSG_MULTICLASS",
    "MSG_NO_PREDICT",
    "MSG_NON_NUMERIC",
    "MSG_NOT_FITTED",
    "MSG_NO_TARGET",
    "MSG_ONE_CLASS",
    "MSG_TARGET_MISSING_VALUES",
    "ColumnMismatchError",
    "ExplainInputError",
    "ModelCallError",
    "NonNumericColumnError",
    "NotAnEstimatorError",
    "Prepared",
    "SingleClassError",
    "check_estimator",
    "check_target",
    "data_fingerprint",
    "model_fingerprint",
    "prepare",
    "require_features",
    "select_features",
]

MSG_NO_PREDICT = ("{name} has no predict method, so it cannot be explained: give a fitted "
                  "scikit-learn estimator or pipeline")
MSG_NOT_FITTED = "{name} is not fitted: fit it on training data before explaining it"
MSG_EMPTY = "the data has no rows: explain a model on a sample of at least one row"
MSG_NO_TARGET = "the data has no target column {target!r} (its columns: {columns})"
MSG_MISSING_COLUMNS = ("the data lacks column(s) {columns} that the model was fitted on "
                       "(model features: {features}); add them")
MSG_EXTRA_COLUMNS = ("the data has column(s) {columns} the model was not fitted on; drop them, "
                     "or name them as target, sensitive or ignore (model features: {features})")
MSG_FEATURE_COUNT = ("the model was fitted on {expected} features but the data has {got} "
                     "feature columns ({columns}); drop or add columns so they match")
MSG_NON_NUMERIC = ("column {column!r} is not numeric ({dtype}, e.g. {example!r}) and the model "
                   "cannot take it ({error}); encode it, or explain a pipeline that does")
MSG_MODEL_FAILED = "the model failed on the data: {error}"
MSG_ONE_CLASS = ("target {target!r} has a single class ({value!r}) in these {rows} rows: "
                 "performance, calibration and importance need both outcomes; use a sample "
                 "with both")
MSG_MULTICLASS = ("the model has {count} classes ({classes}); explanations cover binary "
                  "classifiers and regressors: explain one class against the rest")
MSG_TARGET_MISSING_VALUES = ("target {target!r} has {count} missing value(s) (first at row "
                             "{first}); drop or fill them first")


class ExplainInputError(ValidationError):
    """An estimator or data set that cannot be explained; nothing was computed or saved."""


class NotAnEstimatorError(ExplainInputError):
    """The object has no ``predict`` method, or is not fitted."""


class ColumnMismatchError(ExplainInputError):
    """The data's columns do not match the features the model was fitted on."""


class NonNumericColumnError(ExplainInputError):
    """A non-numeric column the model cannot take."""


class SingleClassError(ExplainInputError):
    """A target with one class (or a classifier with more than two)."""


class ModelCallError(ExplainInputError):
    """The model raised an error when predicting on the data."""


def _name(model: Any) -> str:
    return type(model).__name__


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def check_estimator(model: Any) -> None:
    """Refuse an object without ``predict``, or an unfitted scikit-learn estimator."""
    if not callable(getattr(model, "predict", None)):
        raise NotAnEstimatorError(MSG_NO_PREDICT.format(name=_name(model)), [("model",
                                                                                 "no predict")])
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError:
        raise NotAnEstimatorError(MSG_NOT_FITTED.format(name=_name(model)),
                                  [("model", "not fitted")]) from None
    except (TypeError, AttributeError):  # not a scikit-learn estimator: trust its predict
        pass


def _names(items: Iterable[Any], shown: int = 8) -> str:
    items = [str(i) for i in items]
    head = ", ".join(repr(i) for i in items[:shown])
    return head + (f" and {len(items) - shown} more" if len(items) > shown else "")


def model_features(model: Any) -> list[str] | None:
    """The column names the model was fitted on (None when fitted on an unnamed array)."""
    names = getattr(model, "feature_names_in_", None)
    return None if names is None else [str(n) for n in names]


def require_features(model: Any, columns: Iterable[Any]) -> None:
    """Refuse ``columns`` that lack a feature the model was fitted on (by name; a model
    fitted on an unnamed array names none).

    Raises
    ------
    ColumnMismatchError
        The missing features, and the model's.
    """
    named = model_features(model)
    if named is None:
        return
    present = {str(c) for c in columns}
    missing = [f for f in named if f not in present]
    if missing:
        raise ColumnMismatchError(MSG_MISSING_COLUMNS.format(
            columns=_names(missing), features=_names(named)), [(m, "missing") for m in missing])


def select_features(model: Any, columns: Sequence[Any], *, reserved: Iterable[str] = (),
                    ignore: Iterable[str] = ()) -> tuple[list[str], bool]:
    """The feature columns of ``columns`` for ``model``, and whether it takes column names.

    ``reserved`` (target, sensitive features) and ``ignore`` columns may be present without
    being features; a reserved column that is also a model feature stays a feature.

    Raises
    ------
    ColumnMismatchError
        A model feature missing from the data, or a column that is none of the above.
    """
    cols = [str(c) for c in columns]
    reserved, ignore = set(reserved), set(ignore)
    named = model_features(model)
    if named is not None:
        require_features(model, cols)
        extra = [c for c in cols if c not in named and c not in reserved and c not in ignore]
        if extra:
            raise ColumnMismatchError(MSG_EXTRA_COLUMNS.format(
                columns=_names(extra), features=_names(named)), [(e, "extra") for e in extra])
        return named, True
    features = [c for c in cols if c not in reserved and c not in ignore]
    expected = getattr(model, "n_features_in_", None)
    if expected is not None and int(expected) != len(features):
        raise ColumnMismatchError(MSG_FEATURE_COUNT.format(
            expected=int(expected), got=len(features), columns=_names(features)),
            [("data", "feature count")])
    return features, False


def _is_numeric(series: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def probe(model: Any, X: pd.DataFrame, named: bool) -> None:
    """Predict on a few rows: a non-numeric column the model cannot take fails here, named."""
    sample = X.head(20)
    try:
        model.predict(sample if named else sample.to_numpy())
    except Exception as exc:  # noqa: BLE001 - any failure of the model is reported in one line
        odd = [c for c in X.columns if not _is_numeric(X[c])]
        if odd:
            col = odd[0]
            values = X[col].dropna()
            raise NonNumericColumnError(MSG_NON_NUMERIC.format(
                column=col, dtype=str(X[col].dtype),
                example=values.iloc[0] if len(values) else None, error=_first_line(exc)),
                [(col, "not numeric")]) from None
        raise ModelCallError(MSG_MODEL_FAILED.format(error=_first_line(exc)),
                             [("model", "failed")]) from None


def is_classifier(model: Any) -> bool:
    from sklearn.base import is_classifier as sk_is_classifier

    try:
        if sk_is_classifier(model):
            return True
    except Exception:  # noqa: BLE001 - a duck-typed estimator without scikit-learn's tags
        pass
    return getattr(model, "classes_", None) is not None


@dataclass
class Prepared:
    """A checked estimator and data: features in model order, target, sensitive features."""

    model: Any
    X: pd.DataFrame
    y: pd.Series | None
    sensitive: pd.DataFrame | None
    features: list[str]
    named: bool
    task: str  # "classification" or "regression"
    classes: list[Any] = field(default_factory=list)
    positive: Any = None
    target: str = ""

    def inputs(self, frame: pd.DataFrame) -> Any:
        """What to pass to the model: the frame, or its array when fitted without names."""
        return frame if self.named else frame.to_numpy()

    @property
    def score_kind(self) -> str:
        """``probability`` (of the positive class), ``decision`` (a margin) or ``prediction``."""
        if self.task == "classification":
            if callable(getattr(self.model, "predict_proba", None)):
                return "probability"
            if callable(getattr(self.model, "decision_function", None)):
                return "decision"
        return "prediction"

    def scores(self, frame: pd.DataFrame) -> np.ndarray:
        """The model's score for each row (see :attr:`score_kind`)."""
        import numpy as np

        data = self.inputs(frame)
        kind = self.score_kind
        if kind == "probability":
            proba = np.asarray(self.model.predict_proba(data))
            return proba[:, self.classes.index(self.positive)].astype(float)
        if kind == "decision":
            return np.asarray(self.model.decision_function(data), dtype=float).ravel()
        return np.asarray(self.model.predict(data), dtype=float).ravel()


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def prepare(model: Any, data: pd.DataFrame, *, target: str | None = None,
            sensitive: Sequence[str] | str = (), ignore: Sequence[str] | str = (),
            pos_label: Any = None) -> Prepared:
    """Check ``model`` and ``data`` and split the data into features, target and sensitive
    features (see the module docstring for what is refused).

    Raises
    ------
    ExplainInputError
        One of its subclasses, with a one-line message.
    """
    import pandas as pd

    check_estimator(model)
    if not isinstance(data, pd.DataFrame):
        raise ExplainInputError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if data.empty:
        raise ExplainInputError(MSG_EMPTY)
    sens = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    sens = [s.strip() for s in sens if s and s.strip()]
    drop = [ignore] if isinstance(ignore, str) else list(ignore)
    columns = [str(c) for c in data.columns]
    for name, wanted in (("sensitive feature", sens), ("ignored column", drop)):
        absent = [c for c in wanted if c not in columns]
        if absent:
            raise ColumnMismatchError(f"the data has no {name} column {_names(absent)} (its "
                                      f"columns: {_names(columns, 12)})",
                                      [(a, "no such column") for a in absent])
    if target is not None and target not in columns:
        raise ColumnMismatchError(MSG_NO_TARGET.format(target=target,
                                                       columns=_names(columns, 12)),
                                  [(target, "no such column")])
    frame = data.reset_index(drop=True)
    frame.columns = columns
    reserved = [*([target] if target else []), *sens]
    features, named = select_features(model, columns, reserved=reserved, ignore=drop)
    X = frame[features]
    probe(model, X, named)
    task = "classification" if is_classifier(model) else "regression"
    prepared = Prepared(model=model, X=X, y=None,
                        sensitive=frame[sens].astype(str) if sens else None,
                        features=features, named=named, task=task, target=target or "")
    if task == "classification":
        classes = [_plain(c) for c in getattr(model, "classes_", [])]
        if len(classes) > 2:
            raise SingleClassError(MSG_MULTICLASS.format(count=len(classes),
                                                         classes=_names(classes)),
                                   [("model", "multiclass")])
        prepared.classes = classes
        if pos_label is not None:
            if pos_label not in classes:
                raise ValidationError(f"pos_label {pos_label!r} is not a class of the model "
                                      f"({_names(classes)})", [("pos_label", "unknown class")])
            prepared.positive = pos_label
        elif classes:
            prepared.positive = classes[-1]
    if target is not None:
        prepared.y = check_target(prepared, frame[target], target)
    return prepared


def check_target(prepared: Prepared, y: Any, name: str) -> Any:
    """Refuse a target with missing values, one class, or classes the model does not know;
    return it unchanged."""
    import pandas as pd

    missing = pd.isna(pd.Series(y) if not isinstance(y, pd.Series) else y)
    if len(missing) != len(prepared.X):
        raise ExplainInputError(f"{name} has {len(missing)} values but there are "
                                f"{len(prepared.X)} rows; give one per row", [(name, "length")])
    if missing.any():
        raise ExplainInputError(MSG_TARGET_MISSING_VALUES.format(
            target=name, count=int(missing.sum()),
            first=int(missing.to_numpy().nonzero()[0][0])), [(name, "missing values")])
    if prepared.task == "classification":
        values = [_plain(v) for v in pd.unique(pd.Series(y) if not isinstance(y, pd.Series)
                                               else y)]
        if len(values) < 2:
            raise SingleClassError(MSG_ONE_CLASS.format(target=name, value=values[0],
                                                        rows=len(missing)),
                                   [(name, "one class")])
        unknown = [v for v in values if v not in prepared.classes]
        if unknown and prepared.classes:
            raise ValidationError(
                f"target {name!r} has value(s) {_names(unknown)} the model does not "
                f"predict (its classes: {_names(prepared.classes)})", [(name, "unknown class")])
    return y


# --------------------------------------------------------------------------- fingerprints


def data_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's column names, dtypes and pandas' 64-bit hash of every row.

    The same rows in the same order with the same columns always give the same value; it is
    vectorized, so fingerprinting 50,000 rows costs milliseconds.
    """
    import pandas as pd

    digest = hashlib.sha256()
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode("utf-8"))
    rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    digest.update(rows.tobytes())
    return digest.hexdigest()


DATA_FINGERPRINT_METHOD = ("sha256 of the column names and dtypes and of pandas' 64-bit hash "
                           "of every row (pandas.util.hash_pandas_object, index excluded), "
                           "over the features, target and sensitive columns")


def model_fingerprint(model: Any, version: str | None = None) -> dict[str, Any]:
    """Identify a model: SHA-256 of its pickled bytes, and a declared version if given.

    Returns
    -------
    dict
        ``sha256`` (None when the model cannot be pickled), ``method``, ``declared_version``,
        ``estimator`` (its class) and ``library`` (the scikit-learn version).

    Raises
    ------
    ValidationError
        The model cannot be pickled and no ``version`` was declared.
    """
    import sklearn

    version = (version or "").strip() or None
    try:
        digest: str | None = hashlib.sha256(pickle.dumps(model, protocol=4)).hexdigest()
    except Exception as exc:  # noqa: BLE001 - any pickling failure: ask for a declared version
        if version is None:
            raise ValidationError(f"the model cannot be pickled to fingerprint it "
                                  f"({_first_line(exc)}); declare its version with "
                                  "model_version=...", [("model_version", "required")]) from None
        digest = None
    return {"sha256": digest, "method": "sha256 of the model pickled with protocol 4"
            if digest else "declared version (the model cannot be pickled)",
            "declared_version": version, "estimator": _estimator_name(model),
            "library": f"scikit-learn {sklearn.__version__}"}


def _estimator_name(model: Any) -> str:
    steps = getattr(model, "steps", None)
    if isinstance(steps, list) and steps:
        return "Pipeline(" + ", ".join(type(s[1]).__name__ for s in steps) + ")"
    return type(model).__name__


def short_id(fingerprint: Mapping[str, Any]) -> str:
    """A model's short identity: 12 hex of its hash, else its declared version."""
    if fingerprint.get("sha256"):
        return str(fingerprint["sha256"])[:12]
    return str(fingerprint.get("declared_version") or "unknown")
