"""The company's projects (list, read, add, change) and labels (list, add, remove)."""

import asyncio

from fastapi import APIRouter, Query, Response, status
from pydantic import model_validator

from api import projects
from api.auth import CallerDep
from api.deps import ClientDep, SettingsDep, StoreDep
from api.errors import ApiError
from api.services import require_company
from paperclip.models import SLUG
from paperclip.models.projects import (
    Label,
    LabelInput,
    LabelList,
    LabelName,
    Project,
    ProjectChanges,
    ProjectInput,
    ProjectKey,
    ProjectList,
    ProjectStatus,
    ProjectUpdateInput,
)

router = APIRouter(prefix="/companies/{company}", tags=["projects"])


class ProjectPatch(ProjectChanges):
    """What to change in a project; `clear` empties `lead`, `workspace` or `target_date`."""

    @model_validator(mode="after")
    def _something(self) -> "ProjectPatch":
        if not self.clear and not self.model_dump(exclude={"clear"}, exclude_none=True):
            raise ValueError(
                "nothing to change: give name, description, lead, goals, workspace, status, target_date or clear"
            )
        return self


@router.get("/projects", response_model=ProjectList)
async def list_projects(
    company: str,
    client: ClientDep,
    status: ProjectStatus | None = None,
    lead: str | None = Query(default=None, pattern=SLUG.pattern, description="The lead agent's name."),
) -> ProjectList:
    """Every project, by key; `?status=` and `?lead=` filter."""
    found = await projects.list_projects(client=client, company_id=company, status=status, lead=lead)
    return ProjectList(data=found, count=len(found))


@router.get("/projects/{key}", response_model=Project)
async def get_project(company: str, key: ProjectKey, client: ClientDep) -> Project:
    """One project; 404 unknown."""
    return await projects.get_project(client=client, company_id=company, key=key)


@router.post("/projects", status_code=status.HTTP_201_CREATED, response_model=Project)
async def create_project(
    company: str, project: ProjectInput, client: ClientDep, store: StoreDep, settings: SettingsDep, caller: CallerDep
) -> Project:
    """Add a project: 400 unknown lead or goal, 409 a key the company has; a workspace only from
    the board or an owner of the company's team (403), under the workspace roots or an https URL
    with one of the team's credentials (422)."""
    await projects.check_workspace(
        project.workspace, key=project.key, company_id=company, caller=caller, store=store, settings=settings
    )
    return await projects.create_project(
        client=client, company_id=company, project=project.model_copy(update={"actor": caller.actor})
    )


@router.patch("/projects/{key}", response_model=Project)
async def update_project(
    company: str,
    key: ProjectKey,
    body: ProjectPatch,
    client: ClientDep,
    store: StoreDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> Project:
    """Change a project (tasks dispatched from then on get a new workspace); 404 unknown project."""
    await projects.check_workspace(
        body.workspace, key=key, company_id=company, caller=caller, store=store, settings=settings
    )
    change = ProjectUpdateInput(**dict(body), key=key, actor=caller.actor)
    return await projects.update_project(client=client, company_id=company, change=change)


@router.get("/labels", response_model=LabelList)
async def list_labels(company: str, store: StoreDep) -> LabelList:
    """The company's labels, by name."""
    await require_company(store=store, company_id=company)
    found = await asyncio.to_thread(store.list_labels, company)
    return LabelList(data=found, count=len(found))


@router.post("/labels", status_code=status.HTTP_201_CREATED, response_model=Label)
async def add_label(company: str, label: LabelInput, store: StoreDep, caller: CallerDep) -> Label:
    """Add a label (name, `#rrggbb` colour); 409 when the company has one of that name."""
    await require_company(store=store, company_id=company)
    return await projects.add_label(store=store, company_id=company, label=label, actor=caller.actor)


@router.delete("/labels/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_label(company: str, name: LabelName, store: StoreDep, caller: CallerDep) -> Response:
    """Remove a label (tasks that carry it keep its name); 404 unknown."""
    if not await asyncio.to_thread(store.delete_label, company, name, actor=caller.actor):
        raise ApiError(404, "not_found", f"label '{name}' not found in company '{company}'")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
