"""Who is calling: the one `Principal` type, and the one way each kind of credential becomes one.

An API key row and an official's account are the two credentials of the service (see
docs/domain.md, roles); every route and page sees only the `Principal` built here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.models import Account
from app.models.enums import Role


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id (0 for an official's account), role and (for agency keys) agency."""

    key_id: int
    name: str
    role: Role
    agency_id: int | None
    account_id: int | None = None

    @property
    def actor(self) -> str:
        """How this caller is named in status events."""
        if self.account_id is not None:
            return f"{self.role.value}:account:{self.account_id}"
        return f"{self.role.value}:{self.key_id}"


class KeyRow(Protocol):
    """The columns of an API key that make its principal (a row or an ORM object)."""

    @property
    def id(self) -> int | None: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def agency_id(self) -> int | None: ...


def principal_of_key(row: KeyRow) -> Principal:
    """The caller an API key acts as."""
    return Principal(key_id=row.id or 0, name=row.name, role=Role(row.role), agency_id=row.agency_id)


def principal_of_account(account: Account) -> Principal:
    """The caller an official's account acts as: its role and agency, named by the account."""
    return Principal(
        key_id=0,
        name=account.display_name,
        role=Role(account.role),
        agency_id=account.agency_id,
        account_id=account.id,
    )
