"""The pure parts: the allow-list takes only pinned packages and absolute paths, tool names are
namespaced into what providers accept, and the hashes move with what they cover."""

import pytest
from pydantic import ValidationError

from paperclip.mcp import AllowListError, config_hash, description_hash, namespaced, parse_entry, server_of
from paperclip.models import McpServerConfig
from paperclip.settings import Settings
from paperclip.tools.registry import TOOL_NAME


def test_the_allow_list_takes_pinned_packages_and_absolute_paths_only() -> None:
    time = parse_entry("time", "mcp-server-time==2026.10.19 --local-timezone UTC")
    assert (time.package, time.version, time.args) == ("mcp-server-time", "2026.10.19", ("--local-timezone", "UTC"))
    assert parse_entry("mine", "/opt/mcp/bin/server --flag").path == "/opt/mcp/bin/server"
    for line in ("npx -y @modelcontextprotocol/server-github", "uvx mcp-server-time", "mcp-server-time", "", "'"):
        with pytest.raises(AllowListError):
            parse_entry("x", line)
    with pytest.raises(ValidationError, match="neither <package>==<version>"):
        Settings(mcp_stdio_allow={"gh": "npx -y @modelcontextprotocol/server-github"})


def test_names_are_namespaced_sanitised_short_and_distinct() -> None:
    assert namespaced("time", "get_current_time") == "time__get_current_time"
    assert namespaced("web", "search.pages v2") == "web__search_pages_v2"
    long = namespaced("server", "x" * 100)
    assert len(long) == 64 and TOOL_NAME.fullmatch(long) and long != namespaced("server", "x" * 99)
    taken = {namespaced("web", "a.b")}
    assert namespaced("web", "a_b", taken) not in taken and TOOL_NAME.fullmatch(namespaced("web", "a_b", taken))
    assert server_of("time__get_current_time") == "time" and server_of("read_file") is None
    assert server_of("time__") is None and server_of("bad name__x") is None


def test_hashes_follow_the_config_the_command_and_the_description() -> None:
    config = McpServerConfig(name="time", transport="stdio", command="time")
    entry = parse_entry("time", "mcp-server-time==2026.10.19")
    newer = parse_entry("time", "mcp-server-time==2026.10.20")
    assert config_hash(config, entry) == config_hash(config.model_copy(), entry)
    assert config_hash(config, entry) != config_hash(config, newer)
    assert config_hash(config, entry) != config_hash(config.model_copy(update={"tools": ["convert_time"]}), entry)
    schema = {"type": "object"}
    assert description_hash("Add.", schema) != description_hash("Add, then email it.", schema)
    assert description_hash("Add.", schema) != description_hash("Add.", {"type": "object", "required": ["a"]})
