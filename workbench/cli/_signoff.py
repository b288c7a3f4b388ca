"""``workbench signoff request | approve | reject | request-changes | withdraw | status |
pending | policy``: human oversight sign-off from the command line.

The acting user is the store's login on a team store, else JUPYTERHUB_USER under a hub, else
WORKBENCH_USER, else the OS login (see workbench.identity); the rules are the
library's (:mod:`workbench.oversight`), so a refusal here is the same refusal a widget shows.
"""

from __future__ import annotations

import argparse

from workbench.cli._common import add_json_flag, open_cli_store, positive_int
from workbench.cli._output import print_fields, print_json, print_table


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "signoff", help="human oversight: request, approve, reject and track sign-offs",
        description="Sign-off of records by the people the sign-off policy names. You act as "
        "WORKBENCH_USER; segregation of duties applies (you cannot approve a version you "
        "saved).")
    sub = p.add_subparsers(dest="signoff_command", metavar="ACTION", required=True)

    q = sub.add_parser("request", help="request sign-off of a record's current version")
    _target(q)
    q.add_argument("--note", default="", help="a message to the signers")
    q.set_defaults(handler=_request)

    q = sub.add_parser("approve", help="approve (with --condition: approve with conditions)")
    _target(q)
    _role(q)
    q.add_argument("--comment", default="", help="a comment kept with the approval")
    q.add_argument("--condition", action="append", default=[], metavar="TEXT",
                   help="a condition of the approval (repeat for several)")
    q.set_defaults(handler=_approve)

    for name, decision, text in (
            ("reject", "reject", "reject the version (a comment saying why is required)"),
            ("request-changes", "request_changes",
             "send the version back for changes (a comment saying what is required)")):
        q = sub.add_parser(name, help=text)
        _target(q)
        _role(q)
        q.add_argument("--comment", required=True, help="why (required)")
        q.set_defaults(handler=_decide_as(decision))

    q = sub.add_parser("withdraw", help="withdraw the open sign-off request of a record")
    q.add_argument("kind")
    q.add_argument("id")
    q.add_argument("--reason", default="", help="why it is withdrawn")
    q.set_defaults(handler=_withdraw)

    q = sub.add_parser("status", help="sign-off state of one record, or of every record")
    q.add_argument("kind", nargs="?", help="record kind (omit for every record)")
    q.add_argument("id", nargs="?", help="record id (omit for every record of the kind)")
    q.add_argument("--stale", action="store_true", help="only stale approvals")
    add_json_flag(q)
    q.set_defaults(handler=_status)

    q = sub.add_parser("pending", help="sign-offs awaiting you (or --user)")
    q.add_argument("--user", help="whose queue (default: you)")
    add_json_flag(q)
    q.set_defaults(handler=_pending)

    q = sub.add_parser("policy", help="the sign-off policy: which records need whose sign-off",
                       description="Shows the policy in force for the store. --set FILE "
                       "(admins only) keeps FILE in the store as its policy: versioned, and "
                       "from then on the policy in force whatever file a user names.")
    q.add_argument("--set", metavar="FILE", help="keep this policy file in the store (admin)")
    q.add_argument("--note", default="", help="why the policy changes (with --set)")
    add_json_flag(q)
    q.set_defaults(handler=_policy)


def _target(q: argparse.ArgumentParser) -> None:
    q.add_argument("kind", help="record kind, e.g. impact_assessment, risk, ai_system")
    q.add_argument("id", help="record id")
    q.add_argument("--version", type=positive_int,
                   help="the version you reviewed (refused if it is no longer the current one)")


def _role(q: argparse.ArgumentParser) -> None:
    q.add_argument("--role", metavar="SIGNER",
                   help="sign as this signer, e.g. governance_lead or system_owner (default: "
                   "the one you may give)")


def _short(h: str) -> str:
    return h[:12] + "…"


