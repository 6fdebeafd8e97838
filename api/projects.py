"""The company's projects and labels, as service functions.

Projects are read from the company's snapshot and changed by its validated updates
(`workflows/company/projects.py`); a workspace is checked here first, like a company's
repository: only the board or an owner of the company's team sets one, and it must lie under
the deployment's workspace roots or be an `https://` URL with one of the team's credentials
(422 otherwise). Labels live in the store.
"""

import asyncio

from temporalio.client import Client

from api.agent_checks import may_grant_powers
from api.auth import Caller
from api.errors import ApiError
from api.governance import _update
from api.services import _company_handle, get_snapshot
from api.tool_checks import check_tooling
from paperclip.keyring import Keyring
from paperclip.models import RepositoryConfig
from paperclip.models.projects import Label, LabelInput, Project, ProjectInput, ProjectStatus, ProjectUpdateInput
from paperclip.settings import Settings
from paperclip.store import Store
from workflows.company import CompanyWorkflow


async def list_projects(
    *, client: Client, company_id: str, status: ProjectStatus | None = None, lead: str | None = None
) -> list[Project]:
    """The company's projects by key, optionally only those with `status` or led by `lead`."""
    snapshot = await get_snapshot(client=client, company_id=company_id)
    return sorted(
        (p for p in snapshot.projects if (status is None or p.status is status) and (lead is None or p.lead == lead)),
        key=lambda p: p.key,
    )


async def get_project(*, client: Client, company_id: str, key: str) -> Project:
    """One project; 404 when the company has none of that key."""
    snapshot = await get_snapshot(client=client, company_id=company_id)
    found = next((p for p in snapshot.projects if p.key == key), None)
    if found is None:
        raise ApiError(404, "not_found", f"project '{key}' not found in company '{company_id}'")
    return found


async def require_project(*, client: Client, company_id: str, key: str | None) -> None:
    """Refuse a project the company does not have or that takes no new tasks (400, as the company
    would refuse each task given to it)."""
    if key is None:
        return
    snapshot = await get_snapshot(client=client, company_id=company_id)
    found = next((p for p in snapshot.projects if p.key == key), None)
    if found is None:
        raise ApiError(
            400, "invalid_input", f"project '{key}' not found in company '{company_id}'", {"field": "project"}
        )
    if not found.status.is_open:
        raise ApiError(400, "invalid_input", f"project '{key}' is {found.status}: it takes no new tasks")


async def check_workspace(
    workspace: RepositoryConfig | None, *, key: str, company_id: str, caller: Caller, store: Store, settings: Settings
) -> None:
    """Refuse a workspace the caller may not set (403) or that lies outside the roots or names a
    credential the company's team does not have (422)."""
    if workspace is None:
        return
    team = await asyncio.to_thread(store.company_team, company_id)
    await asyncio.to_thread(
        check_tooling,
        repository=workspace,
        rules=[],
        where=f"project {key}: workspace",
        owner=may_grant_powers(caller, team),
        actor=caller.actor,
        team=team,
        company_id=company_id,
        settings=settings,
        keyring=Keyring(store, settings),
    )


async def create_project(*, client: Client, company_id: str, project: ProjectInput) -> Project:
    """Add a project; 400 for an unknown lead or goal, 409 for a key the company has."""
    handle = _company_handle(client, company_id)
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.create_project, project))


async def update_project(*, client: Client, company_id: str, change: ProjectUpdateInput) -> Project:
    """Change a project; 404 unknown project, 400 unknown lead or goal, 409 a cancelled one reopened."""
    handle = _company_handle(client, company_id)
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.update_project, change))


async def check_labels(*, store: Store, company_id: str, names: list[str]) -> None:
    """Refuse labels the company does not have (422, naming them)."""
    if not names:
        return
    known = {label.name for label in await asyncio.to_thread(store.list_labels, company_id)}
    unknown = [name for name in dict.fromkeys(names) if name not in known]
    if unknown:
        raise ApiError(
            422,
            "invalid_input",
            f"labels: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a label of company "
            f"'{company_id}' (`paperclip label add` makes one)",
            {"field": "labels"},
        )


async def add_label(*, store: Store, company_id: str, label: LabelInput, actor: str = "board") -> Label:
    """Add a label (the activity log says `actor` did); 409 when the company has one of that name."""
    added = await asyncio.to_thread(store.add_label, company_id, label, actor=actor)
    if added is None:
        raise ApiError(409, "conflict", f"label '{label.name}' already exists in company '{company_id}'")
    return added
