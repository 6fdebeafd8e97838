"""Signals to the company that survive its continue-as-new.

A signal by workflow id reaches the company's current run. While a run is closing for
continue-as-new, a server may answer that the workflow is not found (Temporal's test server
does, found while a company continued-as-new under load), and the signal future fails with
`ExternalWorkflowExecutionNotFound`: retried after a short wait, it reaches the new run. A
company that is really gone fails the last attempt, as before.
"""

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import company_workflow_id

NOT_FOUND = "ExternalWorkflowExecutionNotFound"
ATTEMPTS = 4
"""Attempts of one signal, 1 s, 2 s and 4 s apart."""


async def signal_company(company_id: str, signal: str, arg: Any) -> None:
    """Signal the company's current run, retrying while it is between runs."""
    handle = workflow.get_external_workflow_handle(company_workflow_id(company_id))
    for attempt in range(ATTEMPTS):
        try:
            await handle.signal(signal, arg)
            return
        except ApplicationError as err:
            if err.type != NOT_FOUND or attempt == ATTEMPTS - 1:
                raise
            workflow.logger.warning("company %s not found for %s; again in %ss", company_id, signal, 2**attempt)
            await workflow.sleep(timedelta(seconds=2**attempt))
