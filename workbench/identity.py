"""Who is acting. The acting identity is never a parameter a caller chooses.

- On a PostgreSQL team store, a person connected with their own database login *is* that login
  (the database sets the author of every version from it; see :mod:`workbench.store`).
- Under JupyterHub, ``JUPYTERHUB_USER``. ``WORKBENCH_USER`` is ignored there, except when it
  names a service account listed in ``WORKBENCH_SERVICE_ACCOUNTS`` (e.g. ``scheduler``).
- Elsewhere, ``WORKBENCH_USER``, else the operating-system login.

Roles are records (``person``) in the store that only admins may write; this module resolves the
login and looks the person up.
"""

from __future__ import annotations

import getpass
import os
import re
from typing import TYPE_CHECKING

from workbench.errors import ConfigurationError, NotFoundError, PermissionDeniedError

if TYPE_CHECKING:  # pragma: no cover
    from workbench.model import Person, Role
    from workbench.store import Store

__all__ = ["current_user", "person", "require_role", "roles_of", "service_accounts"]

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


def service_accounts() -> set[str]:
    """Logins named in ``WORKBENCH_SERVICE_ACCOUNTS`` (comma-separated), e.g. the scheduler's."""
    raw = os.environ.get("WORKBENCH_SERVICE_ACCOUNTS", "")
    return {a.strip().lower() for a in raw.split(",") if a.strip()}


def _checked(var: str, value: str) -> str:
    login = value.strip().lower()
    if not _LOGIN.match(login):
        raise ConfigurationError(
            f"{var}={value!r} is not a usable login: use letters, digits, '.', '_' "
            "or '-' (it becomes the author of every record you save)"
        )
    return login


def environment_user() -> str:
    """The login the environment names (no store consulted); see the module docstring."""
    hub = os.environ.get("JUPYTERHUB_USER", "").strip()
    wanted = os.environ.get("WORKBENCH_USER", "").strip()
    if hub:
        if wanted and wanted.lower() != hub.lower():
            login = _checked("WORKBENCH_USER", wanted)
            if login in service_accounts():
                return login
        return _checked("JUPYTERHUB_USER", hub)
    if wanted:
        return _checked("WORKBENCH_USER", wanted)
    try:
        login = getpass.getuser().strip().lower()
    except (OSError, KeyError):  # no login name (some containers)
        login = ""
    if not login or not _LOGIN.match(login):
        raise ConfigurationError(
            "cannot tell who you are: set WORKBENCH_USER to your login (e.g. export "
            "WORKBENCH_USER=alice)"
        )
    return login


def current_user(store: Store | None = None) -> str:
    """The acting user's login, normalised to lower case.

    With ``store``, the store's view of who acts (its database login on a PostgreSQL team
    store, the person being seeded while the demo is seeded); otherwise the environment's:
    ``JUPYTERHUB_USER`` under a hub (``WORKBENCH_USER`` only for a configured service
    account), else ``WORKBENCH_USER``, else the operating-system login.
    """
    if store is not None:
        return store.acting_user()
    return environment_user()


def person(store: Store, login: str | None = None) -> Person:
    """The person record of ``login`` (default: the acting user)."""
    login = login or current_user(store)
    found = store.find("person", login)
    if found is None:
        raise NotFoundError(
            f"{login!r} is not a known person in this store; an admin adds people with "
            "`workbench admin add-user` (or run `workbench demo` for the demo organization)"
        )
    return found.record  # type: ignore[return-value]


def roles_of(store: Store, login: str | None = None) -> set[Role]:
    """The roles ``login`` holds (empty when the person is unknown or inactive)."""
    login = login or current_user(store)
    found = store.find("person", login)
    if found is None or not found.record.active:  # type: ignore[attr-defined]
        return set()
    return set(found.record.roles)  # type: ignore[attr-defined]


def require_role(store: Store, *roles: Role | str, login: str | None = None) -> str:
    """Return the login if it holds one of ``roles``, else raise PermissionDeniedError."""
    from workbench.model import Role

    login = login or current_user(store)
    wanted = {Role(r) for r in roles}
    if not wanted & roles_of(store, login):
        names = " or ".join(sorted(r.value for r in wanted))
        raise PermissionDeniedError(
            f"{login} does not hold the role {names}; ask an admin to add it to their person record"
        )
    return login
