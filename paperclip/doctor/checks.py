"""The checks of `paperclip doctor`, each answering `Finding`s (see `paperclip.doctor`)."""

import asyncio
import shutil
import stat
import time
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import SettingsError
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, DescribeWorkerDeploymentRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from paperclip.constants import SEARCH_ATTRIBUTES
from paperclip.doctor.findings import Finding, Status
from paperclip.doctor.schema import schema_revisions
from paperclip.secrets import KEY_FILE, SecretError, load_key
from paperclip.settings import Settings, settings_problems
from paperclip.store import Store
from paperclip.temporal import connect

TEMPORAL_TIMEOUT_SECONDS = 5.0
"""How long the doctor waits for Temporal to answer before it says it does not."""
CLI_TOOLS = ("claude", "codex", "opencode", "gemini")
"""The coding CLIs a worker can run as agents, by their commands."""
BACKUP_STALE_SECONDS = 2 * 24 * 3600
"""A newest backup older than this is reported (the scheduled backup runs hourly)."""


def settings_check() -> tuple[Settings | None, list[Finding]]:
    """The settings, read from the environment; None and one failure per bad setting."""
    try:
        settings = Settings()
    except (ValidationError, SettingsError) as error:
        problems = settings_problems(error) or [str(error)]
        return None, [Finding(check="settings", status=Status.FAIL, detail=p, fix="correct it") for p in problems]
    return settings, [Finding(check="settings", status=Status.OK, detail=f"read; home {settings.home_dir}")]


async def temporal_checks(settings: Settings) -> list[Finding]:
    """Temporal answers, the namespace exists, and our search attributes are registered in it."""
    address, namespace = settings.resolved_temporal_address, settings.temporal_namespace
    try:
        client = await asyncio.wait_for(connect(settings), timeout=TEMPORAL_TIMEOUT_SECONDS)
        await asyncio.wait_for(client.service_client.check_health(), timeout=TEMPORAL_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001 - any failure to connect is the same finding
        fix = "start it (`paperclip up`)" if not settings.temporal_address else "start Temporal there"
        return [
            Finding(
                check="temporal",
                status=Status.FAIL,
                detail=f"Temporal at {address} does not answer ({type(error).__name__})",
                fix=f"{fix}, or set TEMPORAL_ADDRESS to where it runs",
            )
        ]
    found = [Finding(check="temporal", status=Status.OK, detail=f"Temporal at {address} answers")]
    try:
        await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))
    except Exception:  # noqa: BLE001 - RPCError NOT_FOUND, or a permission error: either way unusable
        return found + [
            Finding(
                check="namespace",
                status=Status.FAIL,
                detail=f"namespace {namespace!r} is not on {address}",
                fix=f"temporal operator namespace create --address {address} --namespace {namespace}",
            )
        ]
    found.append(Finding(check="namespace", status=Status.OK, detail=f"namespace {namespace!r} exists"))
    listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
    missing = [key.name for key in SEARCH_ATTRIBUTES if key.name not in listed.custom_attributes]
    if missing:
        # One command an attribute: given several --name, temporal CLI 1.9.1 registered only the first.
        base = f"temporal operator search-attribute create --address {address} --namespace {namespace}"
        found.append(
            Finding(
                check="search-attributes",
                status=Status.FAIL,
                detail=f"not registered in {namespace!r}: {', '.join(missing)}",
                fix=" && ".join(f"{base} --name {name} --type Keyword" for name in missing),
            )
        )
    else:
        names = ", ".join(key.name for key in SEARCH_ATTRIBUTES)
        found.append(Finding(check="search-attributes", status=Status.OK, detail=f"registered: {names}"))
    if settings.worker_build_id is not None:
        found.append(await _versioning_check(client, settings))
    return found


async def _versioning_check(client: Client, settings: Settings) -> Finding:
    """With worker versioning on: is this build the deployment's current version?"""
    name, build = settings.worker_deployment_name, settings.worker_build_id
    make_current = (
        f"temporal worker deployment set-current-version --address {settings.resolved_temporal_address} "
        f"--namespace {settings.temporal_namespace} --deployment-name {name} --build-id {build}"
    )
    try:
        described = await client.workflow_service.describe_worker_deployment(
            DescribeWorkerDeploymentRequest(namespace=client.namespace, deployment_name=name)
        )
        current = described.worker_deployment_info.routing_config.current_deployment_version.build_id
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise
        current = ""
    if current == build:
        return Finding(check="worker-version", status=Status.OK, detail=f"{name}.{build} is the current version")
    if not current:
        return Finding(
            check="worker-version",
            status=Status.WARN,
            detail=f"deployment {name!r} has no current version: versioned workers take no workflow",
            fix=make_current,
        )
    return Finding(
        check="worker-version",
        status=Status.INFO,
        detail=f"this build is {build}, the current version {current} (make it current once checked)",
        fix=make_current,
    )


