"""What a report says about itself, its evidence record, and checking a report file later.

A report is a record of *reporting*: evidence kind ``report``. It shows what the store held;
it is not a monitoring or measurement result, and readiness does not count it as one.

Every report gets an id before it is exported (``report-TEMPLATE-SYSTEM-TIME-NBHASH``: the
template, the system, when it started, and the first 8 hex digits of the SHA-256 of its
executed notebook). The id is printed on the first page and in every PDF page footer, and it
is the id of the report's evidence record. The record holds the SHA-256 of the file written
(``content_hash``), of the HTML a PDF was printed from (the hash a PDF's footer shows: a file
cannot contain its own hash), of the executed notebook, and the store head the report saw.
:func:`verify_report` takes a report file, finds its record by the file's SHA-256 and says
which report it is; any change to the file makes that lookup fail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError

if TYPE_CHECKING:  # pragma: no cover
    from workbench.reports.export import Cover
    from workbench.reports.templates import Template
    from workbench.store import Store, StoredVersion

__all__ = ["ReportIdentity", "record_report", "report_id", "verify_report"]


def report_id(template: str, system_id: str | None, started: dt.datetime,
              notebook_hash: str) -> str:
    """``report-TEMPLATE-SYSTEM-YYYYMMDDtHHMMSS-NBHASH8`` (a slug; the evidence record's id)."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", f"report-{template}-{system_id or 'all'}".lower())
    return f"{slug[:70]}-{started.astimezone(dt.timezone.utc):%Y%m%dt%H%M%S}-{notebook_hash[:8]}"


@dataclass(frozen=True)
class ReportIdentity:
    """Who a report is: what its first page and footers show and its record keeps."""

    report_id: str
    template: str
    title: str
    system_id: str | None
    system_name: str | None
    period: str
    started: dt.datetime
    store_head: tuple[int, str]
    notebook_hash: str

    @property
    def heading(self) -> str:
        """The report's title with the system's name (``AI system report: ClearCredit``)."""
        return f"{self.title}: {self.system_name}" if self.system_name else self.title

    def cover(self) -> Cover:
        import workbench
        from workbench.identity import current_user
        from workbench.reports.export import Cover

        seq, entry = self.store_head
        return Cover(title=self.title, system_name=self.system_name, system_id=self.system_id,
                     period=self.period,
                     date=f"{self.started.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
                     store_seq=seq, store_hash=entry, report_id=self.report_id,
                     template=self.template,
                     generated_by=f"workbench {workbench.__version__}, run by {current_user()}")

    def footer(self, html_hash: str) -> str:
        """The text of a PDF page footer (the page number is added by the printer)."""
        return f"{self.report_id} · HTML SHA-256 {html_hash}"


def record_report(store: Store, report: ReportIdentity, *, template: Template,
                  system_ids: Sequence[str], final: Path, fmt: str, output_hash: str,
                  html_hash: str, template_hash: str, parameters: Mapping[str, Any],
                  store_url: str, duration: float, shard: str | None = None) -> str:
    """Save the report as evidence (kind ``report``); returns its id (the report id)."""
    import workbench
    from workbench.model import Evidence
    from workbench.store import safe_url

    seq, entry = report.store_head
    details: dict[str, Any] = {
        "report_id": report.report_id, "template": template.name,
        "template_hash": template_hash,
        "parameters": {k: safe_url(v) if k == "database_url" and v else v
                       for k, v in parameters.items()},
        "period": report.period, "format": fmt, "file": final.name,
        "output_hash": output_hash, "html_hash": html_hash,
        "notebook_hash": report.notebook_hash,
        "store_head": {"seq": seq, "hash": entry}, "store": safe_url(store_url),
        "started_at": report.started.astimezone(dt.timezone.utc).isoformat(),
        "duration_s": round(duration, 3),
        "generated_by": f"workbench {workbench.__version__}",
    }
    if shard:
        details["shard"] = shard
    evidence = Evidence(
        id=report.report_id, title=f"{report.heading} ({report.period})",
        evidence_kind="report",
        description=(f"A report (a record of reporting, not a monitoring result): "
                     f"`workbench report {template.name}` as {fmt}, from the store as of "
                     f"entry #{seq}."),
        uri=final.resolve().as_uri(), content_hash=output_hash, collected_by=store.acting_user(),
        collected_at=dt.datetime.now(dt.timezone.utc), control_ids=list(template.control_ids),
        clause_ids=list(template.clause_ids), system_ids=list(system_ids), details=details)
    store.save(evidence, reason=f"report {template.name} generated")
    return report.report_id


def verify_report(store: Store, path: str | Path) -> StoredVersion:
    """The evidence record of a report file, found by the file's SHA-256.

    Raises
    ------
    NotFoundError
        The file cannot be read, or no report recorded in this store has its SHA-256 (it was
        changed after it was written, or it was recorded in another store).
    """
    path = Path(path)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise NotFoundError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    frame = store.frame("evidence", meta=False)
    hits = frame[(frame["evidence_kind"].astype(str) == "report")
                 & (frame["content_hash"] == digest)]
    if hits.empty:
        raise NotFoundError(f"{path.name}: no report recorded in this store has SHA-256 "
                            f"{digest}; the file was changed after it was written, or it was "
                            "recorded in another store")
    return store.get("evidence", str(min(hits["id"])))
