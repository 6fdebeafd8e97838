"""What the store keeps of pipelines: each document's versions, and each run.

A document is kept by company and name, one version per different content (`PipelineVersion`);
a run (`PipelineRunRecord`) pins the version and the content hash it started from, and holds its
state as its workflow last reported it.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from paperclip.models.pipelines import PipelineRunState, RunStatus


class PipelineVersion(BaseModel):
    """One version of a company's pipeline document, as stored."""

    company_id: str
    name: str
    version: int = Field(ge=1)
    """1 for the first content stored under the name, one more for each different content."""
    content: str
    """The YAML text as it was given."""
    digest: str
    """The sha256 of `content` (`paperclip.pipelines.digest`)."""
    created_at: datetime
    created_by: str = ""


class PipelineSummary(BaseModel):
    """A company's pipeline in a list: its latest version, and how many there are."""

    name: str
    version: int
    digest: str
    versions: int
    created_at: datetime
    created_by: str = ""


class PipelineRunRecord(BaseModel):
    """A run as the store keeps it (`record_pipeline_run`)."""

    company_id: str
    run_id: str
    pipeline: str
    version: int
    digest: str
    status: RunStatus
    inputs: dict[str, Any] = Field(default_factory=dict)
    started_by: str = "board"
    started_at: datetime
    finished_at: datetime | None = None
    tokens: int = 0
    cost_usd: float = 0.0
    idempotency_key: str | None = None
    """The `Idempotency-Key` it was started with: one run per key and company."""
    state: PipelineRunState
