"""Building blocks shared by the model-turn tests."""

from temporalio.testing import ActivityEnvironment

from activities.model_turn import ModelActivities
from paperclip.keys import BoundKey, KeyResolver, normalise_url
from paperclip.models import AgentSpec, Message, ModelConfig, ModelTurnInput, ModelTurnResult, SessionRef
from paperclip.store.credentials import StoredCredential
from paperclip.tools import tools_for
from tests.fakes import FakeModelServer

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


def keys_for(server: FakeModelServer, secret: str = "test-key") -> KeyResolver:
    """A resolver for the tests: every credential of every company is `secret` (the fake server's
    key, by default), bound to the fake server and nowhere else."""
    bound = (normalise_url(server.base_url),)

    def resolve(company_id: str, name: str) -> BoundKey | None:
        return BoundKey(name=name, secret=secret, urls=bound, bucket=name)

    return resolve


class NoStoredKeys:
    """A store with no stored credential, whose companies belong to no team (a `Keyring`'s
    store when only the environment's credentials are under test)."""

    def get_credential(self, team: str | None, name: str) -> StoredCredential | None:
        return None

    def company_team(self, company_id: str) -> str | None:
        return None


async def run_turn(activities: ModelActivities, input: ModelTurnInput, beats: list | None = None) -> ModelTurnResult:
    env = ActivityEnvironment()
    if beats is not None:
        env.on_heartbeat = lambda *details: beats.append(details[0] if details else None)
    return await env.run(activities.model_turn, input)