def _card_staleness(store, kind: str, record_id: str) -> str:
    """For a model card: "the card is stale: <what changed>" when its sources changed since it
    was filled (as `workbench modelcard show` says), else ""."""
    if kind != "model_card":
        return ""
    from workbench.errors import NotFoundError
    from workbench.explain.card import current_sources, source_changes

    found = store.find("model_card", record_id)
    if found is None:
        return ""
    card = found.record
    try:
        changes = source_changes(card.sources, current_sources(store, card.system_id),
                                 store=store)
    except NotFoundError:
        return f"the card is stale: its AI system {card.system_id} no longer exists"
    if not changes:
        return ""
    return ("the card is stale: " + "; ".join(c.text() for c in changes)
            + f"; refill it (workbench modelcard fill {card.system_id}) and request sign-off "
            "of the new version")


def _request(args: argparse.Namespace) -> int:
    from workbench import oversight
    from workbench.errors import ValidationError, WorkbenchError

    store = open_cli_store(args)
    head = store.head()
    try:
        req = oversight.request(store, args.kind, args.id, version=args.version,
                                note=args.note)
    except WorkbenchError as exc:
        stale = _card_staleness(store, args.kind, args.id)
        if not stale:
            raise
        message = f"{str(exc).rstrip('.')}; but {stale}"
        if isinstance(exc, ValidationError):
            raise type(exc)(message, exc.errors) from None
        raise type(exc)(message) from None
    needs = ", ".join(r.describe() for r in req.required)
    done = "requested" if store.head() != head else "was already requested"
    print(f"sign-off of {args.kind} {args.id!r} version {req.target_version} "
          f"(hash {_short(req.target_hash)}) {done} by {req.requested_by} "
          f"[{req.id}]; awaiting {needs}")
    stale = _card_staleness(store, args.kind, args.id)
    if stale:
        print(f"note: {stale}")
    return 0


def _report_decision(store, signoff, head: int) -> None:
    """What the decision did; the same decision made again records nothing and says so."""
    from workbench import oversight

    state = oversight.status(store, signoff.target_kind, signoff.target_id)
    what = signoff.decision.value.replace("_", " ")
    if store.head() == head:
        print(f"{signoff.signer} already recorded '{what}' on {signoff.target_kind} "
              f"{signoff.target_id!r} version {signoff.target_version} as {signoff.role} on "
              f"{signoff.decided_at:%Y-%m-%d}; nothing new was recorded")
    else:
        print(f"{signoff.signer} recorded '{what}' on {signoff.target_kind} "
              f"{signoff.target_id!r} version {signoff.target_version} "
              f"(hash {_short(signoff.target_hash)}) as {signoff.role}")
    print(f"status: {state.summary()}")


def _approve(args: argparse.Namespace) -> int:
    from workbench import oversight

    store = open_cli_store(args)
    head = store.head()
    decision = "approve_with_conditions" if args.condition else "approve"
    signoff = oversight.decide(store, args.kind, args.id, decision, role=args.role,
                               comment=args.comment, conditions=args.condition,
                               version=args.version)
    _report_decision(store, signoff, head)
    return 0


def _decide_as(decision: str):
    def handler(args: argparse.Namespace) -> int:
        from workbench import oversight

        store = open_cli_store(args)
        head = store.head()
        signoff = oversight.decide(store, args.kind, args.id, decision, role=args.role,
                                   comment=args.comment, version=args.version)
        _report_decision(store, signoff, head)
        return 0

    return handler


