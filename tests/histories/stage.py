"""What a recording scenario runs on (`Stage`) and what it promises (`Scenario`)."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.worker import Worker

from paperclip.constants import SA_COMPANY, company_workflow_id
from paperclip.models import AgentSpec, Budget, CompanyInput, CompanySpec, GoalInput, ModelConfig, Provider, RateLimit
from paperclip.settings import Settings
from paperclip.store import Store
from tests.fakes import FakeModelServer
from workers.main import build_workers
from workflows.company import CompanyWorkflow

KEY = "RECORD_PROVIDER_KEY"
"""The credential agents on the fake model server name: an environment variable holding its key."""

Company = WorkflowHandle[CompanyWorkflow, object]


@dataclass
class Stage:
    """A dev server's client, a store, the fake model server, and the real workers on a queue of
    the scenario's own (stopped and started again at will)."""

    client: Client
    store: Store
    settings: Settings
    server: FakeModelServer
    queue: str
    rate_limits: Mapping[str, RateLimit] = field(default_factory=dict)
    _workers: list[Worker] = field(default_factory=list)
    _runs: list[asyncio.Future[None]] = field(default_factory=list)

    def fake_model(self) -> ModelConfig:
        """A provider's model, served by the fake model server, on the `KEY` credential."""
        return ModelConfig(
            provider=Provider.OPENAI, model="gpt-4o-mini", base_url=self.server.base_url_openai, credential=KEY
        )

    async def start_workers(self) -> None:
        self._workers = build_workers(
            self.client, self.store, task_queue=self.queue, rate_limits=self.rate_limits, settings=self.settings
        )
        self._runs = [asyncio.ensure_future(w.run()) for w in self._workers]

    async def stop_workers(self) -> None:
        await asyncio.gather(*(w.shutdown() for w in self._workers))
        await asyncio.gather(*self._runs, return_exceptions=True)
        self._workers, self._runs = [], []

    async def start_company(
        self,
        company_id: str,
        agents: list[AgentSpec],
        *,
        budget: Budget | None = None,
        continue_after: int | None = None,
        **spec_fields: Any,
    ) -> Company:
        """Start a company as the API does: in the store, with its search attribute, one goal
        (continuing as new after `continue_after` events, if given)."""
        spec = CompanySpec(id=company_id, name="Acme Robotics", prefix="ACME", budget=budget or Budget(), **spec_fields)
        self.store.upsert_company(spec)
        return await self.client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(
                spec=spec,
                agents=agents,
                goals=[GoalInput(title="Ship the first robot")],
                continue_as_new_after_events=continue_after,
            ),
            id=company_workflow_id(company_id),
            task_queue=self.queue,
            search_attributes=TypedSearchAttributes([SearchAttributePair(SA_COMPANY, company_id)]),
        )

    async def model_calls(self, calls: int = 1, *, timeout: float = 20) -> None:
        """Wait until the fake model server has received `calls` requests (a hung one is in
        flight until released)."""
        deadline = time.monotonic() + timeout
        while self.server.calls < calls:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the fake model server got {self.server.calls} of {calls} calls")
            await asyncio.sleep(0.01)


async def settled(handle: WorkflowHandle[Any, Any], timeout: float = 30) -> None:
    """Wait until a workflow has nothing in flight (no activity, no workflow task), twice in a
    row a little apart: its history then ends where the scenario left it."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 2:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{handle.id} did not settle")
        raw = (await handle.describe()).raw_description
        busy = bool(raw.pending_activities) or raw.HasField("pending_workflow_task")
        quiet = 0 if busy else quiet + 1
        await asyncio.sleep(0.3)


@dataclass(frozen=True)
class Scenario:
    """How to bring a company to a state worth replaying, and the patch ids its histories must hold."""

    run: Callable[[Stage], Awaitable[Company]]
    expects: frozenset[str]
    rate_limits: Mapping[str, RateLimit] = field(default_factory=dict)
