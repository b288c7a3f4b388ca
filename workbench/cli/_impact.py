"""``workbench impact`` (assessments, EU AI Act classification) and ``workbench fairness``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from workbench.cli._common import add_json_flag, iso_date, open_cli_store
from workbench.cli._output import print_fields, print_json, print_table, warn_problems


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("impact", help="AI system impact assessments and the EU AI Act "
                              "classification")
    sub = p.add_subparsers(dest="impact_command", metavar="ACTION", required=True)

    q = sub.add_parser("show", help="a system's latest impact assessment")
    q.add_argument("system", metavar="SYSTEM")
    add_json_flag(q)
    q.set_defaults(handler=_show)

    q = sub.add_parser("classify", help="EU AI Act tier, obligations and the reasoning trail")
    q.add_argument("system", metavar="SYSTEM")
    q.add_argument("--all-steps", action="store_true",
                   help="also list the rules the answers ruled out")
    add_json_flag(q)
    q.set_defaults(handler=_classify)

    q = sub.add_parser("questionnaire", help="list the screening questions")
    q.add_argument("--extra", metavar="FILE", action="append", default=[],
                   help="also read an organization's questions from this YAML file")
    q.add_argument("--section", metavar="ID", help="only this section")
    add_json_flag(q)
    q.set_defaults(handler=_questionnaire)

    q = sub.add_parser("portfolio", help="every AI system with its tier and assessment state")
    q.add_argument("--as-of", type=iso_date, metavar="DATE",
                   help="day for overdue reviews (default today)")
    add_json_flag(q)
    q.set_defaults(handler=_portfolio)

    q = sub.add_parser("submit", help="submit a draft assessment for approval")
    q.add_argument("assessment", metavar="ASSESSMENT_ID")
    q.add_argument("--reason", default="submitted for approval")
    q.set_defaults(handler=_submit)

    q = sub.add_parser("risks", help="risks proposed for harms no measure addresses")
    q.add_argument("system", metavar="SYSTEM")
    q.add_argument("--save", action="store_true", help="add the proposals to the risk register")
    add_json_flag(q)
    q.set_defaults(handler=_risks)

    p = subparsers.add_parser("fairness", help="fairness evidence from a model's predictions")
    sub = p.add_subparsers(dest="fairness_command", metavar="ACTION", required=True)
    q = sub.add_parser(
        "check", help="compute fairness metrics from a predictions file and record evidence",
        description="Compute selection rate, accuracy and TPR/FPR by group and the demographic "
        "parity and equalized odds figures, compare them with the configured thresholds, and "
        "record the result as evidence for A.6.2.4 and A.5.4 linked to the system's impact "
        "assessment. Bad input (missing values, non-binary labels, unknown columns) exits 1 "
        "and records nothing.")
    q.add_argument("file", metavar="FILE", help="predictions, .csv or .parquet")
    q.add_argument("--system", required=True, metavar="ID", help="the AI system")
    q.add_argument("--label", required=True, metavar="COL", help="true outcome column (0/1)")
    q.add_argument("--prediction", required=True, metavar="COL", help="predicted outcome column")
    q.add_argument("--sensitive", required=True, metavar="COL[,COL]",
                   help="sensitive feature column(s), comma-separated")
    q.add_argument("--score", metavar="COL", help="model score column (optional)")
    q.add_argument("--pos-label", metavar="VALUE", help="the value meaning a positive outcome, "
                   "when the columns are not 0/1")
    q.add_argument("--min-group-size", type=int, metavar="N",
                   help="warn about groups smaller than this (default from the thresholds)")
    q.add_argument("--thresholds", metavar="FILE", help="thresholds YAML (default: "
                   "WORKBENCH_FAIRNESS_THRESHOLDS, else the shipped file)")
    q.add_argument("--dry-run", action="store_true", help="compute and show, record nothing")
    q.add_argument("--save-risks", action="store_true",
                   help="add the risks proposed for breaches to the risk register")
    add_json_flag(q)
    q.set_defaults(handler=_fairness_check)
    q = sub.add_parser("flags", help="every recorded fairness metric with its threshold")
    q.add_argument("--system", metavar="ID", help="only this AI system")
    q.add_argument("--breaches", action="store_true", help="only values outside a threshold")
    add_json_flag(q)
    q.set_defaults(handler=_fairness_flags)


# --------------------------------------------------------------------------- impact


def _latest(store: Any, system: str) -> Any:
    from workbench.errors import NotFoundError
    from workbench.impact import latest_assessment

    store.get("ai_system", system)  # a clear NotFoundError for an unknown system
    found = latest_assessment(store, system)
    if found is None:
        raise NotFoundError(f"{system} has no impact assessment yet; start one in the "
                            "impact_assessment notebook (ImpactAssessmentForm)")
    return found


def _show(args: argparse.Namespace) -> int:
    from workbench.impact import classify_system, completeness
    from workbench.impact.model import submission_gaps

    store = open_cli_store(args)
    found = _latest(store, args.system)
    a = found.record
    result = classify_system(store, args.system)
    if args.json:
        print_json(a.content() | {"_version": found.version, "classification":
                                  result.model_dump(mode="json")})
        return 0
    print_fields([
        ("assessment", f"{a.id} ({found.describe()})"), ("system", a.system_id),
        ("status", a.status.value), ("assessor", a.assessor), ("assessed on", a.assessed_on),
        ("trigger", a.trigger.value + (f": {a.trigger_detail}" if a.trigger_detail else "")),
        ("complete", f"{completeness(a):.0%}"), ("EU AI Act", result.summary()),
        ("scope", a.scope), ("capabilities", a.capabilities), ("purpose", a.purpose),
        ("intended uses", a.intended_uses), ("misuse", a.unintended_uses),
        ("conclusion", a.conclusion),
        ("review due", a.review_due), ("re-assess when", a.reassessment_triggers),
        ("to submit", [text for _, text in submission_gaps(a)]),
    ])
    if a.benefits:
        print("\nbenefits:")
        print_table([(b.party, *(getattr(b, k).value if getattr(b, k) else "not rated"
                                 for k in ("severity", "likelihood", "scale")), b.description)
                     for b in a.benefits],
                    ["party", "severity", "likelihood", "scale", "benefit"])
    if a.sensitive_use_thresholds:
        print("\nthresholds for sensitive uses:")
        print_table([(t.use, t.condition, t.response.value if t.response else "-")
                     for t in a.sensitive_use_thresholds], ["use", "threshold", "response"])
    if a.harms:
        print("\nharms:")
        covered = {h: m.id for m in a.measures for h in m.harm_ids}
        print_table([(h.id, h.party, h.objective.removeprefix("objective."), h.severity.value,
                      h.likelihood.value, h.reversibility.value, h.scale.value,
                      covered.get(h.id, "none"), h.description) for h in a.harms],
                    ["id", "party", "objective", "severity", "likelihood", "reversibility",
                     "scale", "measure", "harm"])
    if a.measures:
        print("\nmeasures:")
        print_table([(m.id, m.status.value, ", ".join(m.harm_ids), ", ".join(m.risk_ids),
                      m.description) for m in a.measures],
                    ["id", "status", "harms", "risks", "measure"])
    return 0


def _classify(args: argparse.Namespace) -> int:
    from workbench import catalog
    from workbench.impact import classify_system, questionnaire

    store = open_cli_store(args)
    result = classify_system(store, args.system)
    if args.json:
        print_json(result.model_dump(mode="json"))
        return 0
    print_fields([("system", args.system), ("tier", result.label()),
                  ("GPAI model track", result.gpai), ("role", " and ".join(result.roles)),
                  ("triggered", ", ".join(result.triggered) or "-")])
    if result.obligations:
        print("\nobligations:")
        print_table([(a, getattr(catalog.get(a), "title", "")) for a in result.obligations],
                    ["article", "title"])
    if result.missing:
        q = questionnaire()
        print("\nto answer" + (" (the tier depends on them):" if result.undetermined else ":"))
        print_table([(m, q.question(m).text if m in q else "") for m in result.missing],
                    ["question", "text"])
    steps = [s for s in result.reasoning if args.all_steps or s.effect != "rules_out"]
    print("\nreasoning:")
    print_table([(s.rule, s.question or "-", ", ".join(s.answer) if isinstance(s.answer, list)
                  else ("-" if s.answer is None else s.answer), s.conclusion) for s in steps],
                ["rule", "question", "answer", "conclusion"])
    return 0


def _questionnaire(args: argparse.Namespace) -> int:
    from workbench.impact import load_questionnaire

    q = load_questionnaire(*args.extra)
    questions = [x for x in q.questions if not args.section or x.section == args.section]
    if args.section and not questions:
        q.section(args.section)  # raises NotFoundError listing the sections
    if args.json:
        print_json([x.model_dump(mode="json", by_alias=True) | {"options": x.option_values()}
                    for x in questions])
        return 0
    print_table([(x.id, x.type, "yes" if x.required else "", x.ask_if.describe() if x.ask_if
                  else "", x.text) for x in questions],
                ["id", "type", "required", "asked if", "question"])
    return 0


def _portfolio(args: argparse.Namespace) -> int:
    from workbench.impact import portfolio
    from workbench.registers import problems_of

    store = open_cli_store(args)
    df = portfolio(store, as_of=args.as_of)
    warn_problems(problems_of(df))
    if args.json:
        print_json(df.to_dict(orient="records"))
        return 0
    print_table([(r.system_id, r.tier.replace("_", "-"), r.gpai, r.assessment_status,
                  r.approval, r.review_due or "-", "overdue" if r.overdue_review else "",
                  r.missing or "") for r in df.itertuples()],
                ["system", "tier", "GPAI", "assessment", "approval", "review due",
                 "review overdue", "open questions"])
    return 0


def _submit(args: argparse.Namespace) -> int:
    from workbench.impact import submit_assessment

    store = open_cli_store(args)
    saved = submit_assessment(store, args.assessment, reason=args.reason)
    print(f"submitted {saved.record_id} ({saved.describe()})")
    return 0


def _risks(args: argparse.Namespace) -> int:
    from workbench.impact import proposed_risks, save_proposed_risk

    store = open_cli_store(args)
    found = _latest(store, args.system)
    proposals = proposed_risks(store, found.record)
    if args.json and not args.save:
        print_json(proposals)
        return 0
    if not proposals:
        print(f"every harm of {found.record_id} has a measure; nothing to propose")
        return 0
    # a proposal saved earlier (by an earlier --save) is in the register: not proposed again
    in_register = {p["id"]: store.find("risk", p["id"]) for p in proposals}
    in_register = {k: v for k, v in in_register.items() if v is not None}
    new = [p for p in proposals if p["id"] not in in_register]
    print_table([(p["id"], p["objective"].removeprefix("objective."), p["inherent_likelihood"],
                  p["inherent_consequence"], p["title"],
                  f"yes (v{in_register[p['id']].version})" if p["id"] in in_register else "no")
                 for p in proposals],
                ["proposed risk", "objective", "likelihood", "consequence", "title",
                 "in register"])
    if args.save:
        for p in new:
            saved = save_proposed_risk(store, p)
            print(f"saved {saved.record_id} ({saved.describe()})")
        if in_register:
            ids = ", ".join(in_register)
            print(f"already in the risk register, not saved again: {ids}"
                  + ("" if new else "; nothing was saved"))
    return 0


# --------------------------------------------------------------------------- fairness


def _pos_label(text: str | None) -> Any:
    if text is None:
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            continue
    return {"true": True, "false": False}.get(text.lower(), text)


def _fairness_check(args: argparse.Namespace) -> int:
    import warnings

    from workbench import fairness
    from workbench.impact import save_proposed_risk

    store = open_cli_store(args)
    system = store.get("ai_system", args.system).record  # fail before the computation
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", fairness.FairnessWarning)
        result = fairness.check_file(args.file, label=args.label, prediction=args.prediction,
                                     sensitive=args.sensitive, score=args.score,
                                     thresholds=args.thresholds,
                                     min_group_size=args.min_group_size,
                                     pos_label=_pos_label(args.pos_label))
    for w in caught:
        if issubclass(w.category, fairness.FairnessWarning):
            print(f"warning: {w.message}", file=sys.stderr)
    saved = None
    if not args.dry_run:
        saved = fairness.record_evidence(store, result, system_id=args.system)
    proposals = fairness.proposed_risks(result, system_id=args.system, owner=system.owner,
                                        evidence_id=saved.record_id if saved else None)
    if args.json:
        print_json({"evidence_id": saved.record_id if saved else None,
                    "details": result.details(), "proposed_risks": proposals})
    else:
        print(result.summary())
        print_table([(r.feature, r.metric, "n/a" if r.value != r.value else f"{r.value:.3f}",
                      f"{'<=' if r.bound == 'max' else '>='} {r.threshold:g}" if r.bound else "-",
                      "BREACH" if r.breach else ("not judged" if r.value != r.value else ""))
                     for r in result.metrics.itertuples()],
                    ["feature", "metric", "value", "threshold", "verdict"])
        print()
        print_table([(r.feature, r.group, r.count, f"{r.selection_rate:.3f}",
                      f"{r.accuracy:.3f}", _rate(r.true_positive_rate),
                      _rate(r.false_positive_rate), "" if r.reliable else "small")
                     for r in result.by_group.itertuples()],
                    ["feature", "group", "rows", "selection", "accuracy", "TPR", "FPR",
                     "size"])
        print(f"\ndata fingerprint (SHA-256): {result.fingerprint}")
        if saved:
            print(f"recorded evidence {saved.record_id} ({saved.describe()})")
        else:
            print("dry run: nothing recorded")
        for p in proposals:
            print(f"proposed risk {p['id']}: {p['title']}")
    if args.save_risks and proposals:
        for p in proposals:
            done = save_proposed_risk(store, p)
            print(f"saved risk {done.record_id} ({done.describe()})", file=sys.stderr)
    return 0


def _rate(value: float) -> str:
    import math

    return "n/a" if math.isnan(value) else f"{value:.3f}"


def _fairness_flags(args: argparse.Namespace) -> int:
    from workbench import fairness

    store = open_cli_store(args)
    df = fairness.flags(store)
    if args.system:
        store.get("ai_system", args.system)  # an unknown system is an error, not an empty list
        df = df[df["system_id"] == args.system]
    if args.breaches:
        df = df[df["breach"]]
    if args.json:
        print_json(df.to_dict(orient="records"))
        return 0
    print_table([(r.system_id, r.evidence_id, r.feature, r.metric,
                  "n/a" if r.value != r.value else f"{r.value:.3f}",
                  f"{'<=' if r.bound == 'max' else '>='} {r.threshold:g}" if r.bound else "-",
                  "BREACH" if r.breach else "", "expired" if r.expired else "")
                 for r in df.itertuples()],
                ["system", "evidence", "feature", "metric", "value", "threshold", "verdict",
                 "expiry"])
    return 0
