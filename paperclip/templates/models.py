"""What a template file holds: an agent template (one hire) or a company template (a founding team).

Template fields reject unknown keys, nested ones too, so a typo in a YAML file is an error that
names the field instead of a silently ignored setting.
"""

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from paperclip.models import (
    AgentName,
    AgentSpec,
    Budget,
    HeartbeatPolicy,
    ModelConfig,
    Permissions,
    Prefix,
    Role,
    TemplateName,
)
from paperclip.tools.known import tools_problems

RESERVED_OVERRIDES = frozenset({"name", "reports_to", "template"})
"""Spec fields a template's `overrides` may not set: the hire itself decides them."""


class TemplateKind(StrEnum):
    AGENT = "agent"
    COMPANY = "company"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TemplateModel(ModelConfig):
    model_config = ConfigDict(extra="forbid")


class TemplateBudget(Budget):
    model_config = ConfigDict(extra="forbid")


class TemplateHeartbeat(HeartbeatPolicy):
    model_config = ConfigDict(extra="forbid")


class TemplatePermissions(Permissions):
    model_config = ConfigDict(extra="forbid")


def deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """`overlay` over `base`; nested mappings merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class AgentTemplate(_Strict):
    """One kind of agent, ready to hire: role, prompt, model, tools, budget and habits."""

    kind: Literal["agent"] = "agent"
    name: TemplateName
    description: str = Field(min_length=1, max_length=500)
    role: Role
    title: str = Field(min_length=1, max_length=200)
    capabilities: str = Field(min_length=1)
    """What delegators read when choosing whom to give work to."""
    system_prompt: str = Field(min_length=1)
    model: TemplateModel = Field(default_factory=TemplateModel)
    """The model it runs on; the API falls back when the provider has no credential (see README)."""
    tools: list[str] = Field(default_factory=list)
    """Tools beyond the standard ones (delegate, complete): registry tools (`paperclip tool list`)
    or an MCP server's `server__tool`."""
    budget: TemplateBudget = Field(default_factory=TemplateBudget)
    heartbeat: TemplateHeartbeat = Field(default_factory=TemplateHeartbeat)
    permissions: TemplatePermissions = Field(default_factory=TemplatePermissions)
    max_turns: int = Field(default=20, ge=1, le=10_000)
    max_concurrent_runs: int = Field(default=4, ge=1, le=500)
    reports_to: Role | None = None
    """The role of its default manager; None: it is the top of the chart."""

    @field_validator("tools")
    @classmethod
    def _tools(cls, v: list[str]) -> list[str]:
        problems = tools_problems(v)
        if problems:
            raise ValueError("; ".join(problems))
        return v

    def spec_fields(self) -> dict[str, Any]:
        """The `AgentSpec` fields this template sets (JSON-shaped)."""
        return {
            "role": self.role.value,
            "title": self.title,
            "capabilities": self.capabilities.strip(),
            "system_prompt": self.system_prompt.strip(),
            "model": self.model.model_dump(mode="json", exclude_none=True),
            "tools": list(self.tools) or None,
            "budget": self.budget.model_dump(mode="json"),
            "heartbeat": self.heartbeat.model_dump(mode="json"),
            "permissions": self.permissions.model_dump(mode="json"),
            "max_turns": self.max_turns,
            "max_concurrent_runs": self.max_concurrent_runs,
        }

    def to_agent_spec(
        self, name: str, *, reports_to: str | None = None, overrides: dict[str, Any] | None = None
    ) -> AgentSpec:
        """The agent this template hires as `name` under `reports_to`, with `overrides` applied.

        Raises:
            ValueError: `overrides` names `name`, `reports_to` or `template`.
            pydantic.ValidationError: the result is not a valid agent (a bad name or override).
        """
        overrides = overrides or {}
        reserved = sorted(RESERVED_OVERRIDES & overrides.keys())
        if reserved:
            raise ValueError(f"overrides cannot set {', '.join(reserved)}")
        fields = deep_merge(self.spec_fields(), overrides)
        return AgentSpec.model_validate({**fields, "name": name, "reports_to": reports_to, "template": self.name})


class CompanyMember(_Strict):
    """One agent of a company template."""

    name: AgentName
    template: str
    """The agent template it is hired from."""
    reports_to: str | None = None
    """A member listed before it; absent: the first member whose role the agent template reports to."""
    overrides: dict[str, Any] = Field(default_factory=dict)
    """Agent spec fields that differ from the agent template (title, system_prompt, model, budget…)."""

    @field_validator("overrides")
    @classmethod
    def _overrides(cls, v: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(v.keys() - AgentSpec.model_fields.keys())
        if unknown:
            raise ValueError(f"unknown agent field(s): {', '.join(unknown)}")
        reserved = sorted(RESERVED_OVERRIDES & v.keys())
        if reserved:
            raise ValueError(f"overrides cannot set {', '.join(reserved)}")
        return v


class CompanyTemplate(_Strict):
    """A company ready to found: mission, task prefix, goals and a founding org chart."""

    kind: Literal["company"] = "company"
    name: TemplateName
    description: str = Field(min_length=1, max_length=500)
    mission: str = Field(min_length=1, max_length=10_000)
    prefix: Prefix
    goals: list[str] = Field(min_length=1)
    agents: list[CompanyMember] = Field(min_length=1, max_length=500)
    """Managers before their reports; exactly one has no manager."""

    @field_validator("goals")
    @classmethod
    def _goals(cls, v: list[str]) -> list[str]:
        if any(not goal.strip() for goal in v):
            raise ValueError("a goal must not be blank")
        return [goal.strip() for goal in v]


Template = AgentTemplate | CompanyTemplate
