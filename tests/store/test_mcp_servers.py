"""A company's MCP servers in the store, on SQLite and PostgreSQL: added once per name, listed by
name, read back as they were, removed."""

from paperclip.models import McpServerConfig
from paperclip.store import Store


def test_servers_are_kept_per_company_by_name(store: Store) -> None:
    time = McpServerConfig(name="time", transport="stdio", command="time", tools=["get_current_time"])
    adder = McpServerConfig(name="adder", transport="http", url="https://mcp.example/mcp", credential="k")
    assert store.add_mcp_server("acme", time) and store.add_mcp_server("acme", adder)
    assert store.add_mcp_server("other", time)
    assert not store.add_mcp_server("acme", time.model_copy(update={"timeout_seconds": 5}))  # a name once
    assert store.list_mcp_servers("acme") == [adder, time]
    assert store.get_mcp_server("acme", "time") == time and store.get_mcp_server("acme", "nope") is None
    assert store.delete_mcp_server("acme", "time") and not store.delete_mcp_server("acme", "time")
    assert store.list_mcp_servers("acme") == [adder] and store.list_mcp_servers("other") == [time]
