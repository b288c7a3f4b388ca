"""The measurements of a monitoring run, computed on a current and a reference sample.

Drift is measured per input feature with the population stability index (PSI, on the
reference's deciles, or its categories), the two-sample Kolmogorov-Smirnov statistic and the
Wasserstein distance (both from scipy; they order the values, so they take numeric features
only). Performance is accuracy, ROC AUC and error rate (by
group when a sensitive feature is named) on labelled outcomes; fairness is the gap between
groups in Fairlearn's terms (demographic parity, equal opportunity and equalized odds
differences, as :func:`workbench.fairness.assess` reports them). Everything is vectorized.
"""

from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING, Any

from workbench.errors import ValidationError
from workbench.monitoring.model import ORDERED_DRIFT, Measurement, Metric, MonitoringPlan

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = ["PSI_BINS", "check_frames", "fingerprint", "ks", "measure", "psi", "read_frame",
           "wasserstein"]

#: Quantile bins of the reference used by :func:`psi` for a numeric feature.
PSI_BINS = 10
#: Share given to an empty bin so that the logarithm stays finite.
PSI_EPSILON = 1e-4


def fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of the frame's canonical CSV (columns sorted, no index, ``\\n`` line ends).

    The same reference sample is usually fingerprinted at every run, so the last few results
    are kept, keyed by a vectorized hash of the frame's values, columns and dtypes.
    """
    import pandas as pd

    ordered = frame[sorted(frame.columns, key=str)]
    rows = pd.util.hash_pandas_object(ordered, index=False).to_numpy()
    key = hashlib.sha256(rows.tobytes() + repr(
        [(str(c), str(t)) for c, t in ordered.dtypes.items()]).encode()).hexdigest()
    cached = _FINGERPRINTS.get(key)
    if cached is None:
        data = ordered.to_csv(index=False, lineterminator="\n")
        cached = hashlib.sha256(data.encode("utf-8")).hexdigest()
        if len(_FINGERPRINTS) >= 8:
            _FINGERPRINTS.pop(next(iter(_FINGERPRINTS)))
        _FINGERPRINTS[key] = cached
    return cached


_FINGERPRINTS: dict[str, str] = {}


def _is_numeric(s: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s))


def _shares(counts: np.ndarray) -> np.ndarray:
    import numpy as np

    total = counts.sum()
    return np.clip(counts / total if total else counts, PSI_EPSILON, None)


def psi(current: Any, reference: Any, *, bins: int = PSI_BINS) -> float:
    """Population stability index of ``current`` against ``reference``.

    A numeric feature is cut at the reference's quantiles (``bins`` bins, open-ended at both
    ends); a categorical one is compared category by category. ``sum((c - r) * ln(c / r))``
    over bins, shares below :data:`PSI_EPSILON` raised to it.
    """
    import numpy as np
    import pandas as pd

    cur, ref = pd.Series(current), pd.Series(reference)
    if _is_numeric(ref) and _is_numeric(cur):
        edges = np.unique(np.quantile(ref.to_numpy(dtype=float), np.linspace(0, 1, bins + 1)))
        inner = edges[1:-1]
        r = np.bincount(np.searchsorted(inner, ref.to_numpy(dtype=float), side="right"),
                        minlength=len(inner) + 1)
        c = np.bincount(np.searchsorted(inner, cur.to_numpy(dtype=float), side="right"),
                        minlength=len(inner) + 1)
    else:
        cats = sorted(set(ref.astype(str)) | set(cur.astype(str)))
        r = ref.astype(str).value_counts().reindex(cats, fill_value=0).to_numpy()
        c = cur.astype(str).value_counts().reindex(cats, fill_value=0).to_numpy()
    rs, cs = _shares(r.astype(float)), _shares(c.astype(float))
    return float(np.sum((cs - rs) * np.log(cs / rs)))


def _not_numeric_message(kind: str, feature: str | None) -> str:
    what = f"{kind}:{feature}: feature {feature!r} is" if feature else f"{kind}: the values are"
    return (f"{what} not numeric (text or categories); {kind} orders the values, so on "
            "categories it would depend on how they are named: measure "
            f"{repr(feature) if feature else 'them'} with psi instead")


def _numbers(cur: pd.Series, ref: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The values of a numeric feature as floats; one line for text or categories."""
    if not (_is_numeric(cur) and _is_numeric(ref)):
        name = cur.name if cur.name is not None else ref.name
        raise ValidationError(_not_numeric_message(kind, None if name is None else str(name)))
    return cur.to_numpy(dtype=float), ref.to_numpy(dtype=float)


def ks(current: Any, reference: Any) -> float:
    """The two-sample Kolmogorov-Smirnov statistic (scipy's ``ks_2samp``).

    Raises
    ------
    ValidationError
        The values are not numeric (the statistic orders them; use :func:`psi` for
        categories).
    """
    import pandas as pd
    from scipy.stats import ks_2samp

    c, r = _numbers(pd.Series(current), pd.Series(reference), "ks")
    return float(ks_2samp(c, r, method="asymp").statistic)


