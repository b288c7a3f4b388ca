"""The inputs of the readiness rules, each read from the store once and shared by every rule.

A :class:`Facts` holds one store and one day. Each accessor loads its register on first use
(``store.frame`` per kind, the sign-off states once for every kind, the risk register and the
impact portfolio once) and keeps it, so evaluating 70 rules costs a handful of queries and
pandas operations, never a query per record. Accessors note which record kinds they read
(:attr:`Facts.touched`) so a test can check that every rule declares what it reads.

Registers are read checked (:func:`workbench.registers.read_register`): a stored record that
fails its model is left out and kept in :meth:`Facts.problems`, so one bad record never
stops readiness; the engine names it in the result of every rule that reads its kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.readiness.model import AIPolicy, StatementOfApplicability
    from workbench.registers import RecordProblem
    from workbench.store import Store, VerifyReport

__all__ = ["SYSTEM_SCOPES", "Coverage", "Facts", "PolicyView", "SoAView"]

#: Ways a rule can pick the AI systems a requirement is about (see :meth:`Facts.systems_in`).
SYSTEM_SCOPES = {
    "in_scope": "in-scope AI systems",
    "developed": "in-scope AI systems the organization provides or develops",
    "operating": "in-scope AI systems in deployment or operation",
    "deployed": "in-scope AI systems the organization deploys",
    "provided": "in-scope AI systems the organization provides to others",
    "third_party": "in-scope AI systems with third-party components",
    "interacting": "in-scope AI systems with EU AI Act transparency or high-risk obligations",
}
_LIVE_STAGES = ("deploy", "operate")
#: Requirements met by monitoring or measurement results. A report (evidence kind ``report``)
#: shows what the store held: it records reporting and is never counted as such a result.
MONITORING_REQUIREMENTS = frozenset({"9.1", "A.6.2.6"})


def _empty(columns: list[str], dates: tuple[str, ...]) -> pd.DataFrame:
    """An empty frame whose date columns are datetimes (so ``.dt`` works on it)."""
    import pandas as pd

    frame = pd.DataFrame(columns=columns)
    for col in dates:
        frame[col] = pd.to_datetime(frame[col])
    return frame


def _as_date(value: Any) -> dt.date | None:
    if value is None or value != value:  # NaN and NaT (a datetime) are not equal to themselves
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@dataclass
class SoAView:
    """The Statement of Applicability: its current record and sign-off state."""

    current: StatementOfApplicability | None = None
    version: int | None = None
    state: str = "none"
    approved_version: int | None = None
    approved_by: str = ""

    @property
    def approved(self) -> bool:
        """True when the current content is approved (a stale approval does not count)."""
        return self.current is not None and self.state == "approved"


@dataclass
class PolicyView:
    """The AI policy in force: the approved one with the latest ``effective_from``, else the
    newest one (not approved)."""

    policy: AIPolicy | None = None
    record_id: str | None = None
    version: int | None = None
    state: str = "none"
    approved_by: str = ""
    count: int = 0

    @property
    def approved(self) -> bool:
        return self.policy is not None and self.state == "approved"


@dataclass
class Coverage:
    """Which systems have valid evidence of some requirement, and what expired."""

    valid: list[str] = field(default_factory=list)  # evidence ids that count
    expired: list[str] = field(default_factory=list)  # "ev-id (expired 2026-01-31)"
    covered: list[str] = field(default_factory=list)  # system ids with valid evidence
    uncovered: list[str] = field(default_factory=list)  # system ids without
    expired_only: dict[str, list[str]] = field(default_factory=dict)  # system -> expired ids
    #: Evidence linked to a requirement that does not accept its kind, said in one sentence
    #: each: "ev-x (other) is not accepted for A.6.2.4: it takes test results, ...".
    refused: list[str] = field(default_factory=list)


class Facts:
    """Shared inputs of the readiness rules for one store on one day.

    Parameters
    ----------
    store
        The workbench store.
    today
        The day evidence expiry, review dates and "the last 12 months" are judged on.
    verify
        Recompute the store's hash chain for 7.5.3 (a full read of the store).
    verified
        The outcome of a verification already made that holds for this store (e.g. a whole
        chain found intact, which holds for every earlier view of it): used instead of
        verifying again.
    """

    def __init__(self, store: Store, today: dt.date | None = None, *,
                 verify: bool = True, verified: VerifyReport | None = None) -> None:
        self.store = store
        self.today = today or dt.date.today()
        self.verify_chain = verify or verified is not None
        self.touched: set[str] = set()
        self._cache: dict[str, Any] = {} if verified is None else {"verify": verified}
        self._problems: dict[tuple[str, str, int | None], RecordProblem] = {}

    def _get(self, key: str, kinds: Iterable[str], load: Callable[[], Any]) -> Any:
        self.touched.update(kinds)
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    @property
    def year_ago(self) -> dt.date:
        return self.today - dt.timedelta(days=365)

    # -- registers -----------------------------------------------------------------------------
    def frame(self, kind: str) -> pd.DataFrame:
        """The latest version of every record of ``kind`` (one query, cached); records that
        fail their checks are left out and noted in :meth:`problems`."""
        def load() -> pd.DataFrame:
            from workbench.registers import read_register

            return self._noted(read_register(self.store, kind).frame)

        return self._get(f"frame:{kind}", (kind,), load)

    def _noted(self, frame: Any) -> Any:
        """Note the problems a checked frame carries; return the frame."""
        from workbench.registers import problems_of

        for p in problems_of(frame):
            self._problems.setdefault((p.kind, p.record_id, p.version), p)
        return frame

    def read(self, kind: str) -> None:
        """Read the register of ``kind`` now (checked, cached), so its problems are known.

        Risks are read through the risk register, which checks them: no second read."""
        if kind == "risk":
            self.register()
        else:
            self.frame(kind)

    def problems(self, kinds: Iterable[str] | None = None) -> list[RecordProblem]:
        """Records left out of what was read so far because they fail their checks (of
        ``kinds``, or of every kind)."""
        wanted = None if kinds is None else set(kinds)
        return [p for p in self._problems.values() if wanted is None or p.kind in wanted]

    def systems(self) -> pd.DataFrame:
        """AI systems with scope flags: ``live`` (in scope and not retired), ``developed``,
        ``operating``, ``deployed``, ``provided``, ``third_party`` and a ``label``."""
        return self._get("systems", ("ai_system",), self._load_systems)

    def _load_systems(self) -> pd.DataFrame:
        import pandas as pd

        df = self.frame("ai_system").copy()
        if df.empty:
            # Typed empty columns: an object-dtype empty mask would select columns, not rows.
            for col in ("live", "developed", "operating", "deployed", "provided",
                        "third_party"):
                df[col] = pd.Series(dtype=bool)
            df["label"] = pd.Series(dtype=str)
            return df

        def has(role: str) -> Any:
            return df["org_roles"].map(lambda roles: role in (roles or []))

        df["live"] = df["in_scope"].astype(bool) & (df["status"] != "retired")
        df["developed"] = df["live"] & (has("provider") | has("developer"))
        df["provided"] = df["live"] & has("provider")
        df["deployed"] = df["live"] & has("deployer")
        df["operating"] = (df["live"] & df["lifecycle_stage"].isin(_LIVE_STAGES)
                           & (df["status"] == "active"))
        third = df["third_party_components"].map(lambda c: bool(c))
        df["third_party"] = df["live"] & (third | ~(has("provider") | has("developer")))
        df["label"] = df["name"].astype(str) + " (" + df["id"].astype(str) + ")"
        return df

    def systems_in(self, scope: str) -> pd.DataFrame:
        """The systems a requirement is about (a key of :data:`SYSTEM_SCOPES`)."""
        systems = self.systems()
        if scope == "in_scope":
            return systems[systems["live"]]
        if scope == "interacting":
            tiers = self.portfolio()
            wanted = set(tiers.loc[tiers["tier"].isin(["high_risk", "transparency"]),
                                   "system_id"])
            return systems[systems["live"] & systems["id"].isin(wanted)]
        if scope not in SYSTEM_SCOPES:
            raise KeyError(f"unknown system scope {scope!r}; use one of {', '.join(SYSTEM_SCOPES)}")
        return systems[systems[scope]]

    def people(self) -> pd.DataFrame:
        return self.frame("person")

    def holders(self, role: str) -> list[str]:
        """Logins of the active people holding ``role``."""
        people = self.people()
        if people.empty:
            return []
        mask = people["active"].astype(bool) & people["roles"].map(lambda r: role in (r or []))
        return sorted(people.loc[mask, "id"].astype(str))

    # -- evidence ------------------------------------------------------------------------------
    def evidence(self) -> pd.DataFrame:
        """Evidence with ``expires`` (date or None), ``expired`` and ``valid`` (bool)."""
        return self._get("evidence", ("evidence",), self._load_evidence)

    def _load_evidence(self) -> pd.DataFrame:
        import pandas as pd

        df = self.frame("evidence").copy()
        expires = pd.to_datetime(df["expires_at"], errors="coerce")
        df["expires"] = expires.dt.date.astype(object).where(expires.notna(), None)
        df["expired"] = (expires.notna() & (expires < pd.Timestamp(self.today))).astype(bool)
        df["valid"] = ~df["expired"]
        return df

    def evidence_links(self) -> pd.DataFrame:
        """One row per evidence item, target and system: ``target`` is a control id, a
        clause id or ``kind:<evidence kind>``; ``system_id`` is None for organization-wide
        evidence."""
        return self._get("evidence_links", ("evidence",), self._load_links)

    def _load_links(self) -> pd.DataFrame:
        import pandas as pd

        ev = self.evidence()
        cols = ["evidence_id", "target", "system_id", "valid", "expires", "evidence_kind"]
        if ev.empty:
            return pd.DataFrame(columns=cols).astype({"valid": bool})
        base = pd.DataFrame({"evidence_id": ev["id"], "system_ids": ev["system_ids"],
                             "valid": ev["valid"], "expires": ev["expires"],
                             "evidence_kind": ev["evidence_kind"].astype(str)})
        parts = []
        for column in ("control_ids", "clause_ids"):
            part = base.assign(target=ev[column]).explode("target").dropna(subset=["target"])
            parts.append(part)
        parts.append(base.assign(target="kind:" + ev["evidence_kind"].astype(str)))
        links = pd.concat(parts, ignore_index=True)
        reports = set(ev.loc[ev["evidence_kind"].astype(str) == "report", "id"])
        links = links[~(links["evidence_id"].isin(reports)
                        & links["target"].isin(MONITORING_REQUIREMENTS))]
        links["system_ids"] = links["system_ids"].map(lambda s: list(s) if s else [None])
        links = links.explode("system_ids").rename(columns={"system_ids": "system_id"})
        return links[cols].reset_index(drop=True)

    def refused(self, requirement_id: str) -> list[str]:
        """Evidence linked to a requirement whose kind the requirement does not accept (the
        catalog's ``accepts``), one sentence each; such evidence never counts."""
        self.touched.add("evidence")
        links = self.evidence_links()
        by_target = self._links_by_target(links)
        if requirement_id not in by_target:
            return []
        return self._accepted(requirement_id, by_target[requirement_id])[1]

    def _links_by_target(self, links: pd.DataFrame) -> dict[str, pd.DataFrame]:
        return self._get("links_by_target", ("evidence",), lambda: {
            str(t): g for t, g in links.groupby("target", sort=False)})

    def _accepted(self, target: str, links: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        """The links of ``target`` whose evidence kind it accepts, and a sentence for each
        item it refuses. ``kind:...`` targets and ids the catalog does not know take all."""
        def load() -> tuple[pd.DataFrame, list[str]]:
            from workbench import catalog
            from workbench.errors import NotFoundError

            if target.startswith("kind:"):
                return links, []
            try:
                accepts = catalog.accepted_evidence(target)
            except NotFoundError:
                return links, []
            ok = links["evidence_kind"].isin(accepts)
            takes = catalog.accepted_evidence_text(target)
            bad = links[~ok].drop_duplicates("evidence_id")
            refused = [f"{e} ({k}) is not accepted for {target}: it takes {takes}" for e, k in
                       sorted(zip(bad["evidence_id"], bad["evidence_kind"], strict=True))]
            return links[ok], refused

        return self._get(f"accepted:{target}", ("evidence",), load)

    def coverage(self, targets: Iterable[str], systems: pd.DataFrame | None = None, *,
                 org_wide_counts: bool = True) -> Coverage:
        """Evidence of ``targets`` (control or clause ids, ``kind:...``), per system or not.

        Only evidence of a kind the requirement accepts counts (the catalog's ``accepts``);
        the rest is named in ``refused``. With ``systems``, a system is covered when valid
        evidence names it (or, with ``org_wide_counts``, when organization-wide evidence
        exists). Expired evidence never covers anything; it is listed in ``expired``.
        """
        import pandas as pd

        links = self.evidence_links()
        by_target = self._links_by_target(links)
        parts, refused = [], []
        for t in dict.fromkeys(targets):
            if t in by_target:
                kept, said = self._accepted(t, by_target[t])
                parts.append(kept)
                refused += said
        hits = pd.concat(parts) if parts else links.iloc[0:0]
        if systems is not None and not org_wide_counts:
            hits = hits[hits["system_id"].notna()]
        if systems is not None:
            wanted = set(systems["id"])
            hits = hits[hits["system_id"].isna() | hits["system_id"].isin(wanted)]
        valid = hits["valid"].astype(bool)
        good = hits[valid]
        stale = hits[~valid].drop_duplicates("evidence_id")
        out = Coverage(
            valid=sorted(set(good["evidence_id"])),
            expired=[f"{e} (expired {d})" for e, d in
                     sorted(zip(stale["evidence_id"], stale["expires"], strict=True))],
            refused=refused)
        if systems is None:
            return out
        org_wide = bool(good["system_id"].isna().any())
        named = set(good["system_id"].dropna())
        ids = list(systems["id"])
        out.covered = [s for s in ids if org_wide or s in named]
        out.uncovered = [s for s in ids if s not in set(out.covered)]
        old = stale[stale["system_id"].isin(out.uncovered)]
        for sid, group in old.groupby("system_id"):
            out.expired_only[str(sid)] = [f"{e} (expired {d})" for e, d in
                                          zip(group["evidence_id"], group["expires"],
                                              strict=True)]
        return out

    # -- sign-off ------------------------------------------------------------------------------
    def signoffs(self) -> pd.DataFrame:
        """The sign-off state of every record with sign-off activity (computed once)."""
        def load() -> pd.DataFrame:
            from workbench import oversight

            return oversight.status_frame(self.store)

        return self._get("signoffs", ("signoff", "signoff_request"), load)

    def approvals(self, kind: str) -> pd.DataFrame:
        """Sign-off rows of one kind, indexed by record id (cached per kind)."""
        def load() -> pd.DataFrame:
            frame = self.signoffs()
            return frame[frame["kind"] == kind].set_index("record_id")

        return self._get(f"approvals:{kind}", (kind, "signoff", "signoff_request"), load)

    def approval(self, kind: str, record_id: str) -> dict[str, Any] | None:
        """The sign-off row of one record as a dict (None without sign-off activity)."""
        rows = self._get(f"approval_rows:{kind}", (kind, "signoff", "signoff_request"),
                         lambda: self.approvals(kind).to_dict(orient="index"))
        return rows.get(record_id)

    def state_of(self, kind: str, record_id: str) -> str:
        """``approved``, ``pending``, ``stale``, ``rejected``, ``changes_requested`` or
        ``none``."""
        row = self.approval(kind, record_id)
        return "none" if row is None else str(row["state"])

    # -- other features' views -----------------------------------------------------------------
    def register(self) -> pd.DataFrame:
        """The risk register (levels from the criteria in force), as of :attr:`today`."""
        def load() -> pd.DataFrame:
            from workbench import risk

            return self._noted(risk.register(self.store, as_of=self.today))

        return self._get("register", ("risk", "risk_criteria", "ai_system"), load)

    def criteria_saved(self) -> bool:
        """True when the organization saved its own risk criteria (not the default)."""
        return not self.frame("risk_criteria").empty

    def portfolio(self) -> pd.DataFrame:
        """One row per AI system with its EU AI Act tier and obligations (impact feature)."""
        def load() -> pd.DataFrame:
            from workbench import impact

            return self._noted(impact.portfolio(self.store, as_of=self.today))

        return self._get("portfolio", ("impact_assessment", "ai_system", "signoff",
                                       "signoff_request"), load)

    def assessments(self) -> pd.DataFrame:
        """Impact assessments with their sign-off state (``approval``), dates parsed, the
        submit check's ``gaps`` (question texts still unanswered) and ``counts`` (submitted
        and passing the submit check: the only assessments readiness counts)."""
        def load() -> pd.DataFrame:
            import pandas as pd

            from workbench.impact.assess import answer_contradictions
            from workbench.impact.model import submission_gaps
            from workbench.impact.questionnaire import questionnaire

            df = self.frame("impact_assessment").copy()
            q = questionnaire()

            def gaps(row: dict[str, Any]) -> list[str]:
                # what the submit check refuses today, also in one saved before it did
                missing = [t for _, t in submission_gaps(row, questionnaire=q)]
                return missing + [f'answer "{a}" and "{b}" consistently' for _, a, b in
                                  answer_contradictions(row.get("answers") or {},
                                                        questionnaire=q)]

            df["gaps"] = pd.Series([gaps(row) for row in df.to_dict(orient="records")],
                                   index=df.index, dtype=object)
            df["counts"] = ((df["status"] == "submitted") & (df["gaps"].map(len) == 0)
                            ).astype(bool) if not df.empty else pd.Series(dtype=bool)
            states = self.approvals("impact_assessment")["state"]
            df["approval"] = (df["id"].map(states.to_dict()).astype(object).fillna("none")
                              .astype(str))
            for col in ("assessed_on", "review_due"):
                df[col] = pd.to_datetime(df[col], errors="coerce")
            return df

        return self._get("assessments", ("impact_assessment", "signoff", "signoff_request"),
                         load)

    def model_cards(self) -> pd.DataFrame:
        """Model cards indexed by system id: status, sign-off state, ``approved``, ``stale``
        (its sources changed since it was filled), ``changes`` and ``explanation_id``."""
        def load() -> pd.DataFrame:
            from workbench.explain.card import card_frame

            return card_frame(self.store, today=self.today, frames=self.frame,
                              signoffs=self.signoffs()).set_index("system_id")

        return self._get("model_cards", ("model_card", "ai_system", "organization", "person",
                                         "impact_assessment", "evidence", "signoff",
                                         "signoff_request"), load)

    # -- this feature's records ----------------------------------------------------------------
    def soa(self) -> SoAView:
        def load() -> SoAView:
            import pandas as pd

            from workbench.readiness.model import SOA_ID
            from workbench.registers import InvalidRecordError

            found = self.store.find("soa", SOA_ID)
            if found is None:
                return SoAView()
            try:
                current = found.record
            except InvalidRecordError as exc:  # judged as if there were no SoA, and named
                self._problems.setdefault((exc.problem.kind, exc.problem.record_id,
                                           exc.problem.version), exc.problem)
                return SoAView()
            rows = self.approvals("soa")
            view = SoAView(current=current, version=found.version,
                           state=self.state_of("soa", SOA_ID))
            if SOA_ID in rows.index and not pd.isna(rows.at[SOA_ID, "approved_version"]):
                view.approved_version = int(rows.at[SOA_ID, "approved_version"])
                view.approved_by = str(rows.at[SOA_ID, "approved_by"])
            return view

        return self._get("soa", ("soa", "signoff", "signoff_request"), load)

    def policy(self) -> PolicyView:
        def load() -> PolicyView:
            from workbench.model import validate_record
            from workbench.readiness.model import AIPolicy

            df = self.frame("ai_policy")
            if df.empty:
                return PolicyView()
            states = self.approvals("ai_policy")
            state = df["id"].map(states["state"].to_dict()).astype(object)
            by = df["id"].map(states["approved_by"].to_dict()).astype(object)
            df = df.assign(state=state.fillna("none").astype(str),
                           approved_by=by.fillna("").astype(str))
            df = df.sort_values(["effective_from", "_saved_at"])
            approved = df[df["state"] == "approved"]
            row = (approved if not approved.empty else df).iloc[-1]
            content = {k: row[k] for k in AIPolicy.model_fields}
            return PolicyView(policy=validate_record(AIPolicy, content),
                              record_id=str(row["id"]), version=int(row["_version"]),
                              state=str(row["state"]), approved_by=str(row["approved_by"]),
                              count=len(df))

        return self._get("policy", ("ai_policy", "signoff", "signoff_request"), load)

    def objectives(self) -> pd.DataFrame:
        return self.frame("ai_objective")

    def audits(self) -> pd.DataFrame:
        """One row per audit of every programme, with the programme's fields prefixed."""
        def load() -> pd.DataFrame:
            import pandas as pd

            prog = self.frame("audit_programme")
            cols = ["programme_id", "period_start", "period_end", "id", "title", "planned_on",
                    "auditor", "completed_on", "results", "reported_to"]
            if prog.empty:
                return _empty(cols, ("planned_on", "completed_on"))
            rows = prog[["id", "period_start", "period_end", "audits"]].rename(
                columns={"id": "programme_id"}).explode("audits").dropna(subset=["audits"])
            if rows.empty:
                return _empty(cols, ("planned_on", "completed_on"))
            detail = pd.json_normalize(rows["audits"].tolist())
            out = pd.concat([rows.drop(columns="audits").reset_index(drop=True), detail],
                            axis=1)
            for col in ("planned_on", "completed_on"):
                out[col] = pd.to_datetime(out[col], errors="coerce")
            return out[cols]

        return self._get("audits", ("audit_programme",), load)

    def reviews(self) -> pd.DataFrame:
        """Management reviews, newest first (``held`` parsed)."""
        def load() -> pd.DataFrame:
            import pandas as pd

            df = self.frame("management_review").copy()
            df["held"] = pd.to_datetime(df["held_on"], errors="coerce")
            return df.sort_values("held", ascending=False).reset_index(drop=True)

        return self._get("reviews", ("management_review",), load)

    def review_decisions(self) -> pd.DataFrame:
        """One row per decision of every management review."""
        def load() -> pd.DataFrame:
            import pandas as pd

            reviews = self.reviews()
            cols = ["review_id", "id", "description", "kind", "owner", "due", "done_on"]
            rows = reviews[["id", "decisions"]].rename(columns={"id": "review_id"}).explode(
                "decisions").dropna(subset=["decisions"])
            if rows.empty:
                return _empty([*cols, "note"], ("due", "done_on"))
            detail = pd.json_normalize(rows["decisions"].tolist())
            out = pd.concat([rows.drop(columns="decisions").reset_index(drop=True), detail],
                            axis=1)
            for col in ("due", "done_on"):
                out[col] = pd.to_datetime(out[col], errors="coerce")
            return self._followed_up(out[cols].assign(note=""))

        return self._get("review_decisions", ("management_review", "review_followup"), load)

    def _followed_up(self, decisions: pd.DataFrame) -> pd.DataFrame:
        """``decisions`` with ``done_on`` (and ``note``: what was done) taken from their
        follow-up records (kind ``review_followup``) where the minutes do not say it: a
        follow-up counts only when it names the owner the minutes give the decision."""
        import pandas as pd

        from workbench.features import record_kinds

        if "review_followup" not in record_kinds() or decisions.empty:
            return decisions
        follow = self.frame("review_followup")
        if follow.empty:
            return decisions
        done = (follow.assign(done=pd.to_datetime(follow["done_on"], errors="coerce"))
                .sort_values("done").drop_duplicates(["review_id", "decision_id", "owner"])
                .set_index(["review_id", "decision_id", "owner"]))
        keys = pd.MultiIndex.from_frame(decisions[["review_id", "id", "owner"]].astype(str))
        found = done.reindex(keys)
        out = decisions.copy()
        fill = out["done_on"].isna().to_numpy()
        out["done_on"] = out["done_on"].fillna(
            pd.Series(found["done"].to_numpy(), index=decisions.index))
        notes = found["note"].fillna("").astype(str).to_numpy()
        out["note"] = [n if f else old for n, f, old in zip(notes, fill, out["note"],
                                                            strict=True)]
        return out

    def nonconformities(self) -> pd.DataFrame:
        return self.frame("nonconformity")

    def verify(self) -> VerifyReport | None:
        """The store's integrity check (None when verification was switched off)."""
        if not self.verify_chain:
            return None
        return self._get("verify", (), self.store.verify)

    def verified(self) -> VerifyReport | None:
        """The verification made so far for these facts, without making one (None if no
        rule asked for it)."""
        return self._cache.get("verify")

    def date(self, value: Any) -> dt.date | None:
        """A stored date (ISO text, timestamp or date) as a date."""
        return _as_date(value)
