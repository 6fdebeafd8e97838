"""Who may do what: teams, users and their roles in teams, API keys, and the team of a company.

An API key is kept as its salt and scrypt digest (`paperclip.apikeys`), never as itself; a
revoked key stays, with when it was revoked. A company owned by no team is the board's only.
"""

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from paperclip.models import ApiKeyInfo, TeamRole
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.tables import api_keys, company_teams, memberships, teams, users


class AccessStore(StoreCore):
    """Teams, users, memberships, API keys and the teams of companies."""

    def create_team(self, name: str) -> bool:
        """False when the team exists already."""
        with self._write() as conn:
            if conn.execute(sa.select(teams.c.name).where(teams.c.name == name)).first() is not None:
                return False
            conn.execute(teams.insert().values(name=name, created_at=utc_now()))
        return True

    def team_exists(self, name: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(teams.c.name).where(teams.c.name == name)).first() is not None

    def set_member(self, user: str, team: str, role: TeamRole) -> None:
        """Make `user` (made if new) a member of `team` with `role`, or change its role."""
        with self._write() as conn:
            if conn.execute(sa.select(users.c.name).where(users.c.name == user)).first() is None:
                conn.execute(users.insert().values(name=user, created_at=utc_now()))
            conn.execute(memberships.delete().where(memberships.c.user_name == user, memberships.c.team_name == team))
            conn.execute(memberships.insert().values(user_name=user, team_name=team, role=role.value))

    def user_exists(self, name: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(users.c.name).where(users.c.name == name)).first() is not None

    def roles_of(self, user: str) -> dict[str, TeamRole]:
        """The user's role in each of its teams."""
        query = sa.select(memberships.c.team_name, memberships.c.role).where(memberships.c.user_name == user)
        with self.engine.connect() as conn:
            return {row.team_name: TeamRole(row.role) for row in conn.execute(query)}

    def add_api_key(self, *, key_id: str, user: str, label: str, salt: bytes, digest: bytes) -> ApiKeyInfo:
        created = utc_now()
        with self._write() as conn:
            conn.execute(
                api_keys.insert().values(
                    id=key_id, user_name=user, label=label, salt=salt, digest=digest, created_at=created
                )
            )
        return ApiKeyInfo(id=key_id, user=user, label=label, created_at=created)

    def get_api_key(self, key_id: str) -> tuple[ApiKeyInfo, bytes, bytes] | None:
        """The key, its salt and digest."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None:
            return None
        return _key_info(row), bytes(row.salt), bytes(row.digest)

    def list_api_keys(self, user: str | None = None) -> list[ApiKeyInfo]:
        """The keys (of `user` if given), oldest first."""
        query = sa.select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        if user is not None:
            query = query.where(api_keys.c.user_name == user)
        with self.engine.connect() as conn:
            return [_key_info(row) for row in conn.execute(query)]

    def revoke_api_key(self, key_id: str) -> bool:
        """False when there is no such key (revoking twice is fine)."""
        with self._write() as conn:
            found = conn.execute(sa.select(api_keys.c.revoked_at).where(api_keys.c.id == key_id)).first()
            if found is None:
                return False
            if found.revoked_at is None:
                conn.execute(api_keys.update().where(api_keys.c.id == key_id).values(revoked_at=utc_now()))
        return True

    def set_company_team(self, company_id: str, team: str) -> None:
        with self._write() as conn:
            conn.execute(company_teams.delete().where(company_teams.c.company_id == company_id))
            conn.execute(company_teams.insert().values(company_id=company_id, team_name=team))

    def company_team(self, company_id: str) -> str | None:
        """The team that owns the company; None: the board's only."""
        query = sa.select(company_teams.c.team_name).where(company_teams.c.company_id == company_id)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def companies_of(self, team_names: Iterable[str]) -> set[str]:
        """The companies the teams own."""
        query = sa.select(company_teams.c.company_id).where(company_teams.c.team_name.in_(list(team_names)))
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())


def _key_info(row: Any) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row.id, user=row.user_name, label=row.label, created_at=row.created_at, revoked_at=row.revoked_at
    )
