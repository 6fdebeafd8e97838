"""The CLI-agent turn activity, on the `paperclip-cli` queue and on the worker host's own
`paperclip-cli@<host>`.

One turn runs the agent's tool once in its workspace with the turn's prompt, resuming the
task's session. The tool keeps the session in the agent's HOME and works in a workspace, both on
this host's disk: the result (and every heartbeat) names the host's queue, where the task sends
the agent's later turns. Progress is heartbeated (session id, bytes, events, the last event, its
pid, host, host queue and turn marker), so a turn retried after its worker died, or after its tool
failed, resumes the session the last attempt had started, on its host (the task workflow retries,
passing what the lost attempt last said). Before the tool starts, the attempt's ledger row is written
unconfirmed at the turn's per-turn budget. The prompt
and the whole answer go to the store with the cost event; history gets the answer cut short
past `max_output_chars`, with a reference to the stored text.

Nothing of the worker's environment reaches the tool but what `activities.cli.environment` lets
through; a spec that asks for more (a reserved variable, a key where it is not bound, a workspace
outside the roots) is refused before anything starts (`CliAgentRefused`, final).
"""

import asyncio
import socket
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.cli import ADAPTERS, workspace
from activities.cli.base import PreparesTurn, RefusesPerCall, Stream
from activities.cli.credentials import KeyRefused, key_environment
from activities.cli.environment import agent_home, base_environment, turn_environment
from activities.cli.failure import failure_reason
from activities.cli.outcome import turn_usage
from activities.cli.runner import TurnTimedOut, kill_marked_group, run
from activities.cli.sandbox import CliSandboxUnavailable, turn_sandbox
from activities.http_agent import TOKEN_SLACK
from activities.model_turn import TurnStore, pending_cost, turn_cost
from paperclip.cli_rules import cli_problems, workspace_problem
from paperclip.constants import Activity
from paperclip.keys import KeyResolver
from paperclip.models import (
    CliConfig,
    CliPermissions,
    CliSessionTotal,
    CliTurnInput,
    CliTurnResult,
    Message,
    Usage,
    WorkspaceRelease,
)
from paperclip.money import cost
from paperclip.tokens import TaskTokens

TURN_MARK = "PAPERCLIP_TURN"
"""Set in every process of a turn (`<workflow>/<activity>`): a retry kills only what it marks."""
CLI_FAILED = "CliAgentFailed"
"""The tool failed or said the turn failed (retryable: a tool may fail for a passing reason)."""
CLI_MISSING = "CliAgentMissing"
"""The tool is not installed where the worker runs (final)."""
CLI_TIMEOUT = "CliTurnTimeout"
"""The turn ran past its timeout and was stopped (final: it would again)."""
CLI_NO_SANDBOX = "CliSandboxUnavailable"
"""The sandbox is on and this worker host cannot make one (final: install bubblewrap)."""
CLI_REFUSED = "CliAgentRefused"
"""The spec asks for what no agent may have (`paperclip.cli_rules`, a key not bound to its URL):
nothing was started (final)."""
EVENT_KINDS_KEPT = 40
"""Kinds of stream events a turn's result counts (the most frequent): a tool that names each event
differently cannot grow the task's history with them."""


def passed_turn_budget(stream: Stream, cli: CliConfig) -> str | None:
    """What the turn has spent past its per-turn budget, as a phrase; None while within it (or
    at it, unless the tool stopped itself there)."""
    usd = stream.cost_usd or 0.0
    if cli.turn_budget_usd is not None and (usd > cli.turn_budget_usd or stream.stopped_at_budget):
        return f"{cost(usd)} of ${cli.turn_budget_usd:g}"
    if stream.stopped_at_budget:  # a budget of its own (`cli.args`)
        return f"{cost(usd)}, its tool's own budget"
    tokens = stream.usage.input_tokens + stream.usage.output_tokens
    if cli.turn_budget_tokens is not None and tokens > cli.turn_budget_tokens:
        return f"{tokens:,} of {cli.turn_budget_tokens:,} tokens"
    return None


