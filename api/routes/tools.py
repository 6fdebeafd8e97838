"""The tools agents may be given (`GET /tools`), and a company's repository and tool rules
(`/companies/{company}/tool-policy`, owners only to change)."""

import asyncio
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.agent_checks import may_grant_powers
from api.auth import CallerDep
from api.deps import ClientDep, SettingsDep, StoreDep
from api.errors import ApiError
from api.governance import _update
from api.services import _company_handle
from api.tool_checks import check_tooling
from paperclip.keyring import Keyring
from paperclip.models import CompanySpec, RepositoryConfig, SetToolingInput, ToolPolicy, ToolRule
from paperclip.store import Store
from paperclip.tools.known import MCP_SEPARATOR
from paperclip.tools.registry import MAX_TOOLS, REGISTRY, RegisteredTool
from workflows.company import CompanyWorkflow

router = APIRouter(tags=["tools"])


class ToolPublic(BaseModel):
    """A registry tool as an agent is offered it, and what its calls do by default."""

    name: str
    description: str
    parameters: dict[str, Any]
    """The JSON schema of its arguments, as the model is shown it."""
    policy: ToolPolicy
    """Its default policy, before the agent's and the company's rules."""
    risky: bool
    """It acts outside the workspace or runs code: once a task has read untrusted content, it asks."""
    note: str = ""
    """What differs per call (`git`: "push: asks by default, risky")."""
    runs: Literal["workflow", "activity"]
    """`workflow`: inside the task workflow; `activity`: the `run_tool` activity in the task's workspace."""


class ToolList(BaseModel):
    data: list[ToolPublic]
    count: int
    max_tools: int = MAX_TOOLS
    """Tools in one model request at most."""
    mcp_separator: str = MCP_SEPARATOR
    """An MCP server's tools are named `server__tool` (and `server__*` for all of them)."""


class ToolSettings(BaseModel):
    """A company's repository and tool rules (over every agent's)."""

    repository: RepositoryConfig | None = None
    tool_policy: list[ToolRule] = Field(default_factory=list, max_length=200)


class ToolSettingsSaved(ToolSettings):
    note: str = ""
    """What the change reaches (and what it does not yet)."""


def public(tool: RegisteredTool) -> ToolPublic:
    return ToolPublic(
        name=tool.name,
        description=tool.description,
        parameters=tool.arguments.parameters(),
        policy=tool.policy,
        risky=tool.risky,
        note=tool.note,
        runs=tool.runs,
    )


@router.get("/tools", response_model=ToolList)
async def list_tools() -> ToolList:
    """Every registry tool, by name: its description, argument schema, default policy, whether it
    is risky and how it runs. Agents name them in `tools`; MCP servers' tools are `server__tool`."""
    data = [public(REGISTRY[name]) for name in sorted(REGISTRY)]
    return ToolList(data=data, count=len(data))


async def _company(store: Store, company: str) -> CompanySpec:
    spec = await asyncio.to_thread(store.get_company, company)
    if spec is None:
        raise ApiError(404, "not_found", f"company '{company}' not found")
    return spec


@router.get("/companies/{company}/tool-policy", response_model=ToolSettings)
async def get_tool_policy(company: str, store: StoreDep) -> ToolSettings:
    """The company's repository and tool rules."""
    spec = await _company(store, company)
    return ToolSettings(repository=spec.repository, tool_policy=spec.tool_policy)


@router.put("/companies/{company}/tool-policy", response_model=ToolSettingsSaved)
async def put_tool_policy(
    company: str, body: ToolSettings, store: StoreDep, settings: SettingsDep, caller: CallerDep, client: ClientDep
) -> ToolSettingsSaved:
    """Replace the company's repository and tool rules: 403 unless the board or an owner of its
    team; 422 for a rule naming an unknown tool, or a repository outside the workspace roots or
    with an unknown credential; 409 for an archived company. The company workflow dispatches its
    new tasks with them; they are stored with the company's spec (its list and export show them)."""
    spec = await _company(store, company)
    team = await asyncio.to_thread(store.company_team, company)
    await asyncio.to_thread(
        check_tooling,
        repository=body.repository,
        rules=body.tool_policy,
        where=f"company {company}",
        owner=may_grant_powers(caller, team),
        actor=caller.actor,
        team=team,
        company_id=company,
        settings=settings,
        keyring=Keyring(store, settings),
    )
    if body.repository is None and not body.tool_policy and not may_grant_powers(caller, team):
        raise ApiError(403, "forbidden", f"company {company}: only the board or an owner of team {team} may clear them")
    update = SetToolingInput(repository=body.repository, tool_policy=body.tool_policy, actor=caller.actor)
    await _update(client, company, _company_handle(client, company).execute_update(CompanyWorkflow.set_tooling, update))
    updated = spec.model_copy(update={"repository": body.repository, "tool_policy": body.tool_policy})
    await asyncio.to_thread(store.upsert_company, updated)
    return ToolSettingsSaved(
        **body.model_dump(),
        note="new tasks get them; running tasks keep the repository and rules they were given",
    )