def wasserstein(current: Any, reference: Any) -> float:
    """The first Wasserstein distance (scipy's ``wasserstein_distance``).

    Raises
    ------
    ValidationError
        The values are not numeric (the distance orders them; use :func:`psi` for
        categories).
    """
    import numpy as np
    import pandas as pd
    from scipy.stats import wasserstein_distance

    c, r = _numbers(pd.Series(current), pd.Series(reference), "wasserstein")
    with np.errstate(over="ignore", invalid="ignore"):  # values near the float limit: inf
        return float(wasserstein_distance(c, r))


def check_frames(plan: MonitoringPlan, current: Any, reference: Any) -> None:
    """Refuse data a plan cannot be measured on (one line naming the problem)."""
    import pandas as pd

    for name, frame in (("current", current), ("reference", reference)):
        if not isinstance(frame, pd.DataFrame):
            raise ValidationError(f"{name}: give a pandas DataFrame, got "
                                  f"{type(frame).__name__}")
        if frame.empty:
            raise ValidationError(f"{name}: the data is empty; a run needs at least one row")
    cur_cols, ref_cols = set(map(str, current.columns)), set(map(str, reference.columns))
    if cur_cols != ref_cols:
        only_c, only_r = sorted(cur_cols - ref_cols), sorted(ref_cols - cur_cols)
        parts = ([f"only in current: {', '.join(only_c)}"] if only_c else []) + (
            [f"only in reference: {', '.join(only_r)}"] if only_r else [])
        raise ValidationError(f"current and reference have different columns ({'; '.join(parts)});"
                              " compare the same features")
    wanted = plan.columns()
    missing = [c for c in wanted if c not in cur_cols]
    if missing:
        raise ValidationError(f"the data lacks column(s) {', '.join(missing)} that plan "
                              f"{plan.id!r} measures; columns present: "
                              f"{', '.join(sorted(cur_cols))}")
    import numpy as np

    for name, frame in (("current", current), ("reference", reference)):
        nans = frame[wanted].isna().sum()
        bad = nans[nans > 0]
        if not bad.empty:
            listed = ", ".join(f"{c} ({n})" for c, n in bad.items())
            raise ValidationError(f"{name}: missing values (NaN) in column(s) {listed}; "
                                  "drop or fill them before the run")
        numeric = [c for c in wanted if _is_numeric(frame[c])]
        infs = np.isinf(frame[numeric].to_numpy(dtype=float)).sum(axis=0)
        if infs.any():
            listed = ", ".join(f"{c} ({n} row{'s' if n > 1 else ''})"
                               for c, n in zip(numeric, infs.tolist(), strict=True) if n)
            raise ValidationError(f"{name}: infinite values in {listed}; drop or replace them "
                                  "before the run")
    for metric in plan.metrics:
        kind = metric.metric.value
        if kind in ORDERED_DRIFT and not (_is_numeric(current[metric.feature])
                                          and _is_numeric(reference[metric.feature])):
            raise ValidationError(_not_numeric_message(kind, metric.feature))
    for column in (plan.label_column, plan.prediction_column, plan.override_column):
        if column:
            for name, frame in (("current", current), ("reference", reference)):
                values = frame[column].to_numpy()
                ok = values.dtype.kind in "biuf" and bool(np.isin(values, (0, 1)).all())
                if not ok:
                    found = sorted(map(str, pd.unique(frame[column])))[:5]
                    raise ValidationError(f"{name}: column {column!r} must hold 0/1 values, "
                                          f"found {', '.join(found)}")
    if plan.score_column:
        for name, frame in (("current", current), ("reference", reference)):
            if not _is_numeric(frame[plan.score_column]):
                raise ValidationError(f"{name}: score column {plan.score_column!r} is not "
                                      "numeric")


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) formula; ties share their mean rank."""
    from scipy.stats import rankdata

    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if not n_pos or not n_neg:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _group_rates(frame: pd.DataFrame, group: str, y: str, p: str) -> pd.DataFrame:
    """Per group (sorted): size, selection rate, true and false positive rates, error rate."""
    import numpy as np
    import pandas as pd

    codes, names = pd.factorize(frame[group].astype(str), sort=True)
    yv, pv = frame[y].to_numpy(dtype=int), frame[p].to_numpy(dtype=int)
    k = len(names)

    def count(weights: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=weights, minlength=k)

    n = np.bincount(codes, minlength=k).astype(float)
    pos = count(yv.astype(float))
    neg = n - pos
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({
            "n": n, "sel": count(pv.astype(float)) / n,
            "tpr": np.where(pos > 0, count((yv & pv).astype(float)) / pos, np.nan),
            "fpr": np.where(neg > 0, count(((1 - yv) & pv).astype(float)) / neg, np.nan),
            "err": count((yv != pv).astype(float)) / n,
        }, index=pd.Index(names, name=group))
    return out


#: What a group needs for a rate to be defined, by rate.
_RATE_NEEDS = {"sel": "rows", "tpr": "positive labels", "fpr": "negative labels"}


def _fairness(rates: pd.DataFrame, metric: Metric) -> float:
    """The gap between the groups' rates; one line when fewer than two groups can be compared
    (a single group is not parity: nothing was compared)."""
    if len(rates) < 2:
        raise ValidationError(f"current: sensitive feature {metric.feature!r} has a single "
                              f"group ({str(rates.index[0])!r}); {metric.key} compares groups, "
                              "so give a sample with at least two")

    def gap(col: str) -> float:
        s = rates[col].dropna()
        if len(s) < 2:
            raise ValidationError(f"current: {metric.key} cannot be measured: fewer than two "
                                  f"groups of {metric.feature!r} have {_RATE_NEEDS[col]}, so "
                                  "there is nothing to compare; give a sample where they do")
        return float(s.max() - s.min())

    if metric.measure == "demographic_parity_difference":
        return gap("sel")
    if metric.measure == "equal_opportunity_difference":
        return gap("tpr")
    return max(gap("tpr"), gap("fpr"))  # equalized_odds_difference


def _one(metric: Metric, plan: MonitoringPlan, cur: pd.DataFrame, ref: pd.DataFrame
         ) -> list[tuple[str, float]]:
    """``(group, value)`` pairs measured for one metric of the plan."""
    import numpy as np

    kind = metric.metric.value
    y, p = plan.label_column, plan.prediction_column
    if kind == "accuracy":
        return [("", float((cur[y].astype(int) == cur[p].astype(int)).mean()))]
    if kind == "auc":
        return [("", _auc(cur[y].to_numpy(dtype=int), cur[plan.score_column].to_numpy(float)))]
    if kind == "error_rate":
        if not metric.feature:
            return [("", float((cur[y].astype(int) != cur[p].astype(int)).mean()))]
        rates = _group_rates(cur, metric.feature, y, p)
        return [(str(g), float(v)) for g, v in rates["err"].items()]
    if kind == "fairness":
        return [("", _fairness(_group_rates(cur, metric.feature, y, p), metric))]
    if kind == "psi":
        return [("", psi(cur[metric.feature], ref[metric.feature]))]
    if kind == "ks":
        return [("", ks(cur[metric.feature], ref[metric.feature]))]
    if kind == "wasserstein":
        return [("", wasserstein(cur[metric.feature], ref[metric.feature]))]
    if kind == "prediction_drift":
        return [("", psi(cur[plan.score_column], ref[plan.score_column]))]
    if kind == "volume":
        return [("", float(abs(len(cur) / len(ref) - 1)))]
    if kind == "override_rate":
        return [("", float(np.mean(cur[plan.override_column].astype(int))))]
    raise ValidationError(f"unknown metric {kind!r}")  # pragma: no cover - the model refuses


def measure(plan: MonitoringPlan, current: pd.DataFrame, reference: pd.DataFrame
            ) -> list[Measurement]:
    """Every measurement of ``plan`` on the data (checked first with :func:`check_frames`)."""
    check_frames(plan, current, reference)
    out = []
    for metric in plan.metrics:
        for group, value in _one(metric, plan, current, reference):
            if value != value:  # NaN: e.g. AUC of a sample with one class only
                raise ValidationError(f"{metric.key}: cannot be measured on this data (e.g. "
                                      "the labels hold one class only)")
            if not math.isfinite(value):  # e.g. a distance between values near the float limit
                raise ValidationError(f"{metric.key}: the measured value is not a finite "
                                      f"number ({value}); check the data for extreme values")
            breached = value < metric.threshold if metric.direction == "min" \
                else value > metric.threshold
            out.append(Measurement(metric=metric.metric.value, feature=metric.feature,
                                   group=group, measure=metric.measure, value=round(value, 6),
                                   threshold=metric.threshold, direction=metric.direction,
                                   breached=bool(breached)))
    return out


def read_frame(path: Any, *, what: str = "data") -> pd.DataFrame:
    """Read a CSV (or ``.parquet``) sample for a run; one line when it cannot be read."""
    from pathlib import Path

    import pandas as pd

    from workbench.errors import NotFoundError

    file = Path(path)
    if not file.is_file():
        raise NotFoundError(f"{what}: no file {str(path)!r}; give a CSV file of the sample")
    try:
        if file.suffix.lower() == ".parquet":
            return pd.read_parquet(file)
        return pd.read_csv(file)
    except pd.errors.EmptyDataError:
        raise ValidationError(f"{what}: {file.name} is empty; a run needs at least one row"
                              ) from None
    except (ValueError, UnicodeDecodeError, OSError, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValidationError(f"{what}: {file.name} cannot be read as a table ({first})"
                              ) from None
