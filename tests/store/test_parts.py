"""`Store` is its parts put together: every method callers use is there, and no two parts clash."""

import inspect

import pytest

from paperclip.errors import InvalidInput
from paperclip.store import Store, UnsupportedDatabase
from paperclip.store.engine import StoreCore

STORE_METHODS = [
    "add_api_key",
    "add_attachment",
    "add_document_revisions",
    "add_history",
    "add_hook",
    "add_label",
    "add_mcp_server",
    "add_monitor",
    "add_pipeline",
    "add_webhook",
    "add_work_products",
    "approval_details",
    "begin_call",
    "book_attempt",
    "claim_delivery",
    "claim_request",
    "claim_review",
    "cli_session_total",
    "companies_of",
    "company_attachment_ids",
    "company_document_revisions",
    "company_team",
    "cool_down",
    "cost_summary",
    "create_team",
    "delete_attachment",
    "delete_company_rows",
    "delete_credential",
    "delete_endpoint",
    "delete_hook",
    "delete_label",
    "delete_mcp_server",
    "delete_monitor",
    "delete_webhook",
    "dispose",
    "engine",
    "finish_request",
    "from_settings",
    "get_agent_revision",
    "get_api_key",
    "get_attachment",
    "get_company",
    "get_credential",
    "get_document",
    "get_endpoint",
    "get_hook",
    "get_mcp_server",
    "get_monitor",
    "get_pipeline",
    "get_pipeline_run",
    "get_review",
    "get_standing",
    "get_task",
    "list_activity",
    "list_agent_revisions",
    "list_api_keys",
    "list_attachments",
    "list_companies",
    "list_cost_events",
    "list_credentials",
    "list_deliveries",
    "list_document_revisions",
    "list_documents",
    "list_endpoints",
    "list_hooks",
    "list_labels",
    "list_mcp_servers",
    "list_messages",
    "list_monitors",
    "list_pipeline_runs",
    "list_pipelines",
    "list_reviews",
    "list_tasks",
    "list_turns",
    "list_webhooks",
    "list_work_products",
    "load_messages",
    "migrate",
    "monitor_names",
    "ping",
    "purge_activity",
    "purge_attachments",
    "purge_conversations",
    "purge_tool_outputs",
    "put_credential",
    "put_endpoint",
    "put_standing",
    "record",
    "record_pipeline_run",
    "record_work_products",
    "release_delivery",
    "return_tokens",
    "reviewed_heads",
    "revoke_api_key",
    "roles_of",
    "save_document",
    "save_tool_output",
    "save_turn",
    "search",
    "set_company_team",
    "set_member",
    "settle_attempts",
    "settle_delivery",
    "settle_review",
    "stored_reply",
    "take_tokens",
    "team_exists",
    "tool_output",
    "upsert_company",
    "user_exists",
]


def test_the_store_has_every_method_its_callers_use() -> None:
    assert sorted(name for name in dir(Store) if not name.startswith("_")) == STORE_METHODS


def test_each_part_is_a_core_with_its_own_methods() -> None:
    """No name is defined by two parts (nor redefines the core's), so their order never matters."""
    owners: dict[str, list[str]] = {}
    core = set(vars(StoreCore))
    for part in Store.__bases__:
        assert StoreCore in part.__mro__
        assert part.__bases__ == (StoreCore,)
        for name, value in vars(part).items():
            if inspect.isfunction(value) or isinstance(value, (property, classmethod, staticmethod)):
                owners.setdefault(name, []).append(part.__name__)
                assert name not in core, f"{part.__name__}.{name} overrides the core's"
    assert {name: parts for name, parts in owners.items() if len(parts) > 1} == {}
    # `__annotations__`: Python 3.11 makes an empty one on a class the first time anything reads it.
    plain = {"__module__", "__qualname__", "__doc__", "__firstlineno__", "__static_attributes__", "__annotations__"}
    assert vars(Store).keys() <= plain and not vars(Store).get("__annotations__")


def test_an_unsupported_database_is_invalid_input() -> None:
    with pytest.raises(UnsupportedDatabase, match="not 'mysql'") as caught:
        Store("mysql://somewhere/db")
    assert isinstance(caught.value, InvalidInput)
    assert isinstance(caught.value, ValueError)
    assert caught.value.kind == "invalid_input"
