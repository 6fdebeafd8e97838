"""Webhooks in and out.

- **Hooks** (incoming): a company's door for another system (`POST /api/hooks/{company}/{hook}`),
  signed GitHub-style (`github`) or with a timestamp (`generic`). A hook maps each delivery to
  inputs with JMESPath expressions over `{headers, body, event}`, may filter deliveries (`when`),
  and acts on its `target`: a task for an agent (`TaskTarget`) or a run of a pipeline
  (`PipelineTarget`).
- **Subscriptions** (outgoing): a URL told of the company's notable events (`WebhookEvent`),
  signed, as JSON or as Slack text. The company workflow hands each event to the `notify`
  activity (`NotifyInput`), which sends it; secrets never leave the store but there.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from paperclip.models.names import AgentName, Slug
from paperclip.vocabulary import HookKind, Priority, WebhookEvent, WebhookFormat


class TaskTarget(BaseModel):
    """A delivery becomes a task for `assignee`; `${inputs.NAME}` in the title and brief are the
    hook's mapped inputs."""

    kind: Literal["task"] = "task"
    assignee: AgentName
    title: str = Field(min_length=1, max_length=500)
    brief: str = Field(default="", max_length=100_000)
    priority: Priority = Priority.MEDIUM


class PipelineTarget(BaseModel):
    """A delivery starts a run of the company's `pipeline` (its latest version), the hook's mapped
    inputs the run's inputs: one run per delivery (`api.hook_pipelines`)."""

    kind: Literal["pipeline"] = "pipeline"
    pipeline: Slug


class ReviewTarget(BaseModel):
    """A GitHub `pull_request` delivery (opened, synchronize, reopened, ready_for_review) into the
    monitor's branch starts that monitor's review of its head (`paperclip.github.models`); any
    other delivery is skipped. The hook maps the fields it reads (`paperclip.github.reviews.REVIEW_INPUTS`)."""

    kind: Literal["review"] = "review"
    monitor: Slug


HookTarget = Annotated[TaskTarget | PipelineTarget | ReviewTarget, Field(discriminator="kind")]
"""What a hook does with a delivery, tagged by `kind`."""


class HookSpec(BaseModel):
    """A hook as created (`POST /api/companies/{c}/hooks`); the secret is made by the API."""

    name: Slug
    kind: HookKind = HookKind.GITHUB
    target: HookTarget
    inputs: dict[Slug, str] = Field(default_factory=dict, max_length=50)
    """Input name → JMESPath expression over `{headers, body, event}` (headers lowercased)."""
    when: str | None = Field(default=None, max_length=2_000)
    """A JMESPath expression over the same document: the delivery acts only when it is truthy."""


class HookPublic(HookSpec):
    """A hook as listed: never its secret."""

    created_at: datetime
    path: str
    """Where deliveries go, below the API's URL (`/api/hooks/{company}/{name}`)."""


class HookCreated(HookPublic):
    """The answer to a hook's creation: the only time its secret is shown."""

    secret: str


class HookList(BaseModel):
    data: list[HookPublic]
    count: int


class HookDelivery(BaseModel):
    """A delivery a hook took, as kept (deliveries are de-duplicated by `delivery`)."""

    delivery: str
    received_at: datetime
    outcome: str
    """`task ACME-3`, `run <id>` (a pipeline run), `skipped` (its `when` was false), or `pending`
    while it is acted on."""


class HookAnswer(BaseModel):
    """The answer to a delivery."""

    delivery: str
    duplicate: bool = False
    """A delivery seen before: nothing was done."""
    skipped: bool = False
    """The hook's `when` was false: nothing was done."""
    task: str | None = None
    """The task it created."""
    review: str | None = None
    """The review workflow it started (or found started) for a pull request's head."""
    run: str | None = None
    """The pipeline run it started."""

    @property
    def outcome(self) -> str:
        """What the delivery is kept as having done (`HookDelivery.outcome`)."""
        if self.skipped:
            return "skipped"
        if self.review is not None:
            return f"review {self.review}"
        return f"run {self.run}" if self.run is not None else f"task {self.task}"


class WebhookSpec(BaseModel):
    """A subscription as created (`POST /api/companies/{c}/webhooks`); the secret is made by the API."""

    name: Slug
    url: str = Field(max_length=2_000)
    events: list[WebhookEvent] = Field(min_length=1)
    format: WebhookFormat = WebhookFormat.JSON


class WebhookPublic(WebhookSpec):
    created_at: datetime


class WebhookCreated(WebhookPublic):
    """The answer to a subscription's creation: the only time its secret is shown."""

    secret: str


class WebhookList(BaseModel):
    data: list[WebhookPublic]
    count: int


class PipelineNotice(BaseModel):
    """How a pipeline run ended, in its `pipeline.finished` notification."""

    pipeline: str
    run_id: str
    status: str
    """`done`, `failed` or `cancelled`."""
    error: str | None = None
    tokens: int = 0
    cost_usd: float = 0.0
    link: str
    """The run below the API's URL (`/api/companies/{c}/pipeline-runs/{run}`)."""


class Notification(BaseModel):
    """One event of a company, as its subscriptions are told of it."""

    id: str
    """The activity-log entry it comes from, or the run that finished: the same on every attempt
    (`X-Paperclip-Delivery`)."""
    event: WebhookEvent
    company_id: str
    at: datetime
    summary: str
    task: str | None = None
    agent: str | None = None
    pipeline: PipelineNotice | None = None
    """The run, for `pipeline.finished` (left out of other events' bodies)."""


class NotifyInput(BaseModel):
    """The `notify` activity's input: events of one company (never a secret or a URL)."""

    company_id: str
    notifications: list[Notification] = Field(min_length=1)


class NotifyResult(BaseModel):
    sent: int = 0
    """Deliveries a subscriber took (2xx)."""
    refused: int = 0
    """Deliveries a subscriber refused for good (4xx other than 408 and 429): not retried."""
