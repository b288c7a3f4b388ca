"""Fairness metrics by group on Fairlearn's MetricFrame, with input checks and warnings."""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError, ValidationError
from workbench.fairness._config import FairnessConfig, load_thresholds

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go

__all__ = [
    "GROUP_METRICS",
    "MSG_EMPTY",
    "MSG_LENGTH",
    "MSG_MISSING",
    "MSG_NOT_BINARY",
    "MSG_NO_NEGATIVES",
    "MSG_NO_POSITIVES",
    "MSG_ONE_GROUP",
    "MSG_SMALL_GROUP",
    "FairnessResult",
    "FairnessWarning",
    "assess",
    "check",
    "check_file",
    "fingerprint",
    "read_predictions",
]

#: Per-group metrics (Fairlearn's names, plus ``accuracy`` from scikit-learn).
GROUP_METRICS: tuple[str, ...] = ("count", "selection_rate", "accuracy", "true_positive_rate",
                                  "false_positive_rate")

# Messages, as constants the tests import (Fairlearn's habit).
MSG_EMPTY = "no predictions to check: the data has no rows"
MSG_LENGTH = ("{name} has {got} values but there are {expected} labels; give one value per "
              "prediction")
MSG_MISSING = ("{name} has {count} missing value(s) (first at row {first}); drop or fill them "
               "first, a fairness check needs every row complete")
MSG_NOT_BINARY = ("{name} has {count} distinct values ({values}); the metrics (selection rate, "
                  "true and false positive rates, equalized odds) need binary outcomes: map it to "
                  "0/1 or give pos_label for a two-valued column")
MSG_ONE_GROUP = ("sensitive feature {name!r} has a single group ({group!r}); fairness compares "
                 "groups, so give a feature with at least two")
MSG_SMALL_GROUP = ("group {group!r} of {feature!r} has only {size} row(s) (fewer than "
                   "{minimum}): its rates are unreliable, so the differences and ratios of "
                   "{feature!r} leave it out")
MSG_TOO_FEW_GROUPS = ("{feature!r} has fewer than two groups of at least {minimum} rows: its "
                      "differences and ratios are not determined (no breach is judged)")
MSG_NO_POSITIVES = ("group {group!r} of {feature!r} has no positive labels: its true positive "
                    "rate is undefined, and the equalized odds figures treat it as 0")
MSG_NO_NEGATIVES = ("group {group!r} of {feature!r} has no negative labels: its false positive "
                    "rate is undefined, and the equalized odds figures treat it as 0")


class FairnessWarning(UserWarning):
    """A result that is computed but should not be relied on (small group, undefined rate)."""


