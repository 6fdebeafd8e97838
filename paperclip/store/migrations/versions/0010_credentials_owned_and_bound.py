"""Credentials and endpoints belong to a team or to the deployment, and a credential carries the
URLs it may be sent to.

Existing rows are kept, owned by the deployment (`owner` = ''); each credential is bound to the
URL of its endpoint (the endpoint of the same name), and a keyless endpoint gets a credential
without a key (`sealed` NULL) bound to its URL, so it can be named like any other. A credential
with no endpoint is bound to nothing until it is given URLs again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from paperclip.keys import UrlError, normalise_url

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
DEPLOYMENT = ""


def _bound(url: str) -> list[str]:
    try:
        return [normalise_url(url)]
    except UrlError:
        return []  # not a URL a key may go to: bound nowhere


def _owner(owned: bool) -> list[sa.Column[str]]:
    return [sa.Column("owner", sa.String(63), nullable=False)] if owned else []


def _create(owned: bool) -> tuple[sa.Table, sa.Table]:
    keys = ("owner", "name") if owned else ("name",)
    credentials = op.create_table(
        "credentials",
        *_owner(owned),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=owned),
        *([sa.Column("urls", JSON_DOC, nullable=False)] if owned else []),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint(*keys, name="pk_credentials"),
    )
    endpoints = op.create_table(
        "endpoints",
        *_owner(owned),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("has_key", sa.Boolean, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint(*keys, name="pk_endpoints"),
    )
    assert credentials is not None and endpoints is not None
    return credentials, endpoints


def _read(owned: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of both tables as they are, typed (SQLite keeps times as text)."""
    owner = [sa.column("owner", sa.String)] if owned else []
    credentials = sa.table(
        "credentials",
        *owner,
        sa.column("name", sa.String),
        sa.column("sealed", sa.LargeBinary),
        sa.column("updated_at", UTC_TIME),
    )
    endpoints = sa.table(
        "endpoints",
        *([sa.column("owner", sa.String)] if owned else []),
        *(sa.column(name, sa.String) for name in ("name", "kind", "url", "model")),
        sa.column("has_key", sa.Boolean),
        sa.column("created_at", UTC_TIME),
    )
    conn = op.get_bind()
    selects = [sa.select(credentials), sa.select(endpoints)]
    if owned:  # going back: only the deployment's keys, and no keyless ones
        selects = [
            selects[0].where(credentials.c.owner == DEPLOYMENT, credentials.c.sealed.is_not(None)),
            selects[1].where(endpoints.c.owner == DEPLOYMENT),
        ]
    found = [[dict(row) for row in conn.execute(select).mappings()] for select in selects]
    for rows in found:
        for row in rows:
            row.pop("owner", None)
    return found[0], found[1]


def upgrade() -> None:
    old_credentials, old_endpoints = _read(owned=False)
    op.drop_table("credentials")
    op.drop_table("endpoints")
    credentials, endpoints = _create(owned=True)
    urls = {row["name"]: row["url"] for row in old_endpoints}
    keyed = {row["name"] for row in old_credentials}
    now = datetime.now(UTC)
    rows = [
        {"owner": DEPLOYMENT, **row, "urls": _bound(urls[row["name"]]) if row["name"] in urls else []}
        for row in old_credentials
    ]
    rows += [
        {"owner": DEPLOYMENT, "name": name, "sealed": None, "urls": _bound(url), "updated_at": now}
        for name, url in urls.items()
        if name not in keyed
    ]
    op.bulk_insert(credentials, rows)
    op.bulk_insert(endpoints, [{"owner": DEPLOYMENT, **row} for row in old_endpoints])


def downgrade() -> None:
    """Back to one name space: only the deployment's rows are kept, and no keyless credential."""
    old_credentials, old_endpoints = _read(owned=True)
    op.drop_table("credentials")
    op.drop_table("endpoints")
    credentials, endpoints = _create(owned=False)
    op.bulk_insert(credentials, old_credentials)
    op.bulk_insert(endpoints, old_endpoints)