def migrations_check(store: Store) -> Finding:
    """The store answers and its schema is at the code's newest revision."""
    try:
        revisions = schema_revisions(store)
    except Exception as error:  # noqa: BLE001 - the driver's error, whatever the database
        return Finding(
            check="migrations",
            status=Status.FAIL,
            detail=f"the store does not answer: {type(error).__name__}: {str(error).splitlines()[0]}",
            fix="start the database, or set PAPERCLIP_DATABASE_URL to where it runs",
        )
    if revisions.at_head:
        return Finding(check="migrations", status=Status.OK, detail=f"store schema at revision {revisions.head}")
    where = "an empty database" if revisions.current is None else f"revision {revisions.current}"
    return Finding(
        check="migrations",
        status=Status.FAIL,
        detail=f"store schema at {where}, the code needs {revisions.head}",
        fix="paperclip migrate",
    )


def secret_key_check(settings: Settings) -> Finding:
    """The key that seals stored credentials: readable, 32 bytes, and its file private (0600)."""
    if settings.secret_key:
        try:
            load_key(settings.home_dir, settings.secret_key)
        except SecretError as error:
            return Finding(
                check="secret-key",
                status=Status.FAIL,
                detail=str(error),
                fix="set PAPERCLIP_SECRET_KEY to the deployment's key (made with `openssl rand -base64 32`)",
            )
        return Finding(check="secret-key", status=Status.OK, detail="from PAPERCLIP_SECRET_KEY")
    path = settings.home_dir / KEY_FILE
    if not path.exists():
        return Finding(check="secret-key", status=Status.INFO, detail=f"{path} is made (0600) on first use")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return Finding(
            check="secret-key",
            status=Status.FAIL,
            detail=f"{path} is readable by others (mode {mode:04o})",
            fix=f"chmod 600 {path}",
        )
    try:
        load_key(settings.home_dir)
    except SecretError as error:
        return Finding(
            check="secret-key",
            status=Status.FAIL,
            detail=str(error),
            fix=f"restore {path} from a backup (`paperclip backup export-key` makes one)",
        )
    return Finding(check="secret-key", status=Status.OK, detail=f"{path} (mode 0600)")


def provider_keys_check(settings: Settings, store: Store | None, environ: Mapping[str, str] | None = None) -> Finding:
    """Which credentials agents can use: the allowed variables set here (the environment or the
    `.env` file), and the
    credentials stored in the store. None at all is a warning (CLI agents need none)."""
    environ = settings.environ if environ is None else environ
    from_env = [name for name in settings.env_credentials if environ.get(name)]
    stored = 0
    if store is not None:
        try:
            stored = len(store.list_credentials())
        except Exception:  # noqa: BLE001 - the migrations check reports a store that does not answer
            stored = 0
    parts = []
    if from_env:
        parts.append(f"set here: {', '.join(from_env)}")
    if stored:
        parts.append(f"{stored} stored credential{'s' if stored != 1 else ''}")
    if parts:
        return Finding(check="provider-keys", status=Status.OK, detail="; ".join(parts))
    return Finding(
        check="provider-keys",
        status=Status.WARN,
        detail=f"no provider key: none of {', '.join(settings.env_credentials)} is set and none is stored",
        fix="export OPENAI_API_KEY=… (or ANTHROPIC_API_KEY) for the workers, or `paperclip credential add`",
    )


def cli_tools_check(path: str | None = None) -> Finding:
    """Which coding CLIs this host can run as agents (informational: none is needed)."""
    found = {tool: shutil.which(tool, path=path) for tool in CLI_TOOLS}
    have = [tool for tool, where in found.items() if where]
    lacking = [tool for tool, where in found.items() if not where]
    detail = f"on PATH: {', '.join(have) or 'none'}"
    if lacking:
        detail += f"; not found: {', '.join(lacking)}"
    return Finding(check="cli-tools", status=Status.INFO, detail=detail)


def backup_check(settings: Settings, *, now: float | None = None) -> Finding:
    """How old the newest backup archive is (`PAPERCLIP_BACKUP_DIR`, else `$PAPERCLIP_HOME/backups`)."""
    configured = getattr(settings, "backup_dir", None)
    folder = Path(configured).expanduser() if configured else settings.home_dir / "backups"
    archives = [p for p in folder.glob("*.tar*") if p.is_file()] if folder.is_dir() else []
    if not archives:
        return Finding(
            check="backups",
            status=Status.INFO,
            detail=f"no backup in {folder}",
            fix="paperclip backup create",
        )
    newest = max(archives, key=lambda p: p.stat().st_mtime)
    age = (time.time() if now is None else now) - newest.stat().st_mtime
    hours = age / 3600
    detail = f"newest {newest.name}, {hours:.1f} h old"
    if age > BACKUP_STALE_SECONDS:
        return Finding(check="backups", status=Status.WARN, detail=detail, fix="paperclip backup create")
    return Finding(check="backups", status=Status.OK, detail=detail)
