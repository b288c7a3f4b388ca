"""``workbench explain`` (explanations computed from a model, one decision explained) and
``workbench modelcard`` (fill, show, submit the model card of an AI system)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from workbench.cli._common import add_json_flag, open_cli_store
from workbench.cli._output import print_fields, print_json, print_table

_MODEL_HELP = ("the fitted model, saved with joblib or pickle (.joblib, .pkl); loading runs "
               "code from the file, so only load models you trust")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("explain", help="explanations computed from a model (A.6.2.7, "
                              "A.8.2) and one decision explained (Art. 86)")
    sub = p.add_subparsers(dest="explain_command", metavar="ACTION", required=True)
    q = sub.add_parser(
        "run", help="explain a model on a data set and record the evidence",
        description="Permutation importance (with its spread over the repeats), partial "
        "dependence of the most important features, performance overall and by group, "
        "calibration, and SHAP values when shap is installed; recorded as evidence for A.6.2.7 "
        "and A.8.2 with the model's and the data's fingerprints. Bad input (no predict method, "
        "missing or extra columns, a column the model cannot take, a target with one class) "
        "exits 1 and records nothing.")
    q.add_argument("system", metavar="SYSTEM", help="the AI system the model belongs to")
    q.add_argument("--model", required=True, metavar="FILE", help=_MODEL_HELP)
    q.add_argument("--data", required=True, metavar="FILE", help="held-out rows, .csv or "
                   ".parquet: the model's features and the target")
    q.add_argument("--target", required=True, metavar="COL", help="the true outcome column")
    q.add_argument("--sensitive", metavar="COL[,COL]", default="",
                   help="columns to compare performance by group")
    q.add_argument("--ignore", metavar="COL[,COL]", default="",
                   help="other columns to leave out (e.g. an id)")
    q.add_argument("--repeats", type=int, default=5, metavar="N",
                   help="permutations per feature (default 5)")
    q.add_argument("--top", type=int, default=3, metavar="N",
                   help="partial dependence for the N most important features (default 3)")
    q.add_argument("--model-version", metavar="VERSION", help="the model's declared version")
    q.add_argument("--no-shap", action="store_true", help="skip SHAP values")
    q.add_argument("--dry-run", action="store_true", help="compute and show, record nothing")
    add_json_flag(q)
    q.set_defaults(handler=_run)

    q = sub.add_parser(
        "decision", help="explain one decision in plain language",
        description="The top factors behind one case's score, their direction and size, for "
        "the person concerned; the method used and its limits are printed with it.")
    q.add_argument("--model", required=True, metavar="FILE", help=_MODEL_HELP)
    q.add_argument("--data", required=True, metavar="FILE",
                   help="cases, .csv or .parquet (also the comparison sample)")
    q.add_argument("--row", type=int, metavar="N", help="the case: row N of --data (from 0)")
    q.add_argument("--set", action="append", default=[], metavar="COL=VALUE",
                   help="a value of the case (repeatable; overrides --row's)")
    q.add_argument("--reference", metavar="FILE", help="the comparison sample (default --data)")
    q.add_argument("--top", type=int, default=3, metavar="N", help="factors named (default 3)")
    q.add_argument("--outcome", metavar="TEXT", help="what the score is the probability of, "
                   "in words (e.g. repayment)")
    q.add_argument("--method", choices=("auto", "shap", "baseline_substitution"),
                   default="auto", help="default: SHAP when installed, else baseline "
                   "substitution")
    add_json_flag(q)
    q.set_defaults(handler=_decision)

    q = sub.add_parser("show", help="a system's latest explanation evidence")
    q.add_argument("system", metavar="SYSTEM")
    add_json_flag(q)
    q.set_defaults(handler=_show)

    p = subparsers.add_parser("modelcard", help="model cards: instructions for use (Art. 13) "
                              "and the Annex IV outline")
    sub = p.add_subparsers(dest="modelcard_command", metavar="ACTION", required=True)
    q = sub.add_parser("show", help="a system's model card, its sign-off and whether it is "
                       "stale")
    q.add_argument("system", metavar="SYSTEM")
    add_json_flag(q)
    q.set_defaults(handler=_card_show)
    q = sub.add_parser("fill", help="fill the card from the records (a draft; written parts "
                       "are kept)")
    q.add_argument("system", metavar="SYSTEM")
    q.add_argument("--model-version", metavar="VERSION", help="the model's declared version")
    q.add_argument("--dry-run", action="store_true", help="show what would be filled, save "
                   "nothing")
    q.set_defaults(handler=_card_fill)
    q = sub.add_parser("submit", help="submit the card for sign-off (complete, not stale)")
    q.add_argument("system", metavar="SYSTEM")
    q.set_defaults(handler=_card_submit)
    q = sub.add_parser("list", help="every model card with its state")
    add_json_flag(q)
    q.set_defaults(handler=_card_list)


# --------------------------------------------------------------------------- files


def _split(text: str) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def load_model(path: str) -> Any:
    """A model saved with joblib or pickle.

    Raises
    ------
    NotFoundError
        No such file.
    ValidationError
        The file is not a saved model.
    """
    from workbench.errors import NotFoundError, ValidationError

    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"model file {str(p)!r} does not exist")
    import joblib

    try:
        return joblib.load(p)
    except (AttributeError, ModuleNotFoundError) as exc:
        # a real pickle whose class (or module) is not importable where this command runs
        first = (str(exc).splitlines() or [""])[0]
        raise ValidationError(f"{p.name} holds a model whose code cannot be imported here "
                              f"({type(exc).__name__}: {first}); run the command where the "
                              "model's package is installed") from None
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one line
        first = (str(exc).splitlines() or [""])[0]
        raise ValidationError(f"{p.name} is not a model saved with joblib or pickle "
                              f"({type(exc).__name__}: {first})") from None


def read_frame(path: str) -> Any:
    """A .csv or .parquet file as a DataFrame (one-line errors)."""
    import pandas as pd

    from workbench.errors import NotFoundError, ValidationError

    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"data file {str(p)!r} does not exist")
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(p)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(p)
    except (ValueError, OSError) as exc:
        raise ValidationError(f"{p.name} cannot be read as {suffix[1:]}: {exc}") from None
    got = suffix or "no extension"
    raise ValidationError(f"{p.name}: use a .csv or .parquet file (got {got})")


# --------------------------------------------------------------------------- explain


def _run(args: argparse.Namespace) -> int:
    import warnings

    from workbench import explain
    from workbench.fairness import FairnessWarning

    store = open_cli_store(args)
    store.get("ai_system", args.system)  # an unknown system fails before the computation
    model = load_model(args.model)
    data = read_frame(args.data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FairnessWarning)  # noted in the result
        result = explain.explain(model, data, target=args.target,
                                 sensitive=_split(args.sensitive), ignore=_split(args.ignore),
                                 n_repeats=args.repeats, top=args.top,
                                 model_version=args.model_version,
                                 shap=False if args.no_shap else "auto")
    saved = None if args.dry_run else explain.record_evidence(store, result,
                                                             system_id=args.system)
    if args.json:
        print_json({"evidence_id": saved.record_id if saved else None,
                    "details": result.details()})
        return 0
    print(result.summary())
    print()
    print_table([(r.rank, r.feature, f"{r.importance_mean:.4f}", f"{r.importance_std:.4f}",
                  f"{r.importance_min:.4f} to {r.importance_max:.4f}")
                 for r in result.importance.itertuples()],
                ["rank", "feature", "importance", "std", "range over repeats"])
    print()
    print_table([(k.replace("_", " "), "-" if v is None else f"{v:.3f}")
                 for k, v in result.performance.items()], ["metric", "value"])
    if not result.by_group.empty:
        print()
        cols = [c for c in ("feature", "group", "count", "accuracy", "selection_rate",
                            "mean_absolute_error") if c in result.by_group.columns]
        print_table([[f"{v:.3f}" if isinstance(v, float) else v for v in row]
                     for row in result.by_group[cols].itertuples(index=False)], cols)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"\nmodel fingerprint: {result.model.get('sha256') or result.model_id}")
    print(f"data fingerprint (SHA-256): {result.data_fingerprint}")
    if saved:
        print(f"recorded evidence {saved.record_id} ({saved.describe()})")
    else:
        print("dry run: nothing recorded")
    return 0


def _value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            continue
    return {"true": True, "false": False}.get(text.lower(), text)


def _decision(args: argparse.Namespace) -> int:
    from workbench import explain
    from workbench.errors import ValidationError

    model = load_model(args.model)
    data = read_frame(args.data)
    reference = read_frame(args.reference) if args.reference else data
    values: dict[str, Any] = {}
    if args.row is not None:
        if len(data) == 0:
            raise ValidationError(f"--row {args.row}: {Path(args.data).name} has no rows (only "
                                  "a header); give a file with the case in it, or its values "
                                  "with --set COL=VALUE")
        if not 0 <= args.row < len(data):
            raise ValidationError(f"--row {args.row}: {Path(args.data).name} has rows 0 to "
                                  f"{len(data) - 1}")
        names = getattr(model, "feature_names_in_", None)
        row = data.iloc[args.row]
        values = {str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.items()
                  if names is None or str(k) in set(map(str, names))}
    given: dict[str, Any] = {}
    for item in args.set:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"--set {item}: write it as COL=VALUE")
        given[key.strip()] = _value(text.strip())
    if args.row is not None:  # the row's columns, or --set, must hold every model feature
        from workbench.explain._checks import require_features

        require_features(model, [*map(str, data.columns), *given])
    values.update(given)
    if not values:
        raise ValidationError("give the case: --row N, or its values with --set COL=VALUE")
    result = explain.decision(model, values, reference=reference, top=args.top,
                              outcome=args.outcome, method=args.method)
    if args.json:
        print_json(result.to_dict())
        return 0
    print(result.text())
    return 0


def _show(args: argparse.Namespace) -> int:
    from workbench import explain
    from workbench.errors import NotFoundError

    store = open_cli_store(args)
    store.get("ai_system", args.system)
    found = explain.latest_explanation(store, args.system)
    if found is None:
        raise NotFoundError(f"{args.system} has no explanation evidence yet (or only expired "
                            f"evidence): run `workbench explain run {args.system} --model FILE "
                            "--data FILE --target COL`")
    d = found.content["details"]
    if args.json:
        print_json({"evidence_id": found.record_id, "version": found.version, "details": d})
        return 0
    print_fields([("evidence", f"{found.record_id} ({found.describe()})"),
                  ("summary", found.content.get("description", "")),
                  ("model", f"{d['model'].get('estimator')} {d['model'].get('sha256') or ''}"),
                  ("data", f"{d['sample_size']:,} rows, fingerprint {d['data_fingerprint']}"),
                  ("expires", found.content.get("expires_at") or "never")])
    print()
    print_table([(r["rank"], r["feature"], f"{r['importance_mean']:.4f}",
                  f"{r['importance_std']:.4f}") for r in d["importance"]],
                ["rank", "feature", "importance", "std"])
    return 0


# --------------------------------------------------------------------------- model cards


def _card_show(args: argparse.Namespace) -> int:
    from workbench.explain.card import card_state

    store = open_cli_store(args)
    state = card_state(store, args.system)
    if args.json:
        print_json({"card": state.stored.content if state.stored else None,
                    "version": state.stored.version if state.stored else None,
                    "status": state.status, "signoff": state.signoff_state,
                    "stale": state.stale, "changes": [c.text() for c in state.changes]})
        return 0
    if state.stored is None:  # as `explain show` without evidence (--json shows the state)
        from workbench.errors import NotFoundError

        raise NotFoundError(f"{args.system} has no model card yet: `workbench modelcard fill "
                            f"{args.system}`")
    card = state.card
    print_fields([
        ("model card", f"{state.card_id} ({state.stored.describe()})"),
        ("status", state.status), ("sign-off", state.signoff.summary() if state.signoff
                                   else "none"),
        ("stale", "yes: " + "; ".join(c.text() for c in state.changes) if state.stale
         else "no"),
        ("model", f"version {card.model_version or 'not declared'}, fingerprint "
                  f"{card.model_fingerprint[:12] or 'none'}"),
        ("provider", f"{card.provider.name} ({card.provider.contact})"),
        ("intended purpose", card.intended_purpose),
        ("accuracy", ", ".join(f"{k} {v:.3f}" for k, v in card.accuracy_metrics.items()
                               if v is not None)),
        ("accuracy statement", card.accuracy_statement),
        ("limitations", card.known_limitations), ("foreseeable misuse", card.foreseeable_misuse),
        ("interpretation", card.interpretation),
        ("input features", [f"{f.name} ({f.dtype})" for f in card.input_features]),
        ("human oversight", card.human_oversight), ("expected lifetime", card.expected_lifetime),
        ("maintenance", card.maintenance), ("logging", card.logging),
    ])
    missing = card.submit_problems()
    if missing:
        print(f"\nstill to write before submitting: {', '.join(f for f, _ in missing)}")
    return 0


def _card_fill(args: argparse.Namespace) -> int:
    from workbench.explain import card as C

    store = open_cli_store(args)
    if args.dry_run:
        card = C.fill(store, args.system, model_version=args.model_version)
        print_table([(s.role, s.kind, s.id, s.version) for s in card.sources],
                    ["source", "kind", "record", "version"])
        gaps = card.submit_problems()
        print(f"\ndry run: nothing saved; still to write: {', '.join(f for f, _ in gaps)}"
              if gaps else "\ndry run: nothing saved")
        return 0
    head = store.head()
    saved = C.refill(store, args.system, model_version=args.model_version)
    if store.head() == head:
        print(f"{saved.record_id} is already filled from its current "
              f"{len(saved.record.sources)} records ({saved.describe()}, "
              f"{saved.record.status.value}); nothing changed, nothing was saved")
    else:
        print(f"filled {saved.record_id} ({saved.describe()}) from "
              f"{len(saved.record.sources)} records")
    gaps = saved.record.submit_problems()
    if gaps:
        print(f"still to write before submitting: {', '.join(f for f, _ in gaps)}")
    return 0


def _card_submit(args: argparse.Namespace) -> int:
    from workbench.explain import card as C

    store = open_cli_store(args)
    head = store.head()
    saved = C.submit(store, args.system)
    if store.head() == head:
        print(f"{saved.record_id} is already submitted ({saved.describe()}) and unchanged; "
              "nothing was saved")
        return 0
    print(f"submitted {saved.record_id} ({saved.describe()}); request its sign-off: "
          f"workbench signoff request model_card {saved.record_id}")
    return 0


def _card_list(args: argparse.Namespace) -> int:
    from workbench.explain import card as C

    store = open_cli_store(args)
    df = C.card_frame(store)
    if args.json:
        print_json(df.to_dict(orient="records"))
        return 0
    print_table([(r.system_id, r.card_id, r.version, r.status, r.signoff,
                  "yes" if r.stale else "", "; ".join(r.changes))
                 for r in df.itertuples()],
                ["system", "card", "version", "status", "sign-off", "stale", "changed"])
    return 0
