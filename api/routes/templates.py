"""Agent and company templates: the built-ins and the custom ones the API was given."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from api import services
from paperclip.models import AgentSpec, Role
from paperclip.templates import CompanyTemplate, Entry, TemplateError, TemplateKind

router = APIRouter(prefix="/templates", tags=["templates"])


class TemplatePublic(BaseModel):
    """A template as listed."""

    kind: TemplateKind
    name: str
    description: str
    role: Role | None = None
    """An agent template's role."""
    agents: int | None = None
    """How many agents a company template founds."""
    builtin: bool
    source: str
    """`built-in:agents/coder.yaml`, or the custom file it was read from."""


class TemplateList(BaseModel):
    data: list[TemplatePublic]
    count: int


class TemplateDetail(TemplatePublic):
    """A template in full, and for a company template the agents it founds."""

    template: dict[str, Any]
    team: list[AgentSpec] | None = None


def _public(entry: Entry) -> TemplatePublic:
    template = entry.template
    return TemplatePublic(
        kind=TemplateKind(template.kind),
        name=template.name,
        description=template.description,
        role=None if isinstance(template, CompanyTemplate) else template.role,
        agents=len(template.agents) if isinstance(template, CompanyTemplate) else None,
        builtin=entry.builtin,
        source=entry.source,
    )


@router.get("", response_model=TemplateList)
async def list_templates(kind: TemplateKind | None = None) -> TemplateList:
    """Every template (agents, then companies, by name); 400 names each broken custom file."""
    registry = await services.load_templates()
    data = [_public(e) for e in registry.entries() if kind is None or e.template.kind == kind]
    return TemplateList(data=data, count=len(data))


@router.get("/{kind}/{name}", response_model=TemplateDetail)
async def get_template(kind: TemplateKind, name: str) -> TemplateDetail:
    """One template in full; 404 when there is none of that kind and name."""
    registry = await services.load_templates()
    try:
        entry = registry.entry(kind, name)
        template = entry.template
        team = registry.company_agents(template) if isinstance(template, CompanyTemplate) else None
    except TemplateError as error:
        raise services.template_error(error) from None
    return TemplateDetail(
        **_public(entry).model_dump(), template=template.model_dump(mode="json", exclude_none=True), team=team
    )
