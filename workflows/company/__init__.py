"""The company workflow, one module per concern: `core` (the state and the helpers every part
shares), the parts `governance`, `goals`, `approvals`, `heartbeats`, `budgets` and `dispatch`,
`idempotency` (keyed updates), and `workflow` (`CompanyWorkflow`, the parts put together)."""

from workflows.company.workflow import CompanyWorkflow

__all__ = ["CompanyWorkflow"]