def _withdraw(args: argparse.Namespace) -> int:
    from workbench import oversight

    store = open_cli_store(args)
    req = oversight.withdraw(store, args.kind, args.id, reason=args.reason)
    print(f"withdrew the sign-off request {req.id} of {args.kind} {args.id!r} "
          f"version {req.target_version}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from workbench import oversight

    store = open_cli_store(args)
    if args.kind:
        from workbench.model import model_for

        model_for(args.kind)  # an unknown kind is an error, not "no sign-off activity"
    if args.kind and args.id:
        st = oversight.status(store, args.kind, args.id)
        stale = _card_staleness(store, args.kind, args.id)
        if args.json:
            extra = ({"card_stale": bool(stale), "card_staleness": stale or None}
                     if args.kind == "model_card" else {})
            print_json(st.model_dump(mode="json") | extra)
            return 0
        print_fields([
            ("record", f"{st.kind} {st.record_id!r} ({st.title})"),
            ("state", st.state + (" (card stale)" if stale else "")),
            ("summary", st.summary() + (f"; {stale}" if stale else "")),
            ("current version", f"{st.current_version} (hash {_short(st.current_hash)})"),
            ("approved version", st.approved_version),
            ("approved by", ", ".join(st.approved_by)),
            ("awaiting", st.pending_with),
            ("changed since approval", [f"{c.field}: {c.before} -> {c.after}"
                                        for c in st.changes]),
        ])
        if st.decisions:
            print("\ndecisions:")
            print_table([(f"{d.when:%Y-%m-%d %H:%M}", d.who, d.role, d.decision.value,
                          d.version, d.comment or "; ".join(d.conditions))
                         for d in st.decisions],
                        ["when (UTC)", "who", "as", "decision", "v", "comment / conditions"])
        return 0
    df = (oversight.stale_approvals(store, args.kind) if args.stale
          else oversight.status_frame(store, args.kind))
    if args.json:
        print_json(df.astype(object).where(df.notna(), None).to_dict(orient="records"))
        return 0
    if df.empty:
        what = "no stale approval" if args.stale else "no sign-off activity"
        print(what + (f" of {args.kind} records" if args.kind else ""))
        return 0
    if args.stale:
        rows = [(r.kind, r.record_id, r.approved_version, r.current_version, r.approved_by,
                 r.changed_fields) for r in df.itertuples()]
        print_table(rows, ["kind", "id", "approved v", "current v", "approved by",
                           "changed since"])
        return 0
    rows = [(r.kind, r.record_id, r.state + (" (card stale)" if r.kind == "model_card" and
                                             _card_staleness(store, r.kind, r.record_id)
                                             else ""),
             "" if r.approved_version is None or
             str(r.approved_version) == "<NA>" else r.approved_version, r.current_version,
             r.approved_by, r.pending_with) for r in df.itertuples()]
    print_table(rows, ["kind", "id", "state", "approved v", "current v", "approved by",
                       "awaiting"])
    return 0


def _pending(args: argparse.Namespace) -> int:
    from workbench import oversight
    from workbench.identity import current_user

    if args.user is not None and not args.user.strip():
        from workbench.errors import ConfigurationError

        raise ConfigurationError("--user was given an empty value; name whose queue to show (a "
                                 "login), or leave --user out for your own")
    store = open_cli_store(args)
    user = args.user or current_user(store)
    if args.user:
        store.get("person", args.user)  # an unknown login is an error, not an empty queue
    df = oversight.pending(store, user)
    if args.json:
        print_json(df.astype(object).where(df.notna(), None).to_dict(orient="records"))
        return 0
    if df.empty:
        print(f"nothing awaits {user}'s sign-off")
        return 0
    rows = [(r.kind, r.record_id, r.version, r.sign_as, r.requested_by,
             f"{r.requested_at:%Y-%m-%d}", r.waiting_days, r.note) for r in df.itertuples()]
    print_table(rows, ["kind", "id", "v", "sign as", "requested by", "on", "days", "note"])
    return 0


def _policy(args: argparse.Namespace) -> int:
    from workbench.errors import WorkbenchError
    from workbench.oversight.policy import load_policy, policy_source, save_policy

    if args.set:
        store = open_cli_store(args)
        head = store.head()
        saved = save_policy(store, args.set, note=args.note)
        if store.head() == head:
            print(f"the store's sign-off policy in force (version {saved.version}, saved by "
                  f"{saved.author} on {saved.saved_at:%Y-%m-%d}) is already the one in "
                  f"{args.set}; nothing was saved")
            return 0
        print(f"the sign-off policy from {args.set} is now the store's policy "
              f"(version {saved.version}, saved by {saved.author})")
        return 0
    try:
        store = open_cli_store(args)
    except WorkbenchError:  # no store yet: the policy a new store would start with
        store = None
    policy = load_policy(store=store)
    if args.json:
        print_json(policy.model_dump(mode="json", by_alias=True))
        return 0
    rows = [(r.kind, r.id, " and ".join(c.describe() for c in r.when) or "always",
             " + ".join(policy.signers[s].label for s in r.requires)) for r in policy.rules]
    print(f"in force: {policy_source(store)}")
    print_table(rows, ["kind", "rule", "when", "signed by"])
    return 0
