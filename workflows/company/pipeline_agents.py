"""Pipeline runs' temporary agents and gates, on the company's side (`workflows.company.pipelines`).

A `template` step's task comes with the agent to hire for it (`PipelineStepRequest.hire`, built by
the run from the agent template). The company hires it as the board would — the org chart's
rules (a unique name, one CEO) and the budgets' (a CLI agent under a budget needs a per-turn
budget) apply, and a refusal is the step's — under its top agent (the CEO, else the head of the
chart), and remembers it is the run's. When the run ends it asks to `release` them: each is
retired like a terminated agent (no more work; its reports move up; its history and spend stay
visible), so temporary agents do not pile up in the org chart.

A run that stops while a step waits at its approval gate withdraws the gate: the approval is
`cancelled` with a note naming the run, so the board's inbox holds no question nobody waits for.

Plain functions of the company (a `CompanyCore`), called by its `pipeline_step` signal.
"""

from collections.abc import Mapping

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip.models import AgentSpec, AgentState, AgentStatus, ApprovalStatus, CancelTask, Role
    from paperclip.org import OrgError, check_hire, check_turn_budget
    from workflows.company.core import CompanyCore, hire_summary, why
    from workflows.task import TaskWorkflow


def top_agent(agents: Mapping[str, AgentState]) -> str | None:
    """Whom a temporary agent reports to: the CEO, else the first agent heading the chart (None:
    the company has no working agent)."""
    working = [a.spec for a in agents.values() if a.status is not AgentStatus.TERMINATED]
    ceo = next((s.name for s in working if s.role is Role.CEO), None)
    return ceo or next((s.name for s in working if s.reports_to is None), None)


def hire_temporary(company: CompanyCore, spec: AgentSpec, *, run_id: str, step: str, actor: str) -> str | None:
    """Hire `spec` for run `run_id`'s `step`, under the top agent; None when hired, else why not."""
    spec = spec.model_copy(update={"reports_to": top_agent(company.state.agents)})
    try:
        check_hire(company.state.agents, spec)
        check_turn_budget(spec, budgeted=company.state.spec.budget.is_capped)
    except OrgError as err:
        return f"could not hire a temporary agent '{spec.name}' from template '{spec.template}': {err}"
    agent = AgentState(spec=spec)
    company.state.agents[spec.name] = agent
    company.state.pipeline_agents[spec.name] = run_id
    company._revise(agent, before=None, actor=actor)
    summary = f"{hire_summary(spec)}, for pipeline run {run_id} (step {step}) only"
    company._log("agent.hired", actor=actor, agent=spec.name, summary=summary, data={"pipeline_run": run_id})
    return None


async def retire_temporaries(company: CompanyCore, run_id: str, *, actor: str) -> list[str]:
    """Retire run `run_id`'s temporary agents (terminated: no more work, open tasks cancelled,
    reports moved to their manager); returns their names."""
    state = company.state
    names = [name for name, run in state.pipeline_agents.items() if run == run_id]
    reason = f"pipeline run {run_id} ended"
    retired: list[str] = []
    for name in names:
        del state.pipeline_agents[name]
        agent = state.agents.get(name)
        if agent is None or agent.status is AgentStatus.TERMINATED:
            continue
        agent.status = AgentStatus.TERMINATED
        for report in state.agents.values():
            if report.spec.reports_to == name:
                report.spec = report.spec.model_copy(update={"reports_to": agent.spec.reports_to})
        company._log("agent.terminated", actor=actor, agent=name, summary=f"{name} retired: {reason}")
        retired.append(name)
    if not retired:
        return []
    company._handled += 1
    left = [t for t in company._open_tasks() if t.assignee in retired]
    running = company._cancel_queued_or_list_running(left, actor, reason)
    await company._signal_tasks(running, TaskWorkflow.cancel, CancelTask(reason=reason, actor=actor))
    return retired


def withdraw_gate(company: CompanyCore, approval_id: str, *, run_id: str, reason: str, actor: str) -> None:
    """Cancel a stopped run's pending gate: decided by nobody, with a note naming the run."""
    approval = company.state.approvals.get(approval_id)
    if approval is None or approval.status is not ApprovalStatus.PENDING:
        return
    approval.status = ApprovalStatus.CANCELLED
    approval.note = f"pipeline run {run_id} stopped{why(reason)}"
    approval.decided_by = actor
    approval.decided_at = workflow.now()
    company._log(
        "approval.cancelled", actor=actor, summary=f"{approval.id} ({approval.kind}) cancelled: {approval.note}"
    )