@dataclass(frozen=True)
class FairnessResult:
    """Fairness figures for one set of predictions.

    Attributes
    ----------
    by_group
        One row per (``feature``, ``group``): ``count``, ``selection_rate``, ``accuracy``,
        ``true_positive_rate``, ``false_positive_rate`` (and ``mean_score`` with scores),
        ``reliable`` (False for groups below the minimum size).
    metrics
        One row per (``feature``, ``metric``) for the aggregate metrics: ``value``,
        ``threshold``, ``bound``, ``breach`` (outside the configured threshold) and the
        threshold's ``rationale``.
    overall
        The per-group metrics computed on all rows.
    group_sizes
        ``feature -> {group: rows}``.
    fingerprint
        SHA-256 of the data the figures were computed on (see :func:`fingerprint`).
    warnings
        Messages about unreliable figures (also issued as :class:`FairnessWarning`).
    """

    by_group: pd.DataFrame
    metrics: pd.DataFrame
    overall: dict[str, float]
    group_sizes: dict[str, dict[str, int]]
    sample_size: int
    fingerprint: str
    config: FairnessConfig
    columns: dict[str, Any] = field(default_factory=dict)
    pos_label: Any = 1
    source: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def breaches(self) -> pd.DataFrame:
        """The rows of :attr:`metrics` outside their threshold."""
        return self.metrics[self.metrics["breach"]].reset_index(drop=True)

    @property
    def breached(self) -> bool:
        return bool(self.metrics["breach"].any())

    def summary(self) -> str:
        n = len(self.breaches)
        text = (f"{self.sample_size:,} predictions, {len(self.group_sizes)} sensitive "
                f"feature(s): ")
        if n:
            worst = "; ".join(f"{r.metric} for {r.feature} = {r.value:.3f} (threshold "
                              f"{'<=' if r.bound == 'max' else '>='} {r.threshold:g})"
                              for r in self.breaches.itertuples())
            text += f"{n} value(s) outside the configured thresholds: {worst}"
        else:
            text += "every thresholded metric within the configured thresholds"
        if self.warnings:
            text += f"; {len(self.warnings)} warning(s)"
        return text

    def details(self) -> dict[str, Any]:
        """A JSON-ready summary for the evidence record (NaN becomes None)."""
        return {
            "fingerprint": self.fingerprint,
            "fingerprint_method": "sha256 of the UTF-8 CSV (header, '\\n' line ends) of the "
                                  "label, prediction, sensitive and score columns, in that order",
            "sample_size": self.sample_size,
            "group_sizes": self.group_sizes,
            "min_group_size": self.config.min_group_size.value,
            "min_group_size_rationale": self.config.min_group_size.rationale,
            "metrics": _records(self.metrics),
            "by_group": _records(self.by_group),
            "overall": {k: _num(v) for k, v in self.overall.items()},
            "thresholds": [t.model_dump() for t in self.config.thresholds],
            "thresholds_source": self.config.source,
            "breaches": int(self.metrics["breach"].sum()),
            "warnings": list(self.warnings),
            "columns": self.columns,
            "pos_label": _num(self.pos_label),
            "source": self.source,
        }

    def figure(self, metric: str = "selection_rate", feature: str | None = None) -> go.Figure:
        """Bar chart of a per-group metric, see :func:`workbench.fairness.group_figure`."""
        from workbench.fairness._views import group_figure

        return group_figure(self, metric=metric, feature=feature)


