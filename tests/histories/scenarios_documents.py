"""The document tools' scenario for the replay corpus, beside `tests.histories.scenarios` (which
registers it in `SCENARIOS`)."""

from paperclip.models import AgentSpec, Role
from tests.histories.stage import Company, Stage
from tests.workflows.helpers import wait_for

TIMEOUT = 60


async def documents(stage: Stage) -> Company:
    """A model agent with the document tools: it saves its task's plan, reads it back (the
    `write_document` and `read_document` activities), then completes."""
    from tests.histories.base import all_done, create_task

    agent = AgentSpec(
        name="dev", role=Role.GENERAL, model=stage.fake_model(), tools=["read_document", "write_document"]
    )
    stage.server.call_next("write_document", '{"key": "plan", "body": "# Plan\\n1. read the parser"}')
    stage.server.call_next("read_document", '{"key": "plan"}')
    company = await stage.start_company("documents", [agent])
    await create_task(company, "Fix the parser", "dev")
    await wait_for(company, all_done(1), timeout=TIMEOUT)
    plan = stage.store.get_document("documents", "ACME-1", "plan")
    assert plan is not None and (plan.revision, plan.author) == (1, "dev"), plan
    assert stage.server.calls == 3, f"{stage.server.calls} model requests (write, read, complete)"
    return company
