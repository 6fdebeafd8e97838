"""The MCP servers each company attaches as tools: their configs, by company and name.

A config never holds a key (an HTTP server names a credential), so it is kept as it is.
"""

from datetime import datetime

import sqlalchemy as sa

from paperclip.models import McpServerConfig
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.tables import mcp_servers


class McpServerStore(StoreCore):
    """Companies' MCP servers."""

    def add_mcp_server(self, company_id: str, config: McpServerConfig, *, now: datetime | None = None) -> bool:
        """Attach `config` to the company; False (and nothing changed) when it has a server of
        that name already."""
        row = {
            "company_id": company_id,
            "name": config.name,
            "config": config.model_dump(mode="json"),
            "created_at": now or utc_now(),
        }
        c = mcp_servers.c
        added = self._insert(mcp_servers).values(row).on_conflict_do_nothing(index_elements=["company_id", "name"])
        with self._write() as conn:
            # (rowcount is not reliable on psycopg)
            return conn.execute(added.returning(c.name)).first() is not None

    def list_mcp_servers(self, company_id: str) -> list[McpServerConfig]:
        """The company's servers, by name."""
        c = mcp_servers.c
        query = sa.select(c.config).where(c.company_id == company_id).order_by(c.name)
        with self.engine.connect() as conn:
            return [McpServerConfig.model_validate(row.config) for row in conn.execute(query)]

    def get_mcp_server(self, company_id: str, name: str) -> McpServerConfig | None:
        c = mcp_servers.c
        query = sa.select(c.config).where(c.company_id == company_id, c.name == name)
        with self.engine.connect() as conn:
            config = conn.execute(query).scalar_one_or_none()
        return None if config is None else McpServerConfig.model_validate(config)

    def delete_mcp_server(self, company_id: str, name: str) -> bool:
        """Detach the server; False when the company has none of that name."""
        c = mcp_servers.c
        with self._write() as conn:
            gone = conn.execute(
                mcp_servers.delete().where(c.company_id == company_id, c.name == name).returning(c.name)
            ).first()
        return gone is not None
