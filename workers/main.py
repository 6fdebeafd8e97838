"""Worker processes: which task queue runs which workflows and activities.

One `paperclip worker` polls all queues: workflows and store writes on `paperclip`, model calls
on `paperclip-llm` (its slots are the provider concurrency), the calls of each credential with a
requests-a-minute limit on `paperclip-llm@<bucket>` (`<team>/<name>` for a team's credential,
`<name>` for the deployment's), which Temporal dispatches at that rate to all the workers polling
it together, CLI turns on `paperclip-cli` and the later turns of the CLI sessions this host
holds on `paperclip-cli@<worker_host>` (slots of their own), workspaces made on `paperclip-tools`,
and the tool calls of the workspaces this host holds on `paperclip-tools@<worker_host>` (slots of
their own).

One `Keyring` resolves every credential of the process (model calls, HTTP agents, hires by
agents, queues): a plain `(company_id, name) -> BoundKey | None` for the activities that send keys.
"""

import asyncio
import logging
import signal
from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import partial

from temporalio.client import Client
from temporalio.worker import Worker

from activities.backup import BackupActivities
from activities.cli.activity import CliActivities
from activities.compaction import CompactionActivities
from activities.dependencies import DependencyActivities
from activities.github import GitHubActivities
from activities.http_agent import HttpAgentActivities
from activities.limits import CredentialLimits
from activities.mcp import McpServers, sandboxed_spawn
from activities.model_turn import ModelActivities
from activities.pipelines import PipelineActivities, PipelineRunStore
from activities.purge import PurgeActivities
from activities.routine_pipelines import RoutinePipelineActivities
from activities.store import StoreActivities
from activities.templates import TemplateActivities
from activities.tools.activity import ToolActivities
from activities.tools.workspace import WorkspaceActivities
from activities.webhooks import WebhookActivities
from paperclip.backup.schedule import ensure_schedule
from paperclip.constants import TASK_QUEUE, cli_queue, llm_queue, tools_queue
from paperclip.keyring import Keyring
from paperclip.lifecycle.namespace import ensure_namespace_retention
from paperclip.lifecycle.retention import ensure_purge_schedule
from paperclip.models import RateLimit
from paperclip.secrets import SecretBox, load_key
from paperclip.settings import Settings, get_settings
from paperclip.store import Store
from paperclip.telemetry import setup_tracing, worker_runtime
from paperclip.temporal import connect
from paperclip.tokens import task_tokens
from paperclip.versioning import deployment_config
from workers.sandbox import workflow_runner
from workflows.backup import BackupWorkflow
from workflows.company import CompanyWorkflow
from workflows.pipeline import PipelineWorkflow
from workflows.purge import PurgeWorkflow
from workflows.review import GitHubPollWorkflow, PullRequestReviewWorkflow
from workflows.routine import RoutineWorkflow
from workflows.task import TaskWorkflow

log = logging.getLogger("paperclip.worker")

WORKFLOWS: Sequence[type] = (
    CompanyWorkflow,
    TaskWorkflow,
    RoutineWorkflow,
    PipelineWorkflow,
    PullRequestReviewWorkflow,
    GitHubPollWorkflow,
    BackupWorkflow,
    PurgeWorkflow,
)
CLI_HEARTBEAT_THROTTLE = timedelta(seconds=1)
"""How often a CLI turn's heartbeat reaches the server, and so how soon it learns it is cancelled."""


def model_activities(store: Store, settings: Settings, limits: CredentialLimits) -> ModelActivities:
    """Model turns with the limits and the limits' keyring (or one of their own)."""
    keys = limits.keys if isinstance(limits.keys, Keyring) else keyring(store, settings)
    return ModelActivities(
        store, keys=keys, limits=limits, environ=settings.environ, env_credentials=settings.env_credentials
    )


def keyring(store: Store, settings: Settings) -> Keyring:
    """The credentials of the settings' deployment, their secret key read on first need."""
    return Keyring(store, settings, lambda: SecretBox(load_key(settings.home_dir, settings.secret_key)))


