"""Building blocks shared by the model-turn tests."""

from temporalio.testing import ActivityEnvironment

from activities.model_turn import ModelActivities
from paperclip.models import AgentSpec, Message, ModelConfig, ModelTurnInput, ModelTurnResult, SessionRef
from paperclip.tools import tools_for

TEAM = [
    AgentSpec(name="eng", role="engineer", reports_to="ceo"),
    AgentSpec(name="qa", role="qa", reports_to="ceo"),
]
SESSION = SessionRef(company_id="acme", task="ACME-1", agent="ceo")
ASSIGNMENT = Message(role="user", author="board", content="Task ACME-1: Build a landing page\nMake it fast.")


def turn_input(
    model: ModelConfig, *, seq: int = 1, team: list[AgentSpec] | None = None, new: list[Message] | None = None
) -> ModelTurnInput:
    return ModelTurnInput(
        session=SESSION,
        seq=seq,
        model=model,
        system_prompt="You are the CEO of Acme.",
        tools=tools_for(TEAM if team is None else team),
        new_messages=[ASSIGNMENT] if new is None else new,
    )


def keys(name: str) -> str | None:
    """The credential resolver of the tests: every credential is the fake server's key."""
    return {"OPENAI_API_KEY": "test-key", "ANTHROPIC_API_KEY": "test-key"}.get(name)


async def run_turn(activities: ModelActivities, input: ModelTurnInput, beats: list | None = None) -> ModelTurnResult:
    env = ActivityEnvironment()
    if beats is not None:
        env.on_heartbeat = lambda *details: beats.append(details[0] if details else None)
    return await env.run(activities.model_turn, input)
