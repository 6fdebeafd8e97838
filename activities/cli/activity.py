"""The CLI-agent turn activity, on the `paperclip-cli` queue.

One turn runs the agent's tool once in its workspace with the turn's prompt, resuming the
task's session. Progress is heartbeated (session id, bytes, events, the last event, its pid,
host and turn marker), so a turn retried after its worker died, or after its tool failed,
resumes the session the last attempt had started (the task workflow retries, passing what the
lost attempt last said). Before the tool starts, the attempt's ledger row is written
unconfirmed at the turn's per-turn budget. The prompt
and the whole answer go to the store with the cost event; history gets the answer cut short
past `max_output_chars`, with a reference to the stored text.
"""

import asyncio
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.cli import ADAPTERS, workspace
from activities.cli.base import Stream
from activities.cli.runner import TurnTimedOut, kill_marked_group, run
from activities.http_agent import TOKEN_SLACK
from activities.model_turn import TurnStore
from paperclip.models import CliConfig, CliTurnInput, CliTurnResult, CostEvent, Message, Usage, WorkspaceRelease
from paperclip.tokens import TaskTokens

TURN_MARK = "PAPERCLIP_TURN"
"""Set in every process of a turn (`<workflow>/<activity>`): a retry kills only what it marks."""
CLI_FAILED = "CliAgentFailed"
"""The tool failed or said the turn failed (retryable: a tool may fail for a passing reason)."""
CLI_MISSING = "CliAgentMissing"
"""The tool is not installed where the worker runs (final)."""
CLI_TIMEOUT = "CliTurnTimeout"
"""The turn ran past its timeout and was stopped (final: it would again)."""


def passed_turn_budget(stream: Stream, cli: CliConfig) -> str | None:
    """What the turn has spent past its per-turn budget, as a phrase; None while within it."""
    if cli.turn_budget_usd is not None and (stream.cost_usd or 0.0) > cli.turn_budget_usd:
        return f"${stream.cost_usd:.4f} of ${cli.turn_budget_usd:g}"
    tokens = stream.usage.input_tokens + stream.usage.output_tokens
    if cli.turn_budget_tokens is not None and tokens > cli.turn_budget_tokens:
        return f"{tokens:,} of {cli.turn_budget_tokens:,} tokens"
    return None


