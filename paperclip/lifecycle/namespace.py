"""Temporal's retention: how long the namespace keeps a closed workflow's history.

`PAPERCLIP_TEMPORAL_RETENTION_DAYS` (default 30): every worker sets it on its namespace at its
start (the embedded dev server registers its namespace with a day's retention and takes no flag
for it; a cluster's namespace job registers it with `NAMESPACE_RETENTION`), so the setting wins
wherever the namespace came from. 0 leaves the namespace as it is. Histories of running
workflows are kept whatever it says; a deleted company's are deleted at once (`deletion`).
"""

from datetime import timedelta
from typing import Literal

from google.protobuf.duration_pb2 import Duration
from temporalio.api.namespace.v1 import NamespaceConfig
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, UpdateNamespaceRequest
from temporalio.client import Client

from paperclip.settings import Settings


async def namespace_retention(client: Client) -> timedelta:
    """The client's namespace's retention now."""
    described = await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=client.namespace))
    return described.config.workflow_execution_retention_ttl.ToTimedelta()


async def ensure_namespace_retention(client: Client, settings: Settings) -> Literal["set", "kept", "off"]:
    """Give the namespace the settings' retention: `set` when it had another, `kept` when it had
    it already, `off` when the settings leave it alone (0)."""
    if settings.temporal_retention_days == 0:
        return "off"
    wanted = timedelta(days=settings.temporal_retention_days)
    if await namespace_retention(client) == wanted:
        return "kept"
    ttl = Duration()
    ttl.FromTimedelta(wanted)
    await client.workflow_service.update_namespace(
        UpdateNamespaceRequest(namespace=client.namespace, config=NamespaceConfig(workflow_execution_retention_ttl=ttl))
    )
    return "set"