def _num(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _num(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


# --------------------------------------------------------------------------- input checks


def _series(values: Any, name: str) -> pd.Series:
    import pandas as pd

    if isinstance(values, pd.Series):
        return values.reset_index(drop=True).rename(name)
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValidationError(f"{name} must be one column, got {values.shape[1]}")
        return values.iloc[:, 0].reset_index(drop=True).rename(name)
    try:
        return pd.Series(list(values), name=name)
    except TypeError:
        raise ValidationError(f"{name} must be a sequence of values, got "
                              f"{type(values).__name__}") from None


def _check_complete(s: pd.Series, name: str) -> None:
    missing = s.isna()
    if missing.any():
        first = int(missing.to_numpy().nonzero()[0][0])
        raise ValidationError(MSG_MISSING.format(name=name, count=int(missing.sum()),
                                                 first=first), [(name, "missing values")])


def _binary(s: pd.Series, name: str, pos_label: Any) -> np.ndarray:
    import numpy as np

    values = list(dict.fromkeys(s.tolist()))
    shown = ", ".join(repr(v) for v in sorted(values, key=str)[:6])
    if len(values) > 2:
        raise ValidationError(MSG_NOT_BINARY.format(name=name, count=len(values), values=shown),
                              [(name, "not binary")])
    if pos_label is None:
        plain = {(_num(v) if not isinstance(v, bool) else int(v)) for v in values}
        if not plain <= {0, 1}:
            raise ValidationError(
                f"{name} has values {shown}, not 0/1; give pos_label (the value that means a "
                "positive outcome)", [(name, "set pos_label")])
        return s.astype(int).to_numpy()
    if values and pos_label not in values and len(values) == 2:
        raise ValidationError(f"{name}: pos_label {pos_label!r} is not one of its values "
                              f"({shown})", [(name, "pos_label not found")])
    return (s == pos_label).astype(int).to_numpy() if values else np.array([], dtype=int)


def _sensitive(features: Any, expected: int) -> pd.DataFrame:
    import pandas as pd

    if isinstance(features, pd.Series):
        frame = features.reset_index(drop=True).to_frame(features.name or "sensitive_feature")
    elif isinstance(features, pd.DataFrame):
        frame = features.reset_index(drop=True)
    elif isinstance(features, Mapping):
        cols: dict[str, list[Any]] = {}
        for key, values in features.items():
            cols[str(key)] = list(values)
            if len(cols[str(key)]) != expected:
                raise ValidationError(MSG_LENGTH.format(
                    name=f"sensitive feature {key!r}", got=len(cols[str(key)]),
                    expected=expected), [(str(key), "length")])
        frame = pd.DataFrame(cols)
    else:
        frame = pd.Series(list(features), name="sensitive_feature").to_frame()
    if frame.shape[1] == 0:
        raise ValidationError("give at least one sensitive feature")
    for col in frame.columns:
        if len(frame[col]) != expected:
            raise ValidationError(MSG_LENGTH.format(name=f"sensitive feature {col!r}",
                                                    got=len(frame[col]), expected=expected),
                                  [(str(col), "length")])
        _check_complete(frame[col], f"sensitive feature {col!r}")
    return frame.astype(str)


def fingerprint(data: pd.DataFrame) -> str:
    """SHA-256 of a frame's CSV (header, ``\\n`` line ends, no index): the data's fingerprint.

    The same rows in the same order with the same column names always give the same value,
    so evidence can be traced back to the predictions it was computed on.
    """
    text = data.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- computing


def assess(y_true: Any, y_pred: Any, sensitive_features: Any, *, scores: Any = None,
           thresholds: Any = None, min_group_size: int | None = None, pos_label: Any = None,
           columns: Mapping[str, Any] | None = None, source: str = "") -> FairnessResult:
    """Compute fairness metrics by group and compare them with the configured thresholds.

    Parameters
    ----------
    y_true, y_pred
        Binary labels and predictions (0/1 or booleans; any two values with ``pos_label``).
    sensitive_features
        A Series, a DataFrame (one column per feature; each is assessed separately), a
        mapping ``name -> values`` or a sequence.
    scores
        Optional model scores; adds ``mean_score`` by group.
    thresholds
        See :func:`workbench.fairness.load_thresholds` (default: the configuration in force).
    min_group_size
        Groups smaller than this get a warning that their figures are unreliable (default from
        the configuration, with its rationale).
    pos_label
        The value meaning a positive outcome, when labels are not 0/1.

    Returns
    -------
    FairnessResult

    Raises
    ------
    ValidationError
        Empty input, lengths that differ, missing values, non-binary labels or predictions,
        a sensitive feature with a single group. Nothing is computed.

    Warns
    -----
    FairnessWarning
        A group below the minimum size; a group without positive or negative labels.
    """
    import pandas as pd

    config = thresholds if isinstance(thresholds, FairnessConfig) else load_thresholds(thresholds)
    minimum = int(min_group_size if min_group_size is not None else config.min_group_size.value)
    if minimum < 1:
        raise ValidationError(f"min_group_size must be at least 1 (got {minimum})")
    names = dict(columns or {})
    label_name = str(names.get("label", "y_true"))
    pred_name = str(names.get("prediction", "y_pred"))
    yt = _series(y_true, label_name)
    n = len(yt)
    if n == 0:
        raise ValidationError(MSG_EMPTY)
    yp = _series(y_pred, pred_name)
    if len(yp) != n:
        raise ValidationError(MSG_LENGTH.format(name=pred_name, got=len(yp), expected=n),
                              [(pred_name, "length")])
    sc = None
    if scores is not None:
        sc = _series(scores, str(names.get("score", "score")))
        if len(sc) != n:
            raise ValidationError(MSG_LENGTH.format(name=sc.name, got=len(sc), expected=n),
                                  [(str(sc.name), "length")])
    _check_complete(yt, label_name)
    _check_complete(yp, pred_name)
    sens = _sensitive(sensitive_features, n)
    if sc is not None:
        _check_complete(sc, str(sc.name))
        sc = pd.to_numeric(sc, errors="coerce")
        if sc.isna().any():
            raise ValidationError(f"{sc.name} must be numeric scores", [(str(sc.name), "numeric")])
    true = _binary(yt, label_name, pos_label)
    pred = _binary(yp, pred_name, pos_label)
    for col in sens.columns:
        groups = sens[col].unique()
        if len(groups) < 2:
            raise ValidationError(MSG_ONE_GROUP.format(name=col, group=groups[0]),
                                  [(str(col), "one group")])

    notes: list[str] = []
    tables = []
    aggregates = []
    sizes: dict[str, dict[str, int]] = {}
    overall: dict[str, float] = {}
    for col in sens.columns:
        feature = sens[col]
        table, frame_overall, values = _feature_figures(feature, true, pred)
        table.insert(0, "feature", str(col))
        for row in table.itertuples():
            g, size = str(row.group), int(row.count)
            if size < minimum:
                notes.append(MSG_SMALL_GROUP.format(group=g, feature=col, size=size,
                                                    minimum=minimum))
            if row.positives == 0:
                notes.append(MSG_NO_POSITIVES.format(group=g, feature=col))
                table.loc[row.Index, "true_positive_rate"] = float("nan")
            if row.positives == size:
                notes.append(MSG_NO_NEGATIVES.format(group=g, feature=col))
                table.loc[row.Index, "false_positive_rate"] = float("nan")
        table = table.drop(columns="positives")
        table["reliable"] = table["count"] >= minimum
        if sc is not None:
            means = sc.groupby(feature.to_numpy()).mean()
            table["mean_score"] = table["group"].map(means).astype(float)
        tables.append(table)
        sizes[str(col)] = {str(g): int(c) for g, c in zip(table["group"], table["count"])}
        if not overall:
            overall = {"count": float(n), **frame_overall}
            if sc is not None:
                overall["mean_score"] = float(sc.mean())
        # the differences and ratios compare groups large enough to be relied on: a group of
        # one row would otherwise decide a breach (and propose risks) on its own
        big = set(table.loc[table["reliable"], "group"].astype(str))
        determined = True
        if len(big) < len(table):
            if len(big) >= 2:
                keep = feature.astype(str).isin(big).to_numpy()
                _, _, values = _feature_figures(feature[keep], true[keep], pred[keep])
            else:
                determined = False
                notes.append(MSG_TOO_FEW_GROUPS.format(feature=col, minimum=minimum))
        for metric in config_metrics():
            value = values[metric] if determined else float("nan")
            t = config.threshold(metric)
            aggregates.append({
                "feature": str(col), "metric": metric, "value": value,
                "threshold": t.value if t else float("nan"),
                "bound": t.bound if t else "",
                "breach": bool(determined and t and t.breached(value)),
                "rationale": t.rationale if t else "",
                "reliable": bool(table["reliable"].all())})
    for note in notes:
        warnings.warn(note, FairnessWarning, stacklevel=2)
    by_group = pd.concat(tables, ignore_index=True)
    metrics = pd.DataFrame(aggregates, columns=["feature", "metric", "value", "threshold",
                                                "bound", "breach", "rationale", "reliable"])
    metrics["breach"] = metrics["breach"].astype(bool)
    data = pd.DataFrame({label_name: yt, pred_name: yp})
    for col in sens.columns:
        data[str(col)] = sens[col]
    if sc is not None:
        data[str(sc.name)] = sc
    cols = {"label": label_name, "prediction": pred_name, "sensitive": [str(c) for c in
                                                                          sens.columns]}
    if sc is not None:
        cols["score"] = str(sc.name)
    return FairnessResult(by_group=by_group, metrics=metrics, overall=overall,
                          group_sizes=sizes, sample_size=n, fingerprint=fingerprint(data),
                          config=config, columns=cols, pos_label=pos_label if pos_label is not
                          None else 1, source=source, warnings=tuple(notes))


def _feature_figures(feature: pd.Series, true: np.ndarray, pred: np.ndarray
                     ) -> tuple[pd.DataFrame, dict[str, float], dict[str, float]]:
    """Per-group metrics, overall metrics and the aggregates for one sensitive feature.

    Every metric here depends only on the counts of (group, label, prediction) cells, so
    Fairlearn's ``MetricFrame`` (and its aggregate functions) run on one row per cell,
    weighted by the cell's count: the figures are those of the row-level computation, at a
    cost that does not grow with the number of predictions.
    """
    import pandas as pd
    from fairlearn import metrics as flm
    from sklearn.metrics import accuracy_score

    cells = (pd.DataFrame({"group": feature.to_numpy(), "y_true": true, "y_pred": pred})
             .value_counts(sort=False).rename("n").reset_index())
    weight = cells["n"].to_numpy()
    metrics = {"selection_rate": flm.selection_rate, "accuracy": accuracy_score,
               "true_positive_rate": flm.true_positive_rate,
               "false_positive_rate": flm.false_positive_rate}
    frame = flm.MetricFrame(metrics=metrics, y_true=cells["y_true"], y_pred=cells["y_pred"],
                            sensitive_features=cells["group"].rename(feature.name),
                            sample_params={m: {"sample_weight": weight} for m in metrics})
    table = frame.by_group.reset_index().rename(columns={feature.name: "group"})
    counts = cells.groupby("group", sort=True)["n"].sum()
    positives = cells[cells["y_true"] == 1].groupby("group")["n"].sum()
    table.insert(1, "count", table["group"].map(counts).astype(int))
    table["positives"] = table["group"].map(positives).fillna(0).astype(int)
    values = {m: float(getattr(flm, m)(cells["y_true"], cells["y_pred"],
                                        sensitive_features=cells["group"], sample_weight=weight))
              for m in config_metrics()}
    return table, {k: float(v) for k, v in frame.overall.items()}, values


def config_metrics() -> tuple[str, ...]:
    """The aggregate metrics computed for each sensitive feature."""
    from workbench.fairness._config import AGGREGATE_METRICS

    return AGGREGATE_METRICS


# --------------------------------------------------------------------------- files


def _split(value: str | Sequence[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(i).strip() for i in items if str(i).strip()]


def read_predictions(path: str | Path, columns: Sequence[str] = ()) -> pd.DataFrame:
    """Read a predictions file (``.csv`` or ``.parquet``), checking the columns exist.

    Raises
    ------
    NotFoundError
        The file does not exist.
    ValidationError
        Unsupported format, unreadable file, or a named column not in it.
    """
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"predictions file {str(p)!r} does not exist")
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            df = pd.read_csv(p)
        elif suffix in (".parquet", ".pq"):
            df = pd.read_parquet(p)
        else:
            raise ValidationError(f"{p.name}: use a .csv or .parquet predictions file "
                                  f"(got {suffix or 'no extension'})")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"predictions file {p.name} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
            f"at position {exc.start:,}): save it as UTF-8 (in Excel: \"CSV UTF-8\"), or "
            "check that it is the right file", [("file", "not UTF-8 text")]) from None
    except (ValueError, OSError) as exc:
        if isinstance(exc, ValidationError):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationError(f"{p.name} cannot be read as {suffix[1:]}: {first}") from None
    absent = [c for c in columns if c not in df.columns]
    if absent:
        raise ValidationError(
            f"{p.name} has no column {', '.join(repr(c) for c in absent)} (its columns: "
            f"{', '.join(map(str, df.columns))})", [(c, "no such column") for c in absent])
    return df


def check(data: pd.DataFrame | str | Path, *, label: str, prediction: str,
          sensitive: str | Sequence[str], score: str | None = None, thresholds: Any = None,
          min_group_size: int | None = None, pos_label: Any = None) -> FairnessResult:
    """:func:`assess` the predictions in a DataFrame or a CSV or Parquet file, by column name.

    Parameters
    ----------
    data
        A DataFrame, or the path of a ``.csv`` or ``.parquet`` file.
    label, prediction, score
        Column names (``score`` optional; ``""`` means none).
    sensitive
        One column name, several as a list, or a comma-separated string.

    Raises
    ------
    ValidationError
        A named column is missing, or :func:`assess` refuses the data.
    NotFoundError
        The file does not exist.
    """
    import pandas as pd

    features = _split(sensitive)
    if not features:
        raise ValidationError("name at least one sensitive column (e.g. sensitive='sex')")
    score = score or None
    wanted = [label, prediction, *features, *([score] if score else [])]
    if isinstance(data, pd.DataFrame):
        df, source = data, ""
        absent = [c for c in wanted if c not in df.columns]
        if absent:
            raise ValidationError(
                f"the predictions have no column {', '.join(repr(c) for c in absent)} (columns: "
                f"{', '.join(map(str, df.columns))})", [(c, "no such column") for c in absent])
    else:
        df, source = read_predictions(data, wanted), Path(data).name
    return assess(df[label], df[prediction], df[features],
                  scores=df[score] if score else None, thresholds=thresholds,
                  min_group_size=min_group_size, pos_label=pos_label,
                  columns={"label": label, "prediction": prediction,
                           **({"score": score} if score else {})},
                  source=source)


def check_file(path: str | Path, **kwargs: Any) -> FairnessResult:
    """:func:`check` a CSV or Parquet predictions file (same keyword arguments)."""
    if not isinstance(path, (str, Path)) or not str(path).strip():
        raise ValidationError("give the path of a .csv or .parquet predictions file")
    return check(path, **kwargs)