def build_workers(
    client: Client,
    store: Store,
    *,
    task_queue: str = TASK_QUEUE,
    max_concurrent_model_calls: int = 100,
    model: ModelActivities | None = None,
    rate_limits: Mapping[str, RateLimit] | None = None,
    cli: CliActivities | None = None,
    max_concurrent_cli_turns: int = 4,
    settings: Settings | None = None,
    keys: Keyring | None = None,
    max_concurrent_tool_calls: int | None = None,
    tools: bool = True,
) -> list[Worker]:
    """The workers of one process: workflows + store writes, and model calls.

    Args:
        task_queue: the workflow queue; the model queues are derived from it (`…-llm`,
            `…-llm@<bucket>`).
        max_concurrent_model_calls: slots for model calls (they mostly wait on the network), per
            model queue.
        model: the model activities, when the caller closes their provider clients itself (it
            should then share `rate_limits`' limits, `ModelActivities(limits=...)`).
        rate_limits: the credentials' limits by bucket (`Settings.rate_limits`); every worker
            of a deployment must be given the same.
        cli: the CLI-agent activities; by default with the settings' home, API URL and workspace
            roots, the process's keyring for the tools' keys, and this host's CLI queue
            (`<task_queue>-cli@<settings.worker_host>`), which a worker then polls too.
        max_concurrent_cli_turns: CLI agents this process runs at once (each is a process tree),
            on each of its two CLI queues: new sessions on `<task_queue>-cli`, the later turns of
            this host's sessions on its own.
        settings: where the secret key is (task tokens, stored credentials), which environment
            variables may be credentials and where, and the API agents call back; the process
            settings by default.
        keys: the process's keyring (`model` should share it); by default one of the settings'.
        max_concurrent_tool_calls: tool calls this host runs at once (its own slots, not the CLI
            turns'); by default `settings.tool_concurrency`. Workspaces are made on
            `<task_queue>-tools` (`settings.workspace_concurrency` at once) and their tools run
            on `<task_queue>-tools@<settings.worker_host>`.
        tools: whether this process makes workspaces and runs tool calls at all (False: other
            processes' workers take the tools queues).
    """
    settings = settings or get_settings()
    tokens = partial(task_tokens, settings.home_dir, settings.secret_key)
    keys = keys or keyring(store, settings)
    if cli is None:
        cli = CliActivities(
            store,
            home=settings.home_dir,
            api_url=settings.resolved_api_url,
            tokens=tokens,
            keys=keys,
            workspace_roots=settings.workspace_roots,
            sandbox=settings.cli_sandbox,
            host_queue=cli_queue(task_queue, settings.worker_host),
        )
    limits = CredentialLimits(store, rate_limits, keys=keys)
    model = model or model_activities(store, settings, limits)
    compaction = CompactionActivities(model)
    http = HttpAgentActivities(
        store,
        keys=keys,
        tokens=tokens,
        api_url=settings.resolved_api_url,
        private_hosts=settings.allow_private_hosts,
    )
    templates = TemplateActivities(keys)
    record = StoreActivities(store)
    webhooks = WebhookActivities(
        store,
        lambda: SecretBox(load_key(settings.home_dir, settings.secret_key)),
        private_hosts=settings.allow_private_hosts,
    )
    runs = PipelineActivities(store if isinstance(store, PipelineRunStore) else None)
    github = GitHubActivities(store, keys)
    routine_runs = RoutinePipelineActivities(store, client)
    dependencies = DependencyActivities(client)
    backups = BackupActivities(settings)
    purges = PurgeActivities(store, settings)
    mcp = McpServers(store.get_mcp_server, keys=keys, allow=settings.mcp_stdio_allow, spawn=sandboxed_spawn)
    tool_calls = ToolActivities(store, settings=settings, keys=keys, mcp=mcp.runner_for)
    workspaces = WorkspaceActivities(settings=settings, keys=keys, task_queue=task_queue)
    # Each model queue with the rate Temporal dispatches its calls at (None: as fast as slots free).
    model_queues: list[tuple[str, float | None]] = [(llm_queue(task_queue), None)]
    model_queues += [
        (llm_queue(task_queue, name), limit.requests_per_minute / 60)
        for name, limit in limits.limits.items()
        if limit.requests_per_minute is not None  # `has_own_queue`, so routed here
    ]
    # On shutdown each stops polling at once and lets its running activities finish for at most
    # `worker_shutdown_seconds` before cancelling them (they are then retried elsewhere).
    # With `PAPERCLIP_WORKER_BUILD_ID` every worker announces its deployment version, so Temporal
    # routes each workflow's tasks (and their activities) to the build its history belongs to.
    worker = partial(
        Worker,
        client,
        graceful_shutdown_timeout=timedelta(seconds=settings.worker_shutdown_seconds),
        deployment_config=deployment_config(settings),
    )
    workers = [
        worker(
            task_queue=task_queue,
            workflows=list(WORKFLOWS),
            workflow_runner=workflow_runner(),
            activities=[
                record.record,
                record.task_brief,
                record.read_task,
                record.task_deliveries,
                dependencies.add_blocker,
                record.read_document,
                record.write_document,
                record.store_standing,
                runs.record_pipeline_run,
                routine_runs.routine_pipeline_run,
                templates.agent_from_template,
                limits.credential_queue,
                limits.model_queue,
                webhooks.notify,
                github.claim_review,
                github.fetch_pull_request,
                github.review_summary,
                github.post_review,
                github.settle_review,
                github.open_pulls,
                backups.create_backup,
                purges.purge_expired,
            ],
        ),
        *(
            worker(
                task_queue=queue,
                activities=[model.model_turn, compaction.compact],
                max_concurrent_activities=max_concurrent_model_calls,
                max_task_queue_activities_per_second=per_second,
            )
            for queue, per_second in model_queues
        ),
        worker(
            task_queue=cli_queue(task_queue),
            activities=[cli.cli_turn, cli.release_workspace, http.http_turn],
            max_concurrent_activities=max_concurrent_cli_turns,
            # A cancellation reaches an activity only in the answer to a heartbeat, which the SDK
            # otherwise sends at 80 % of the heartbeat timeout (24 s of 30): a paused agent's
            # tool would run on that long. One a second is cheap for a handful of turns.
            max_heartbeat_throttle_interval=CLI_HEARTBEAT_THROTTLE,
            default_heartbeat_throttle_interval=CLI_HEARTBEAT_THROTTLE,
        ),
    ]
    if cli.host_queue is not None:
        # The later turns of the sessions this host holds (their results named it), with slots of
        # their own: a resumed turn waits only behind this host's other resumed turns.
        workers.append(
            worker(
                task_queue=cli.host_queue,
                activities=[cli.cli_turn, cli.release_workspace],
                max_concurrent_activities=max_concurrent_cli_turns,
                max_heartbeat_throttle_interval=CLI_HEARTBEAT_THROTTLE,
                default_heartbeat_throttle_interval=CLI_HEARTBEAT_THROTTLE,
            )
        )
    if not tools:
        return workers
    return workers + [
        worker(
            task_queue=tools_queue(task_queue),
            # run_tool here: the calls of tools that need no workspace (http_fetch, MCP tools)
            activities=[
                workspaces.prepare_workspace,
                mcp.mcp_tools,
                tool_calls.run_tool,
                tool_calls.record_work_products,
            ],
            max_concurrent_activities=settings.workspace_concurrency,
        ),
        worker(
            task_queue=tools_queue(task_queue, settings.worker_host),
            activities=[tool_calls.run_tool, tool_calls.record_work_products],
            max_concurrent_activities=max_concurrent_tool_calls or settings.tool_concurrency,
            max_heartbeat_throttle_interval=CLI_HEARTBEAT_THROTTLE,
            default_heartbeat_throttle_interval=CLI_HEARTBEAT_THROTTLE,
        ),
    ]


