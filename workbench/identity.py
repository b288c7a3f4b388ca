"""Who is acting. The acting identity is never a parameter a caller chooses.

- On a PostgreSQL team store, a person connected with their own database login *is* that login
  (the database sets the author of every version from it; see :mod:`workbench.store`).
- Under JupyterHub, ``JUPYTERHUB_USER``. A ``WORKBENCH_USER`` naming someone else is honoured
  there only for a service account: a person record that an admin marked ``service_account``
  (e.g. the report scheduler), that is active and holds none of the roles in
  :data:`SERVICE_ACCOUNT_BARRED_ROLES` (admin, governance lead, approver, executive). A hub user
  sets their own kernel's environment, so the environment only *asks* for the account; the
  store, which only admins write people into, decides. Any other ``WORKBENCH_USER`` is refused
  in one line.
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

__all__ = ["SERVICE_ACCOUNT_BARRED_ROLES", "current_user", "environment_source",
           "environment_user", "person", "require_role", "roles_of"]

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")

#: Roles a service account may not hold to be named by ``WORKBENCH_USER`` under a hub: whoever
#: runs the kernel chooses that variable, so it must not lead to anyone who administers, leads
#: governance, approves or is an executive.
SERVICE_ACCOUNT_BARRED_ROLES = ("admin", "governance_lead", "approver", "executive")


def _checked(var: str, value: str, *, hint: str = "") -> str:
    login = value.strip().lower()
    if not _LOGIN.match(login):
        raise ConfigurationError(
            f"{var}={value!r} is not a usable login: use letters, digits, '.', '_' "
            "or '-' (it becomes the author of every record you save)" + hint
        )
    return login


def _hub_user() -> str:
    """``JUPYTERHUB_USER`` when it is set and not blank (then we are under a hub), else ""."""
    return os.environ.get("JUPYTERHUB_USER", "").strip()


def _service_override(hub: str) -> str | None:
    """Under a hub: the login ``WORKBENCH_USER`` names when it names someone other than the hub
    user (validated: that can only be a service account), else None."""
    wanted = os.environ.get("WORKBENCH_USER", "").strip()
    if not wanted or wanted.lower() == hub.lower():
        return None
    return _checked("WORKBENCH_USER", wanted,
                    hint="; under JupyterHub unset WORKBENCH_USER to act as yourself")


def _check_service_account(store: Store, login: str) -> None:
    """Refuse, under a hub, a ``WORKBENCH_USER`` the store does not mark as a usable service
    account (active, ``service_account`` set by an admin, none of the barred roles)."""
    found = store.find("person", login)
    content = {} if found is None else found.content
    yourself = "unset WORKBENCH_USER to act as yourself"
    if found is None or not content.get("active", True):
        raise PermissionDeniedError(
            f"WORKBENCH_USER={login} cannot be used under JupyterHub: it may name only a "
            f"service account, and {login} is not an active person in this store; {yourself}")
    roles = {str(r) for r in content.get("roles") or []}
    held = [r for r in SERVICE_ACCOUNT_BARRED_ROLES if r in roles]
    if not content.get("service_account", False):
        ask = "" if held else (
            f", or ask an admin to mark {login} as a service account: workbench admin "
            f"set-service-account {login}")
        raise PermissionDeniedError(
            f"WORKBENCH_USER={login} cannot be used under JupyterHub: it may name only a "
            f"service account, and {login} is not marked as one; {yourself}{ask}")
    if held:
        raise PermissionDeniedError(
            f"WORKBENCH_USER={login} cannot be used under JupyterHub: a service account may "
            f"hold none of the roles {', '.join(SERVICE_ACCOUNT_BARRED_ROLES)}, and {login} "
            f"holds {', '.join(held)}; {yourself}, or ask an admin to remove those roles "
            f"(workbench admin set-roles {login})")


def environment_user(store: Store | None = None) -> str:
    """The login the environment names; see the module docstring.

    With ``store``, a ``WORKBENCH_USER`` naming someone else under a hub is checked against the
    store's person record (a service account, active, none of
    :data:`SERVICE_ACCOUNT_BARRED_ROLES`) and refused otherwise. Without one nothing is
    consulted and the login is returned unchecked: every save asks the store
    (:meth:`Store.acting_user`), which checks.
    """
    hub = _hub_user()
    if hub:
        login = _service_override(hub)
        if login is not None:
            if store is not None:
                _check_service_account(store, login)
            return login
        return _checked("JUPYTERHUB_USER", hub)
    wanted = os.environ.get("WORKBENCH_USER", "").strip()
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


def environment_source() -> str:
    """Where :func:`environment_user` takes the login from, in words (for ``whoami``, once the
    store accepted the login)."""
    hub = _hub_user()
    if hub:
        try:
            override = _service_override(hub)
        except ConfigurationError:
            override = None
        if override is not None:
            return "WORKBENCH_USER (a service account of this store)"
        return "JUPYTERHUB_USER"
    if os.environ.get("WORKBENCH_USER", "").strip():
        return "WORKBENCH_USER"
    return "the operating-system login"


def current_user(store: Store | None = None) -> str:
    """The acting user's login, normalised to lower case.

    With ``store``, the store's view of who acts (its database login on a PostgreSQL team
    store, the person being seeded while the demo is seeded); otherwise the environment's:
    ``JUPYTERHUB_USER`` under a hub (``WORKBENCH_USER`` only for a service account, which
    only a store can confirm), else ``WORKBENCH_USER``, else the operating-system login.
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
