"""What an agent reads, built without a workflow: instructions by kind of agent, the
assignment, and the texts of what arrives between turns."""

from datetime import UTC, datetime

from paperclip import prompts
from paperclip.models import (
    Adapter,
    AgentSpec,
    Approval,
    ApprovalAnswer,
    ApprovalKind,
    ApprovalStatus,
    ChildFinished,
    CliConfig,
    Comment,
    Goal,
    GoalLevel,
    GoalStatus,
    HttpConfig,
    Message,
    TaskInput,
    TaskStatus,
    ToolCall,
)
from paperclip.tools import tools_for

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CEO = AgentSpec(name="ceo", role="ceo", title="Chief Executive", system_prompt="Lead well.")
CTO = AgentSpec(name="cto", role="cto", reports_to="ceo", capabilities="software")


def task(agent: AgentSpec = CEO, **fields: object) -> TaskInput:
    base: dict[str, object] = {"company_id": "acme", "identifier": "ACME-1", "title": "Launch", "agent": agent}
    return TaskInput.model_validate(base | fields)


def goal(id: str, parent: str | None = None) -> Goal:
    return Goal(
        id=id, title=f"goal {id}", level=GoalLevel.COMPANY, parent=parent, status=GoalStatus.ACTIVE,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def test_the_system_prompt_names_the_agent_its_company_and_how_it_answers() -> None:
    text = prompts.system_prompt(task(company_name="Acme", mission="Robots"))
    assert text.startswith("You are ceo, Chief Executive (role: ceo) at Acme.")
    assert "Company mission: Robots" in text and "Lead well." in text
    assert text.endswith(prompts.MODEL_AGENT_INSTRUCTIONS)
    cli = CEO.model_copy(update={"adapter": Adapter.CLAUDE_LOCAL, "cli": CliConfig()})
    assert prompts.system_prompt(task(cli)).endswith(prompts.CLI_AGENT_INSTRUCTIONS)
    http = CEO.model_copy(update={"adapter": Adapter.HTTP, "http": HttpConfig(url="https://agent.example/run")})
    assert prompts.system_prompt(task(http)).endswith(prompts.HTTP_AGENT_INSTRUCTIONS)


def test_a_resumed_cli_session_gets_only_what_is_new() -> None:
    sent = [Message(role="user", content="first"), Message(role="user", content=""), Message(role="user", content="b")]
    assert prompts.cli_prompt(task(), sent, resuming=True) == "first\n\nb"
    assert prompts.cli_prompt(task(), sent, resuming=False).startswith(prompts.system_prompt(task()))


def test_the_assignment_names_the_goals_the_task_serves_and_the_team() -> None:
    text = prompts.assignment(task(brief="Ship v1", team=[CTO], goals=[goal("G1"), goal("G2", "G1")], goal="G2"))
    assert text.splitlines()[:2] == ["Task ACME-1: Launch", "Ship v1"]
    assert "- G2 [company, active] (this task serves it): goal G2" in text
    assert "- G1 [company, active]: goal G1" in text
    assert text.endswith("Your team:\n- cto (cto): software")


def test_a_goal_chain_is_top_first_and_ends_at_a_cycle() -> None:
    goals = [goal("G1"), goal("G2", "G1"), goal("G3", "G2"), goal("X", "Y"), goal("Y", "X")]
    assert [g.id for g in prompts.goal_chain(goals, "G3")] == ["G1", "G2", "G3"]
    assert [g.id for g in prompts.goal_chain(goals, "X")] == ["Y", "X"]
    assert prompts.goal_chain(goals, None) == [] and prompts.goal_chain(goals, "nope") == []


def test_what_arrives_between_turns_reads_as_a_sentence() -> None:
    done = ChildFinished(identifier="ACME-1.1", assignee="cto", status=TaskStatus.DONE, result="built")
    assert prompts.child_finished(done) == "Subtask ACME-1.1 (cto) finished: done. Result: built"
    failed = done.model_copy(update={"status": TaskStatus.FAILED, "result": None})
    assert prompts.child_finished(failed).endswith("failed. No result was given.")
    assert prompts.comment(Comment(id="c1", author="board", body="hurry")) == "Comment from board: hurry"
    handover = prompts.reassigned(task(CTO), "ceo")
    assert handover.startswith("Task ACME-1 was reassigned from ceo to you, cto.")
    assert handover.endswith(prompts.assignment(task(CTO)))


def test_the_boards_decision_is_told_as_the_agent_should_act_on_it() -> None:
    approval = Approval(
        id="AP-1", request_id="ACME-1#1", kind=ApprovalKind.BOARD, title="Buy", requested_by="ceo", created_at=NOW
    )

    def answer(status: ApprovalStatus, note: str = "") -> str:
        decided = approval.model_copy(update={"status": status, "note": note})
        return prompts.describe_answer(ApprovalAnswer(request_id="ACME-1#1", approval=decided))

    assert answer(ApprovalStatus.APPROVED, "go") == "The board approved AP-1 (board: Buy). Their note: go"
    assert answer(ApprovalStatus.REJECTED).endswith("Do not go ahead with it.")
    assert "ask again with request_approval" in answer(ApprovalStatus.REVISION_REQUESTED)
    refused = ApprovalAnswer(request_id="ACME-1#1", ok=False, message="no such agent")
    assert prompts.describe_answer(refused) == "Your request could not be made: no such agent"


def test_a_messages_bound_counts_its_bytes_tool_calls_and_framing() -> None:
    message = Message(role="assistant", content="héllo", tool_calls=[ToolCall(id="1", name="t", arguments={"a": 1})])
    assert prompts.bytes_of(message) == 6 + 1 + len('{"a": 1}') + prompts.MESSAGE_FRAMING_TOKENS
    tools = tools_for([CTO])
    assert prompts.standing_bytes(task(), tools) > len(prompts.system_prompt(task())) + 100 * len(tools)


def test_tool_answers_that_refuse_start_as_errors() -> None:
    refusals = [
        prompts.unknown_tool("x"),
        prompts.subtasks_open(["ACME-1.1", "ACME-1.2"]),
        prompts.not_in_team("dev", ["cto"]),
        prompts.too_deep(5),
        prompts.not_a_manager("dev"),
        prompts.ALREADY_WAITING,
        prompts.NO_MANAGER,
        prompts.STRATEGY_FIRST,
    ]
    assert all(r.startswith(prompts.ERROR) for r in refusals)
    assert prompts.not_in_team("dev", []) == "Error: cannot delegate to 'dev': not in your team (nobody)."
    assert "ACME-1.1, ACME-1.2 are still open" in refusals[1]
    assert prompts.hired(CTO, None) == "Hired cto (cto); you can delegate to it now."
    assert "pending the board's approval (AP-2)" in prompts.hired(CTO, "AP-2")
