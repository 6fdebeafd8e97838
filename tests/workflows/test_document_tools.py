"""The document tools on tasks, `read_document` and `write_document`, on real Temporal with the
real store activities (SQLite): an agent writes its own task's documents, reads its parent's,
is answered the current text when its save is stale, and reaches neither an unrelated task's
documents nor another company's."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.store import StoreActivities
from activities.templates import TemplateActivities
from paperclip.constants import llm_queue
from paperclip.models import AgentSpec, TaskStatus, ToolCall
from paperclip.store import Store
from paperclip.tools.read_document import READ_DOCUMENT
from paperclip.tools.read_task import UNTRUSTED_NOTE
from paperclip.tools.write_document import WRITE_DOCUMENT
from tests.workflows.helpers import company_id_of, start_company, wait_for
from tests.workflows.stand_ins import RecordingStore, ScriptedModel, end_companies
from tests.workflows.test_task_tools_on_tasks import (  # noqa: F401 — `store`: the SQLite store fixture
    answers,
    create,
    recorded,
    store,
    task_status,
    turns_of,
)
from tests.workflows.tool_stand_ins import ToolHost, fresh_queue, tool_workers

TOOLS = [READ_DOCUMENT, WRITE_DOCUMENT]


def read(call_id: str, key: str | None = None, task: str | None = None, **more: Any) -> ToolCall:
    arguments = {"key": key, "task": task} | more
    return ToolCall(id=call_id, name=READ_DOCUMENT, arguments={k: v for k, v in arguments.items() if v is not None})


def write(call_id: str, key: str, body: str, base: int = 0) -> ToolCall:
    return ToolCall(id=call_id, name=WRITE_DOCUMENT, arguments={"key": key, "body": body, "base_revision": base})


@asynccontextmanager
async def workers(client: Client, kept: Store, model: ScriptedModel) -> AsyncIterator[str]:
    queue, acts = fresh_queue(), StoreActivities(kept)
    async with (
        Worker(
            client,
            task_queue=queue,
            workflows=_workflows(),
            activities=[
                acts.record,
                acts.task_brief,
                acts.read_document,
                acts.write_document,
                RecordingStore().store_standing,
                TemplateActivities(None).agent_from_template,
            ],
        ),
        Worker(client, task_queue=llm_queue(queue), activities=[model.model_turn]),
        tool_workers(client, ToolHost(), queue),
    ):
        try:
            yield queue
        finally:
            await end_companies(client, queue)


def _workflows() -> list[type]:
    from workflows.company import CompanyWorkflow
    from workflows.task import TaskWorkflow

    return [CompanyWorkflow, TaskWorkflow]


async def test_an_agent_writes_its_own_documents_reads_its_parents_and_reaches_no_others(
    dev_env: WorkflowEnvironment,
    store: Store,  # noqa: F811
) -> None:
    lead = AgentSpec(name="lead", role="ceo", tools=TOOLS)
    ana = AgentSpec(name="ana", role="engineer", reports_to="lead", tools=TOOLS)
    ana_turn = [
        read("parent", "plan", "ACME-1"),
        read("mine"),
        read("unrelated", "plan", "ACME-2"),
        read("sibling", task="ACME-1.2"),
        write("save", "notes", "# Notes\nThe nozzle is light."),
        write("stale", "notes", "# Notes\nmine instead"),
        read("again", "notes"),
        read("old", "plan", "ACME-1", revision=9),
        write("bad", "Notes!", "x"),
    ]
    delegate = ToolCall(id="d", name="delegate_task", arguments={"agent": "ana", "title": "Check the nozzle"})
    lead_turn = [write("plan", "plan", "# Plan\n1. fuel the booster"), delegate]
    model = ScriptedModel(gated={"ana"}, plans={"lead": [lead_turn], "ana": [ana_turn]})
    # Another company's task of the same identifier, with a document of the same key.
    store.save_document("rival", "ACME-1", "plan", "the rival's secret plan", base_revision=0, author="spy")
    store.save_document("rival", "ACME-1.1", "notes", "the rival's notes", base_revision=0, author="spy")
    async with workers(dev_env.client, store, model) as queue:
        company = await start_company(dev_env.client, queue, [lead, ana])
        await create(company, "Launch the booster", "lead")
        await recorded(store, company, lambda s, c: s.get_document(c, "ACME-1", "plan"))
        model.gate.set()  # ana's turn comes once her parent's plan is saved
        await wait_for(company, task_status("ACME-1", TaskStatus.DONE))
    company_id = company_id_of(company)

    assert answers(turns_of(model, "lead")[1])["plan"] == "Saved document 'plan' of ACME-1 as revision 1."
    told = answers(turns_of(model, "ana")[1])
    parent = told["parent"].splitlines()
    assert parent[0].startswith("document 'plan' of ACME-1, revision 1 of 1, saved by lead at ")
    assert parent[1:] == [UNTRUSTED_NOTE, "---", "# Plan", "1. fuel the booster"]
    assert told["mine"] == "ACME-1.1 has no documents yet."
    assert told["unrelated"].startswith("Error: you may read the documents of ACME-1.1, ACME-1 only")
    assert told["sibling"].startswith("Error: you may read the documents of ACME-1.1, ACME-1 only")
    assert told["save"] == "Saved document 'notes' of ACME-1.1 as revision 1."
    assert told["stale"].startswith("Nothing was saved: document 'notes' is at revision 1 (saved by ana), not 0.")
    assert "write again with base_revision 1" in told["stale"] and "The nozzle is light." in told["stale"]
    assert UNTRUSTED_NOTE not in told["stale"] and UNTRUSTED_NOTE not in told["again"]
    assert told["again"].endswith("---\n# Notes\nThe nozzle is light.")
    assert told["old"] == "ACME-1 has no revision 9 of document 'plan' (its documents: plan)."
    assert told["bad"].startswith("Error: invalid arguments for write_document: key: document key must be")
    assert "rival" not in "".join(told.values())

    notes = store.get_document(company_id, "ACME-1.1", "notes")
    assert notes is not None and (notes.revision, notes.author) == (1, "ana")
    assert [d.key for d in store.list_documents(company_id, "ACME-1")] == ["plan"]
    rivals = store.get_document("rival", "ACME-1", "plan")
    assert rivals is not None and (rivals.revision, rivals.body) == (1, "the rival's secret plan")
    saved = [(e.actor, e.task, e.agent) for _, e in store.list_activity(company_id, kind="document.saved")]
    assert saved == [("lead", "ACME-1", "lead"), ("ana", "ACME-1.1", "ana")]
    # Each document an agent wrote is a work product of its task, once however often it is saved;
    # a refused save records nothing.
    products = [(p.task, p.kind, p.value, p.recorded_by) for p in store.list_work_products(company_id)]
    assert sorted(products) == [
        ("ACME-1", "document", "plan", "write_document"),
        ("ACME-1.1", "document", "notes", "write_document"),
    ]
    assert store.list_work_products("rival") == []
