"""Names shared by every layer: task queues, workflow id prefixes, search attributes."""

from temporalio.common import SearchAttributeKey

TASK_QUEUE = "paperclip"
"""Workflows and light activities (store writes)."""


def llm_queue(base: str = TASK_QUEUE, credential: str | None = None) -> str:
    """The model-call queue that goes with a workflow queue (`paperclip` → `paperclip-llm`), or
    the one of a rate-limited credential (`paperclip-llm@OPENAI_API_KEY`).

    Workflows derive it from their own queue, so a test's uuid queue gets its own model queue.
    """
    return f"{base}-llm" if credential is None else f"{base}-llm@{credential}"


def cli_queue(base: str = TASK_QUEUE) -> str:
    """The CLI-agent queue that goes with a workflow queue (`paperclip` → `paperclip-cli`)."""
    return f"{base}-cli"


LLM_TASK_QUEUE = llm_queue()
"""Model calls; its slots are the provider concurrency."""
CLI_TASK_QUEUE = cli_queue()
"""Subprocess agents; few slots."""

TASK_BRIEF = "task_brief"
"""The activity that reads a task's brief from the store (`activities.store`): the company calls
it by this name to dispatch a task it carried without its brief."""

MAX_OPEN_CHILDREN = 500
"""Temporal fails a workflow task past 2,000 pending children; stay well below."""

SA_COMPANY = SearchAttributeKey.for_keyword("PaperclipCompany")
SA_AGENT = SearchAttributeKey.for_keyword("PaperclipAgent")
SA_STATUS = SearchAttributeKey.for_keyword("PaperclipStatus")
SEARCH_ATTRIBUTES = (SA_COMPANY, SA_AGENT, SA_STATUS)
"""Custom search attributes; stored unencrypted, so never any content in them."""


def company_workflow_id(company_id: str) -> str:
    return f"company:{company_id}"


def task_workflow_id(company_id: str, identifier: str) -> str:
    return f"task:{company_id}:{identifier}"


def routine_schedule_id(company_id: str, name: str) -> str:
    return f"routine:{company_id}:{name}"
