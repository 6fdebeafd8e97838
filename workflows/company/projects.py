"""The company's projects, as validated updates of `CompanyWorkflow`.

A project gathers tasks (and the routines and pipeline runs that make them) under a lead agent
and goals. Its workspace is the repository its tasks' worktrees come from (dispatch gives it in
place of the agent's or the company's); its lifetime budget is the cap `project:<key>`, set with
`set_cap` like a task's or a goal's and reserved before each call. The API checks a workspace
against the deployment's roots and the team's credentials before it reaches here.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip.models import AgentStatus, CapState
    from paperclip.models.projects import Project, ProjectInput, ProjectStatus, ProjectUpdateInput
    from workflows.company.core import CompanyCore, reject
    from workflows.company.idempotency import remembered_update


class ProjectsPart(CompanyCore):
    """Updates of `CompanyWorkflow` that keep its projects (see the module docstring)."""

    @remembered_update
    def create_project(self, input: ProjectInput) -> Project:
        """Add a project (with its lifetime cap, when it has one)."""
        self._handled += 1
        now = workflow.now()
        project = Project(
            key=input.key,
            name=input.name,
            description=input.description,
            lead=input.lead,
            goals=list(dict.fromkeys(input.goals)),
            workspace=input.workspace,
            status=input.status,
            target_date=input.target_date,
            review=input.review,
            created_at=now,
            updated_at=now,
        )
        self.state.projects[project.key] = project
        if input.budget is not None and input.budget.is_capped:
            scope = f"project:{project.key}"
            self.state.caps[scope] = CapState(scope=scope, cap=input.budget)
        lead = f", led by {project.lead}" if project.lead else ""
        self._log("project.created", actor=input.actor, summary=f"project {project.key} ({project.name}){lead}")
        return project

    @create_project.validator
    def _validate_create_project(self, input: ProjectInput) -> None:
        self._check_open()
        if input.key in self.state.projects:
            raise reject(f"project '{input.key}' already exists", "Conflict")
        if input.status not in (ProjectStatus.PLANNED, ProjectStatus.ACTIVE):
            raise reject("a new project is planned or active")
        self._check_project_links(input.lead, input.goals)

    @remembered_update
    def update_project(self, input: ProjectUpdateInput) -> Project:
        """Change a project's fields; tasks dispatched from then on get its new workspace."""
        self._handled += 1
        project = self.state.projects[input.key]
        changes = input.model_dump(exclude={"key", "clear", "actor"}, exclude_none=True)
        if "goals" in changes:
            changes["goals"] = list(dict.fromkeys(changes["goals"]))
        if "workspace" in changes:
            changes["workspace"] = input.workspace
        if "review" in changes:
            changes["review"] = input.review
        changes |= {name: None for name in input.clear}
        for name, value in changes.items():
            setattr(project, name, value)
        project.updated_at = workflow.now()
        what = ", ".join(sorted(changes)) or "nothing"
        self._log("project.updated", actor=input.actor, summary=f"project {project.key}: changed {what}")
        return project

    @update_project.validator
    def _validate_update_project(self, input: ProjectUpdateInput) -> None:
        self._check_open()
        project = self.state.projects.get(input.key)
        if project is None:
            raise reject(f"project '{input.key}' not found", "NotFound")
        if project.status is ProjectStatus.CANCELLED and input.status not in (None, ProjectStatus.CANCELLED):
            raise reject(f"project '{input.key}' is cancelled", "Conflict")
        self._check_project_links(input.lead, input.goals or [])

    def _check_project_links(self, lead: str | None, goals: list[str]) -> None:
        """Refuse a lead that is no working agent, or a goal the company does not have."""
        if lead is not None:
            agent = self.state.agents.get(lead)
            if agent is None:
                raise reject(f"unknown agent '{lead}'")
            if agent.status is AgentStatus.TERMINATED:
                raise reject(f"agent '{lead}' is terminated")
        for goal in goals:
            if goal not in self.state.goals:
                raise reject(f"goal '{goal}' not found", "NotFound")
