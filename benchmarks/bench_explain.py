"""Explanation benchmark: permutation importance through ``wb.explain.importance``.

On 50,000 rows x 30 features with a fitted classifier (logistic regression by default, so
the time is spent in the permutation machinery rather than in the model), time
``wb.explain.importance`` (input checks, the call, the result table) against the floor measured
in the same run: ``sklearn.inspection.permutation_importance`` called directly with the same
settings. Runs alternate between the two; the medians are compared. Target: ratio <= 1.2 (no
overhead of our own worth the name).

Usage: python benchmarks/bench_explain.py [--runs N] [--rows N] [--features N] [--repeats N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import interleaved, report, time_call  # noqa: E402

TARGET = 1.2


def _data(rows: int, features: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(42)
    X = pd.DataFrame(rng.normal(size=(rows, features)),
                     columns=[f"f{i:02d}" for i in range(features)])
    weights = np.linspace(1.5, 0.0, features)
    logit = X.to_numpy() @ weights / np.sqrt(features) + rng.normal(scale=0.5, size=rows)
    return X, (logit > 0).astype(int)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5, help="permutations per feature")
    parser.add_argument("--model", choices=("logistic", "hgb"), default="logistic",
                        help="logistic regression, or histogram gradient boosting")
    args = parser.parse_args()

    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.linear_model import LogisticRegression

    import workbench as wb

    X, y = _data(args.rows, args.features)
    model = (LogisticRegression(max_iter=500) if args.model == "logistic" else
             HistGradientBoostingClassifier(max_iter=30, random_state=0)).fit(X, y)
    settings = {"n_repeats": args.repeats, "random_state": 0, "n_jobs": 1}
    ours = wb.explain.importance(model, X, y, **settings)
    direct = permutation_importance(model, X, y, **settings)
    same = (ours.set_index("feature").loc[list(X.columns), "importance_mean"].to_numpy()
            == direct.importances_mean).all()
    print(f"{args.rows:,} rows x {args.features} features, {args.repeats} repeats, "
          f"{type(model).__name__}; identical importances: {bool(same)}", flush=True)
    samples = interleaved({
        "wb.explain.importance": lambda: time_call(
            lambda: wb.explain.importance(model, X, y, **settings)),
        "sklearn permutation_importance": lambda: time_call(
            lambda: permutation_importance(model, X, y, **settings)),
    }, runs=args.runs)
    ratio = report("permutation importance", "wb.explain.importance",
                   "sklearn permutation_importance", samples, f"<= {TARGET}")
    for name, values in samples.items():
        print(f"  {name:<44} runs (s): {', '.join(f'{v:.2f}' for v in values)}")
    print(f"  {'PASS' if ratio <= TARGET and same else 'FAIL'}")
    return 0 if ratio <= TARGET and same else 1


if __name__ == "__main__":
    sys.exit(main())
