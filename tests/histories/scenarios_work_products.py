"""The work products' recording scenario (`workproducts`), beside `tests.histories.scenarios`."""

import json

from paperclip.models import AgentSpec, CreateTaskInput, Role
from tests.histories.stage import Company, Stage
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

TIMEOUT = 60
REPORT = "https://example.com/reports/q3"


async def workproducts(stage: Stage) -> Company:
    """A model agent completes declaring a `file://` URL (refused with the argument check, the task
    goes on), then completes declaring a URL: `record_work_products` keeps it before the task ends."""
    agent = AgentSpec(name="dev", role=Role.GENERAL, model=stage.fake_model(), tools=["comment"])
    bad = {"result": "Done.", "work_products": [{"kind": "url", "value": "file:///etc/passwd"}]}
    good = {"result": "Done.", "work_products": [{"kind": "url", "value": REPORT, "title": "Q3"}]}
    stage.server.call_next("complete_task", json.dumps(bad))
    stage.server.call_next("complete_task", json.dumps(good))
    company = await stage.start_company("workproducts", [agent])
    await company.execute_update(
        CompanyWorkflow.create_task, CreateTaskInput(title="Write the Q3 report", assignee="dev")
    )
    snap = await wait_for(company, lambda s: bool(s.tasks) and s.tasks[0].result is not None, timeout=TIMEOUT)
    assert snap.tasks[0].result == "Done.", snap.tasks[0]
    assert [p.value for p in stage.store.list_work_products("workproducts")] == [REPORT]
    return company
