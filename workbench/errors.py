"""The workbench's exceptions: one root, a few meaningful kinds.

Every message says what was wrong and what to do about it; the CLI prints it
as a single line and exits non-zero.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "ConflictError",
    "IntegrityError",
    "NotFoundError",
    "PermissionDeniedError",
    "StoreError",
    "ValidationError",
    "WorkbenchError",
]


class WorkbenchError(Exception):
    """Root of every error the workbench raises on purpose."""


class ValidationError(WorkbenchError, ValueError):
    """Input that does not satisfy a record's rules; nothing was saved.

    ``errors`` holds ``(field, message)`` pairs so a form can show each message
    next to its field.
    """

    def __init__(self, message: str, errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors: list[tuple[str, str]] = list(errors or [])


class NotFoundError(WorkbenchError, LookupError):
    """A record, catalog item or template that does not exist."""


class ConflictError(WorkbenchError):
    """A save based on a version that is no longer the latest; nothing was saved."""

    def __init__(
        self,
        message: str,
        *,
        kind: str | None = None,
        record_id: str | None = None,
        base_version: int | None = None,
        latest_version: int | None = None,
        changed_by: str | None = None,
        changed_at: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.record_id = record_id
        self.base_version = base_version
        self.latest_version = latest_version
        self.changed_by = changed_by
        self.changed_at = changed_at


class PermissionDeniedError(WorkbenchError, PermissionError):
    """The acting user may not do this (missing role, segregation of duties)."""


class ConfigurationError(WorkbenchError):
    """A setting (database URL, environment variable, option) that cannot be used."""


class StoreError(WorkbenchError):
    """The store cannot be opened or used (not a workbench store, corrupt, outdated)."""


class IntegrityError(StoreError):
    """The store's hash chain or a content hash does not match what was saved."""