class CliActivities:
    """CLI-agent turns.

    Args:
        store: where the turn's prompt, answer and cost event go (`paperclip.store.Store`).
        home: `PAPERCLIP_HOME`; agents without a `cli.workspace` work under `home/workspaces`.
        api_url: the API the agent may call back (`PAPERCLIP_API_URL` in its environment).
        tokens: the task-token signer (made on first use): the tool gets a token of its task in
            `PAPERCLIP_TASK_TOKEN`, valid for the turn and five minutes more.
    """

    def __init__(
        self,
        store: TurnStore,
        *,
        home: Path,
        api_url: str | None = None,
        tokens: Callable[[], TaskTokens] | None = None,
    ) -> None:
        self.store = store
        self.home = home
        self.api_url = api_url
        self.tokens = tokens

    def workspace(self, company_id: str, agent: str, cli: CliConfig) -> Path:
        if cli.workspace:
            return Path(cli.workspace).expanduser()
        return self.home / "workspaces" / workspace.slug(company_id) / workspace.slug(agent)

    @activity.defn(name="cli_release_workspace")
    async def release_workspace(self, input: WorkspaceRelease) -> bool:
        """The task has ended: remove its git worktree (kept after a failure when configured)."""
        return await workspace.release(
            self.workspace(input.company_id, input.agent, input.cli),
            self.home,
            input.company_id,
            input.task,
            keep=not input.succeeded and input.cli.keep_worktree_on_failure,
        )

    @activity.defn(name="cli_turn")
    async def cli_turn(self, input: CliTurnInput) -> CliTurnResult:
        """Run one turn of a CLI agent and record it.

        Raises:
            ApplicationError: `CliAgentFailed` (retryable), `CliAgentMissing` or `CliTurnTimeout` (final).
        """
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
        argv, stdin = adapter.argv(input.cli, input.prompt, resume)
        cwd = await workspace.task_directory(
            self.workspace(input.session.company_id, input.session.agent, input.cli),
            self.home,
            input.session.company_id,
            input.session.task,
            worktrees=input.cli.worktrees,
        )
        env = os.environ | input.cli.env
        env |= {
            TURN_MARK: turn_id,
            "PAPERCLIP_COMPANY_ID": input.session.company_id,
            "PAPERCLIP_AGENT_ID": input.session.agent,
            "PAPERCLIP_TASK_ID": input.session.task,
        }
        if self.api_url:
            env["PAPERCLIP_API_URL"] = self.api_url
        if self.tokens is not None:
            ttl = timedelta(seconds=input.cli.turn_timeout_seconds + input.cli.grace_seconds) + TOKEN_SLACK
            env["PAPERCLIP_TASK_TOKEN"] = self.tokens().mint(
                company_id=input.session.company_id, task=input.session.task, agent=input.session.agent, ttl=ttl
            )
        stream = Stream(session_id=resume)

        def beat(progress: dict[str, Any]) -> None:
            activity.heartbeat(progress | {"host": socket.gethostname(), "marker": turn_id})

        if input.worst is not None:
            pending = CostEvent(
                company_id=input.session.company_id,
                agent=input.session.agent,
                task=input.session.task,
                goal=input.session.goal,
                seq=input.seq,
                provider=adapter.tool,
                model=input.cli.model or "default",
                usage=Usage(input_tokens=input.worst.input_tokens, output_tokens=input.worst.output_tokens),
                cost_usd=input.worst.usd,
                at=datetime.now(UTC),
                attempt=input.attempt,
                confirmed=False,
            )
            await asyncio.to_thread(self.store.begin_call, pending)

        def past_turn_budget() -> bool:
            return passed_turn_budget(stream, input.cli) is not None

        try:
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
            )
        except FileNotFoundError:
            raise ApplicationError(
                f"{adapter.tool}: `{argv[0]}` is not installed on this worker (not on its PATH)",
                type=CLI_MISSING,
                non_retryable=True,
            ) from None
        except TurnTimedOut as timed_out:
            raise ApplicationError(f"{adapter.tool}: {timed_out}", type=CLI_TIMEOUT, non_retryable=True) from None
        over = passed_turn_budget(stream, input.cli) if finished.stopped else None
        if over is None and (finished.exit_code != 0 or stream.error):
            last_error_line = (finished.stderr_tail.splitlines() or [""])[-1]
            reason = stream.error or last_error_line or stream.answer()[-300:] or "no output"
            # The retry resumes the session this attempt started, however soon the tool failed
            # (the runner's periodic heartbeat may not have carried its id yet).
            beat({"session_id": stream.session_id})
            raise ApplicationError(
                f"{adapter.tool} failed (exit code {finished.exit_code}): {reason}",
                {"session_id": stream.session_id},
                type=CLI_FAILED,
            )
        answer = stream.answer() or "(no answer)"
        if over is not None:
            answer += f"\n\n[stopped: this turn passed its per-turn budget ({over})]"
        model = stream.model or input.cli.model or "default"
        reply = Message(role="assistant", content=answer, author=input.session.agent)
        event = CostEvent(
            company_id=input.session.company_id,
            agent=input.session.agent,
            task=input.session.task,
            goal=input.session.goal,
            seq=input.seq,
            provider=adapter.tool,
            model=model,
            usage=stream.usage,
            cost_usd=stream.cost_usd,
            at=datetime.now(UTC),
            attempt=input.attempt,
        )
        prompt = Message(role="user", content=input.prompt, author="paperclip")
        await asyncio.to_thread(
            self.store.save_turn, input.session, seq=input.seq, new_messages=[prompt], reply=reply, cost=event
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
            settled=settled,
        )
