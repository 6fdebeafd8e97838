"""Whose a CLI agent's session on a task is, which session its next turn resumes, and on which
worker host.

A CLI tool keeps its sessions in its agent's home (`$PAPERCLIP_HOME/homes/<company>/<agent>`), in
its own format: a Claude Code session id means nothing to `codex resume`, nor to Claude Code run
for another agent. So the task remembers whose tool started the session it carries, and a turn
resumes it only for that agent and tool; another agent (the task was reassigned or escalated)
starts a session of its own, with its standing instructions.

That home and the agent's workspace are on one worker host's disk, so the task also remembers the
host's own CLI queue (`<task_queue>-cli@<host>`, named by the turn's result) and sends the owner's
later turns there (since `CLI_HOST_AFFINITY`). A turn no worker of that host takes within
`HOST_WAIT` finds the host gone: the session is dropped and the turn runs again on any host, in a
new session told why. Pure functions over the task's carried state: they run inside the workflow.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip import prompts
    from paperclip.models import AgentSpec, Message, TaskCarry, TaskInput
    from workflows.patches import CLI_HOST_AFFINITY, CLI_SESSION_PER_AGENT

HOST_WAIT = timedelta(minutes=5)
"""How long a turn waits on its host's queue for a worker of that host to take it (its
schedule-to-start timeout) before the host is taken as gone. Long enough for a worker to restart
(a deploy, a crash) and for a busy host to free a slot of its resumed turns; short enough that a
host lost for good costs the task minutes, not for ever. A host busier than that loses the
session too: the turn then starts a new one elsewhere, which is slower but not wrong."""


def owner(agent: AgentSpec) -> str:
    """Whose tool a session is: `<agent>/<adapter>`."""
    return f"{agent.name}/{agent.adapter.value}"


def keep(carry: TaskCarry, session: str | None, of: str, queue: str | None) -> None:
    """The tool of `of` reported `session` from the host whose CLI queue is `queue` (a turn
    answered, or a failed attempt's heartbeat)."""
    carry.cli_session, carry.cli_session_of, carry.cli_host_queue = session, of, queue


def handed_over(carry: TaskCarry, previous: AgentSpec) -> None:
    """The task goes to another agent: a session whose owner is not known yet is `previous`'s
    (it was carried before owners were kept; `previous` took the turns since)."""
    if carry.cli_session is not None and carry.cli_session_of is None:
        carry.cli_session_of = owner(previous)


def resumable(carry: TaskCarry, agent: AgentSpec) -> str | None:
    """The session `agent`'s next turn resumes: the task's, unless another agent's tool started
    it — then none (it is dropped), and the turn starts a new session."""
    session = carry.cli_session
    if session is None or carry.cli_session_of in (None, owner(agent)):
        return session
    if not workflow.patched(CLI_SESSION_PER_AGENT):
        return session  # a history from before: its next turn was handed the old session
    workflow.logger.info(
        "%s's session %s is not resumed by %s: a new one starts", carry.cli_session_of, session, owner(agent)
    )
    carry.cli_session = carry.cli_session_of = carry.cli_host_queue = None
    return None


def host_queue(carry: TaskCarry, agent: AgentSpec) -> str | None:
    """The worker host's queue `agent`'s next turn runs on: the one of the host that ran its last
    turn on this task (its session and workspace are there); None: any host's (another agent's
    host is not its own: its new session may start anywhere)."""
    queue = carry.cli_host_queue
    if queue is None:
        return None
    if carry.cli_session_of != owner(agent):
        carry.cli_host_queue = None
        return None
    return queue if workflow.patched(CLI_HOST_AFFINITY) else None


def host_gone(carry: TaskCarry, input: TaskInput, queue: str) -> None:
    """The turn waited `HOST_WAIT` on `queue` and no worker took it: its host is gone, and with it
    the session and the workspace. The session is dropped, so the next attempt runs on any host
    in a new one, told so first; the attempt never ran, so it is not one of the turn's attempts."""
    workflow.logger.warning(
        "%s: no worker of %s took %s's turn within %s (its host is gone): session %s is lost; the turn "
        "runs again on any host, in a new session",
        input.identifier,
        queue,
        input.agent.name,
        HOST_WAIT,
        carry.cli_session,
    )
    carry.cli_session = carry.cli_session_of = carry.cli_host_queue = None
    carry.pending.insert(0, Message(role="user", author="system", content=prompts.host_gone(input)))
    carry.attempt = max(0, carry.attempt - 1)