class CliActivities:
    """CLI-agent turns.

    Args:
        store: where the turn's prompt, answer and cost event go (`paperclip.store.Store`).
        home: `PAPERCLIP_HOME`; agents without a `cli.workspace` work under `home/workspaces`, and
            each has a HOME of its own under `home/homes`.
        api_url: the API the agent may call back (`PAPERCLIP_API_URL` in its environment).
        tokens: the task-token signer (made on first use): the tool gets a token of its task in
            `PAPERCLIP_TASK_TOKEN`, valid for the turn and five minutes more.
        keys: resolves the credential a tool's key comes from (None: no tool gets a key).
        workspace_roots: folders a `cli.workspace` may be in besides the company's own
            (`Settings.workspace_roots`).
        environ: what the agents' environments take `PATH` and the locale from (the worker's
            environment, read at each turn, by default).
        sandbox: run each turn in the sandbox (`activities.cli.sandbox`; `Settings.cli_sandbox`);
            on, a host without a working bubblewrap fails the turn (`CliSandboxUnavailable`).
        host_queue: this worker host's own CLI queue (`cli_queue(task_queue, worker_host)`), which
            each turn's result and heartbeats name: the session and workspace stay on this host,
            and the task sends the agent's later turns there. None: later turns run on any host.
    """

    def __init__(
        self,
        store: TurnStore,
        *,
        home: Path,
        api_url: str | None = None,
        tokens: Callable[[], TaskTokens] | None = None,
        keys: KeyResolver | None = None,
        workspace_roots: Sequence[Path] = (),
        environ: Mapping[str, str] | None = None,
        sandbox: bool = True,
        host_queue: str | None = None,
    ) -> None:
        self.store = store
        self.home = home
        self.api_url = api_url
        self.tokens = tokens
        self.keys = keys
        self.workspace_roots = list(workspace_roots)
        self.environ = environ
        self.sandbox = sandbox
        self.host_queue = host_queue

    async def _book_spent(self, input: CliTurnInput, tool: str, stream: Stream) -> dict[str, Any]:
        """Book what a failed turn's tool said it spent before it failed (a failed attempt is
        paid for too), and return it for the failure's details, which the task adds to its
        spend: `usage` and `cost_usd`, or nothing when it reported nothing. A tool that reports
        only its session's running total (Codex) reports it at a turn's end, so a failed turn
        of its has nothing to book."""
        if stream.usage == Usage() and not stream.cost_usd:
            return {}
        model = stream.model or input.cli.model or "default"
        event = turn_cost(
            input.session, input.seq, provider=tool, model=model, usage=stream.usage, cost_usd=stream.cost_usd,
            attempt=input.attempt,
        )  # fmt: skip
        await asyncio.to_thread(self.store.book_attempt, event)
        return {"usage": stream.usage.model_dump(), "cost_usd": stream.cost_usd}

    def workspace(self, company_id: str, agent: str, cli: CliConfig) -> Path:
        if cli.workspace:
            return Path(cli.workspace).expanduser()
        return self.home / "workspaces" / workspace.slug(company_id) / workspace.slug(agent)

    async def environment(self, company_id: str, agent: str) -> dict[str, str]:
        """The environment every process of the agent starts from, with its own HOME."""
        home = await asyncio.to_thread(agent_home, self.home, company_id, agent)
        return base_environment(home, self.environ)

    def key_or_refuse(self, input: CliTurnInput) -> dict[str, str]:
        """The variables of the tool's key and URL, once the spec passes every rule.

        Raises:
            ApplicationError: `CliAgentRefused`, naming each rule the spec breaks.
        """
        company_id = input.session.company_id
        refusals = cli_problems(input.adapter, input.cli)
        outside = workspace_problem(input.cli, home=self.home, company_id=company_id, roots=self.workspace_roots)
        refusals += [outside] if outside else []
        key: dict[str, str] = {}
        if not refusals:
            try:
                key = key_environment(input.adapter, input.cli, self.keys, company_id)
            except KeyRefused as refused:
                refusals.append(str(refused))
        if refusals:
            raise ApplicationError(
                f"{input.adapter.value} agent {input.session.agent} was not started: {'; '.join(refusals)}",
                type=CLI_REFUSED,
                non_retryable=True,
            )
        return key

    @activity.defn(name=Activity.CLI_RELEASE_WORKSPACE)
    async def release_workspace(self, input: WorkspaceRelease) -> bool:
        """The task has ended: remove its git worktree (kept after a failure when configured)."""
        roots = self.workspace_roots
        if await asyncio.to_thread(
            workspace_problem, input.cli, home=self.home, company_id=input.company_id, roots=roots
        ):
            return False  # its turns never ran there
        return await workspace.release(
            self.workspace(input.company_id, input.agent, input.cli),
            self.home,
            input.company_id,
            input.task,
            keep=not input.succeeded and input.cli.keep_worktree_on_failure,
            env=await self.environment(input.company_id, input.agent),
        )

    @activity.defn(name=Activity.CLI_TURN)
    async def cli_turn(self, input: CliTurnInput) -> CliTurnResult:
        """Run one turn of a CLI agent and record it.

        Raises:
            ApplicationError: `CliAgentFailed` (retryable), `CliAgentMissing`, `CliTurnTimeout` or
                `CliAgentRefused` (final).
        """
        company_id, agent = input.session.company_id, input.session.agent
        key = await asyncio.to_thread(self.key_or_refuse, input)  # the resolver may read the store
        adapter = ADAPTERS[input.adapter]
        resume = input.resume
        info = activity.info()
        turn_id = f"{info.workflow_id}/{info.activity_id}"
        marker = f"{TURN_MARK}={turn_id}"
        details = info.heartbeat_details
        last = details[0] if details and isinstance(details[0], dict) else {}
        if last.get("session_id"):
            resume = str(last["session_id"])  # a retry: the session the last attempt started
        if last.get("pid") and last.get("host") == socket.gethostname():
            # The lost attempt's worker died; what its tool started may still run here.
            await asyncio.to_thread(kill_marked_group, int(last["pid"]), marker)
        orphan = input.orphan or {}
        if orphan.get("pid") and orphan.get("marker") and orphan.get("host") == socket.gethostname():
            # A lost attempt of this turn (the task retried it): its tool may still run here.
            await asyncio.to_thread(kill_marked_group, int(orphan["pid"]), f"{TURN_MARK}={orphan['marker']}")
        settled = []
        if input.lost:
            settled = await asyncio.to_thread(self.store.settle_attempts, input.session, input.seq, input.lost)
        if isinstance(adapter, RefusesPerCall):
            argv, stdin = adapter.argv_with(input.cli, input.prompt, resume, input.rules, input.granted)
        else:
            argv, stdin = adapter.argv(input.cli, input.prompt, resume)
        base = await self.environment(company_id, agent)
        cwd = await workspace.task_directory(
            self.workspace(company_id, agent, input.cli),
            self.home,
            company_id,
            input.session.task,
            worktrees=input.cli.worktrees,
            env=base,
        )
        callbacks = {
            TURN_MARK: turn_id,
            "PAPERCLIP_COMPANY_ID": company_id,
            "PAPERCLIP_AGENT_ID": agent,
            "PAPERCLIP_TASK_ID": input.session.task,
        }
        if self.api_url:
            callbacks["PAPERCLIP_API_URL"] = self.api_url
        if self.tokens is not None:
            ttl = timedelta(seconds=input.cli.turn_timeout_seconds + input.cli.grace_seconds) + TOKEN_SLACK
            callbacks["PAPERCLIP_TASK_TOKEN"] = self.tokens().mint(
                company_id=company_id, task=input.session.task, agent=agent, ttl=ttl
            )
        env = turn_environment(base, spec=input.cli.env, key=key, callbacks=callbacks)
        if isinstance(adapter, PreparesTurn):  # the tool's settings: its permissions, its auth type
            env |= await asyncio.to_thread(adapter.prepare, input.cli, Path(base["HOME"]), env)
        stream = Stream(session_id=resume)
        # Where a retry finds what this attempt leaves (its session, the workspace): this host.
        here = {"queue": self.host_queue} if self.host_queue else {}

        def beat(progress: dict[str, Any]) -> None:
            activity.heartbeat(progress | {"host": socket.gethostname(), "marker": turn_id} | here)

        if input.worst is not None:
            model = input.cli.model or "default"
            pending = pending_cost(
                input.session, input.seq, input.worst, provider=adapter.tool, model=model, attempt=input.attempt
            )
            await asyncio.to_thread(self.store.begin_call, pending)

        def past_turn_budget() -> bool:
            return passed_turn_budget(stream, input.cli) is not None

        try:
            sandbox = None
            if self.sandbox:
                sandbox = await turn_sandbox(
                    argv,
                    env,
                    workspace=cwd,
                    agent_home=Path(base["HOME"]),
                    home=self.home,
                    roots=self.workspace_roots,
                    command=[*input.cli.command, *input.cli.args],
                    timeout=input.cli.turn_timeout_seconds,
                    grace=input.cli.grace_seconds,
                )
            finished = await run(
                adapter,
                argv,
                stdin,
                cwd=cwd,
                env=env,
                stream=stream,
                timeout=input.cli.turn_timeout_seconds,
                grace=input.cli.grace_seconds,
                beat=beat,
                stop_when=past_turn_budget,
                sandbox=sandbox,
            )
        except CliSandboxUnavailable as unavailable:
            raise ApplicationError(f"{adapter.tool}: {unavailable}", type=CLI_NO_SANDBOX, non_retryable=True) from None
        except FileNotFoundError:
            raise ApplicationError(
                f"{adapter.tool}: `{argv[0]}` is not installed on this worker (not on its PATH)",
                type=CLI_MISSING,
                non_retryable=True,
            ) from None
        except TurnTimedOut as timed_out:
            spent = await self._book_spent(input, adapter.tool, stream)
            raise ApplicationError(
                f"{adapter.tool}: {timed_out}", spent, type=CLI_TIMEOUT, non_retryable=True
            ) from None
        over = passed_turn_budget(stream, input.cli) if finished.stopped or stream.stopped_at_budget else None
        if over is None and (finished.exit_code != 0 or stream.error):
            reason = failure_reason(stream.error, finished.stderr_tail, stream.answer())
            # The retry resumes the session this attempt started, however soon the tool failed
            # (the runner's periodic heartbeat may not have carried its id yet).
            beat({"session_id": stream.session_id})
            spent = await self._book_spent(input, adapter.tool, stream)
            raise ApplicationError(
                f"{adapter.tool} failed (exit code {finished.exit_code}): {reason}",
                {"session_id": stream.session_id} | spent | here,
                type=CLI_FAILED,
            )
        answer = stream.answer() or "(no answer)"
        if over is not None:
            answer += f"\n\n[stopped: this turn passed its per-turn budget ({over})]"
        session_total = None
        if stream.session_total is not None and stream.session_id:
            # The tool counts its whole session: this turn is what the total grew by.
            session_total = CliSessionTotal(
                company_id=company_id,
                tool=adapter.tool,
                session_id=stream.session_id,
                task=input.session.task,
                usage=stream.session_total,
            )
            before = await asyncio.to_thread(self.store.cli_session_total, company_id, adapter.tool, stream.session_id)
            stream.usage = turn_usage(stream.session_total, before)
        if stream.denials:  # it went on without them: told, not failed (a retry would be refused again)
            refused = "; ".join(f"{d.tool} {d.detail}".strip() for d in stream.denials)
            profile = input.cli.permissions or CliPermissions.WORKSPACE_WRITE_NETWORK
            answer += f"\n\n[refused by its permissions ({profile.value}): {refused}]"
        model = stream.model or input.cli.model or "default"
        reply = Message(role="assistant", content=answer, author=input.session.agent)
        event = turn_cost(
            input.session,
            input.seq,
            provider=adapter.tool,
            model=model,
            usage=stream.usage,
            cost_usd=stream.cost_usd,
            attempt=input.attempt,
        )
        prompt = Message(role="user", content=input.prompt, author="paperclip")
        await asyncio.to_thread(
            self.store.save_turn,
            input.session,
            seq=input.seq,
            new_messages=[prompt],
            reply=reply,
            cost=event,
            session_total=session_total,
        )
        if len(answer) > input.cli.max_output_chars:
            kept = answer[: input.cli.max_output_chars]
            reply = reply.model_copy(
                update={
                    "content": f"{kept}\n\n[… cut at {len(kept):,} of {len(answer):,} characters; the whole answer "
                    f"is in the store: task {input.session.task}, turn {input.seq}]"
                }
            )
        return CliTurnResult(
            reply=reply,
            usage=stream.usage,
            cost_usd=stream.cost_usd,
            tool=adapter.tool,
            model=model,
            session_id=stream.session_id,
            events=stream.events,
            event_kinds=dict(stream.kinds.most_common(EVENT_KINDS_KEPT)),
            settled=settled,
            denials=stream.denials,
            host_queue=self.host_queue,
        )
