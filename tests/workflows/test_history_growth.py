"""History grows linearly with the conversation: only new messages travel each turn."""

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from paperclip.models import AgentSpec, TaskStatus
from tests.workflows.helpers import start_company, start_task
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers


async def history_bytes(client: Client, turns: int) -> tuple[int, int]:
    """Bytes and events in the history of a task that takes `turns` turns."""
    writer = AgentSpec(name="writer", max_turns=1000)
    async with stand_in_workers(client, ScriptedModel(talk_turns=turns)) as queue:
        company = await start_company(client, queue, [writer])
        handle = await start_task(
            client,
            queue,
            company,
            identifier="ACME-1",
            title="Write the book",
            agent=writer,
            brief="A long piece of work. " * 20,
        )
        result = await handle.result()
    assert result.status is TaskStatus.DONE and result.turns == turns
    history = await handle.fetch_history()
    return sum(e.ByteSize() for e in history.events), len(history.events)


async def test_a_200_turn_task_has_at_most_12x_the_history_of_a_20_turn_task(dev_env: WorkflowEnvironment) -> None:
    short, _ = await history_bytes(dev_env.client, 20)
    long, long_events = await history_bytes(dev_env.client, 200)
    assert long_events < 4000  # one run: no continue-as-new hid any growth
    print(f"history: 20 turns {short} bytes, 200 turns {long} bytes ({long / short:.1f}x)")
    assert long <= 12 * short, f"20 turns: {short} bytes, 200 turns: {long} bytes ({long / short:.1f}x)"
    assert long >= 5 * short  # and it does grow with the conversation: this measures something