async def run_workers(workers: Sequence[Worker]) -> None:
    """Run workers until cancelled; on cancellation shut them down gracefully."""
    await asyncio.gather(*(w.run() for w in workers))


async def run_worker(settings: Settings) -> None:
    """The `paperclip worker` process: runs until SIGINT/SIGTERM, then shuts down cleanly."""
    if settings.tracing_enabled:
        setup_tracing("paperclip-worker")
    client = await connect(settings, runtime=worker_runtime(settings))  # serves metrics if configured
    store = Store.from_settings(settings)
    if settings.migrate_on_start:
        store.migrate()
    keys = keyring(store, settings)
    model = model_activities(store, settings, CredentialLimits(store, settings.rate_limits, keys=keys))
    workers = build_workers(
        client,
        store,
        task_queue=settings.task_queue,
        max_concurrent_model_calls=settings.model_concurrency,
        model=model,
        rate_limits=settings.rate_limits,
        max_concurrent_cli_turns=settings.cli_concurrency,
        settings=settings,
        keys=keys,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    running = asyncio.ensure_future(run_workers(workers))
    # The system routines and the namespace's retention, beside the polling, not before it.
    system = asyncio.ensure_future(_ensure_system(client, settings))
    log.info(
        "worker polling %s at %s",
        ", ".join(w.task_queue for w in workers),
        settings.resolved_temporal_address,
    )
    await asyncio.wait([running, asyncio.ensure_future(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    system.cancel()
    await asyncio.gather(*(w.shutdown() for w in workers), return_exceptions=True)
    await model.aclose()
    if running.done() and running.exception():
        raise running.exception()  # type: ignore[misc]


async def _ensure_system(client: Client, settings: Settings) -> None:
    """The system routines (scheduled backups, `paperclip.backup.schedule`; the daily purge,
    `paperclip.lifecycle.retention`) and Temporal's retention (`paperclip.lifecycle.namespace`),
    as the settings say. Each failure is logged: a worker without them still works."""
    for what, ensure in (
        ("backup schedule", ensure_schedule),
        ("purge schedule", ensure_purge_schedule),
        ("namespace retention", ensure_namespace_retention),
    ):
        try:
            log.info("%s: %s", what, await ensure(client, settings))
        except Exception as error:  # noqa: BLE001 - a worker without it still works; say so
            log.warning("the %s could not be made: %s", what, error)
