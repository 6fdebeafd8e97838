"""Stored credentials and endpoints, each owned by a team or by the deployment.

A credential is a sealed key (or none: a keyless endpoint's) and the normalised base URLs it may
be sent to; an endpoint is a credential plus its URL, kind and default model, kept under the same
owner and name. Names are unique per owner. The owner is a team's name, or `DEPLOYMENT` ('') for
the deployment's; callers say `team=None` for the deployment's.
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from paperclip.models import Endpoint, EndpointKind
from paperclip.store.engine import StoreCore
from paperclip.store.tables import DEPLOYMENT, credentials, endpoints


@dataclass(frozen=True)
class StoredCredential:
    """A credential as the store keeps it; `sealed` is None for a keyless endpoint's."""

    team: str | None
    """None: the deployment's."""
    name: str
    urls: tuple[str, ...]
    sealed: bytes | None = field(repr=False, default=None)
    updated_at: datetime | None = None
    endpoint: bool = False
    """Whether it is an endpoint's (changed and deleted with its endpoint)."""

    @property
    def bucket(self) -> str:
        """What its rate limits and queue are keyed by, and its sealing's associated data."""
        return bucket(self.team, self.name)


def bucket(team: str | None, name: str) -> str:
    """`<team>/<name>` for a team's credential, `<name>` for the deployment's."""
    return name if team is None else f"{team}/{name}"


def _owner(team: str | None) -> str:
    return DEPLOYMENT if team is None else team


def _team(owner: str) -> str | None:
    return None if owner == DEPLOYMENT else owner


def _owners(teams: Collection[str | None] | None, column: Any) -> sa.ColumnElement[bool]:
    if teams is None:
        return sa.true()
    return column.in_([_owner(t) for t in teams])


class CredentialStore(StoreCore):
    """Credentials and endpoints, by owner (`team=None`: the deployment's) and name."""

    def put_credential(self, team: str | None, name: str, sealed: bytes | None, urls: Collection[str]) -> None:
        """Keep (or replace) a credential: its sealed key and the normalised URLs it may go to."""
        with self._write() as conn:
            _put_credential(conn, team=team, name=name, sealed=sealed, urls=urls)

    def get_credential(self, team: str | None, name: str) -> StoredCredential | None:
        c = credentials.c
        query = _credential_query().where(c.owner == _owner(team), c.name == name)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else _credential(row)

    def list_credentials(self, teams: Collection[str | None] | None = None) -> list[StoredCredential]:
        """The credentials of `teams` (None in it: the deployment's), by owner then name; all for None."""
        c = credentials.c
        query = _credential_query().where(_owners(teams, c.owner)).order_by(c.owner, c.name)
        with self.engine.connect() as conn:
            return [_credential(row) for row in conn.execute(query).mappings()]

    def delete_credential(self, team: str | None, name: str) -> bool:
        """False when there is no such credential."""
        with self._write() as conn:
            return _delete_credential(conn, team=team, name=name)

    def put_endpoint(self, endpoint: Endpoint, sealed_key: bytes | None, url: str) -> None:
        """Register (or replace) `endpoint` (owned by `endpoint.team`) with its credential, keyless
        when `sealed_key` is None, bound to `url` (the endpoint's, normalised), in one transaction."""
        e = endpoints.c
        owner = _owner(endpoint.team)
        where = (e.owner == owner, e.name == endpoint.name)
        with self._write() as conn:
            created = conn.execute(sa.select(e.created_at).where(*where)).scalar_one_or_none()
            conn.execute(endpoints.delete().where(*where))
            row = {
                "owner": owner,
                "name": endpoint.name,
                "kind": endpoint.kind.value,
                "url": endpoint.url,
                "model": endpoint.model,
                "has_key": sealed_key is not None,
                "created_at": created or datetime.now(UTC),
            }
            conn.execute(endpoints.insert().values(**row))
            _put_credential(conn, team=endpoint.team, name=endpoint.name, sealed=sealed_key, urls=[url])

    def get_endpoint(self, team: str | None, name: str) -> Endpoint | None:
        e = endpoints.c
        query = sa.select(endpoints).where(e.owner == _owner(team), e.name == name)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else _endpoint(row)

    def list_endpoints(self, teams: Collection[str | None] | None = None) -> list[Endpoint]:
        """The endpoints of `teams` (None in it: the deployment's), by owner then name; all for None."""
        e = endpoints.c
        query = sa.select(endpoints).where(_owners(teams, e.owner)).order_by(e.owner, e.name)
        with self.engine.connect() as conn:
            return [_endpoint(row) for row in conn.execute(query).mappings()]

    def delete_endpoint(self, team: str | None, name: str) -> bool:
        """Delete the endpoint and its credential; False when there is no such endpoint."""
        e = endpoints.c
        with self._write() as conn:
            gone = conn.execute(endpoints.delete().where(e.owner == _owner(team), e.name == name)).rowcount
            if gone:
                _delete_credential(conn, team=team, name=name)
        return bool(gone)


def _put_credential(
    conn: Connection, *, team: str | None, name: str, sealed: bytes | None, urls: Collection[str]
) -> None:
    c = credentials.c
    conn.execute(credentials.delete().where(c.owner == _owner(team), c.name == name))
    conn.execute(
        credentials.insert().values(
            owner=_owner(team), name=name, sealed=sealed, urls=list(urls), updated_at=datetime.now(UTC)
        )
    )


def _delete_credential(conn: Connection, *, team: str | None, name: str) -> bool:
    c = credentials.c
    return bool(conn.execute(credentials.delete().where(c.owner == _owner(team), c.name == name)).rowcount)


def _credential_query() -> sa.Select[Any]:
    e = endpoints.c
    is_endpoint = sa.exists().where(e.owner == credentials.c.owner, e.name == credentials.c.name)
    return sa.select(credentials, is_endpoint.label("endpoint"))


def _credential(row: Any) -> StoredCredential:
    return StoredCredential(
        team=_team(row["owner"]),
        name=row["name"],
        urls=tuple(row["urls"]),
        sealed=None if row["sealed"] is None else bytes(row["sealed"]),
        updated_at=row["updated_at"],
        endpoint=bool(row["endpoint"]),
    )


def _endpoint(row: Any) -> Endpoint:
    return Endpoint(
        name=row["name"],
        kind=EndpointKind(row["kind"]),
        url=row["url"],
        model=row["model"],
        has_key=row["has_key"],
        team=_team(row["owner"]),
    )
