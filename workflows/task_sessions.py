"""Whose a CLI agent's session on a task is, and which session its next turn resumes.

A CLI tool keeps its sessions in its agent's home (`$PAPERCLIP_HOME/homes/<company>/<agent>`), in
its own format: a Claude Code session id means nothing to `codex resume`, nor to Claude Code run
for another agent. So the task remembers whose tool started the session it carries, and a turn
resumes it only for that agent and tool; another agent (the task was reassigned or escalated)
starts a session of its own, with its standing instructions. Pure functions over the task's
carried state: they run inside the workflow.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip.models import AgentSpec, TaskCarry
    from workflows.patches import CLI_SESSION_PER_AGENT


def owner(agent: AgentSpec) -> str:
    """Whose tool a session is: `<agent>/<adapter>`."""
    return f"{agent.name}/{agent.adapter.value}"


def keep(carry: TaskCarry, session: str | None, of: str) -> None:
    """The tool of `of` reported `session` (a turn answered, or a failed attempt's heartbeat)."""
    carry.cli_session, carry.cli_session_of = session, of


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
    carry.cli_session = carry.cli_session_of = None
    return None
