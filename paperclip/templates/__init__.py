"""Agent and company templates: the built-ins shipped as YAML, plus custom ones from files.

`load_registry()` gives every template by kind and name; `AgentTemplate.to_agent_spec` hires
one; `TemplateRegistry.company_agents` builds a company template's founding team.
"""

from paperclip.templates.expand import (
    DEFAULT_MODELS,
    MissingCredential,
    hire_from_template,
    model_label,
    runnable,
    unset_credential,
)
from paperclip.templates.models import AgentTemplate, CompanyMember, CompanyTemplate, Template, TemplateKind
from paperclip.templates.registry import (
    ENV_VAR,
    Entry,
    TemplateError,
    TemplateInvalid,
    TemplateNotFound,
    TemplateRegistry,
    builtin_registry,
    custom_paths,
    load_registry,
    parse_template,
)

__all__ = [
    "DEFAULT_MODELS",
    "ENV_VAR",
    "AgentTemplate",
    "CompanyMember",
    "CompanyTemplate",
    "Entry",
    "MissingCredential",
    "Template",
    "TemplateError",
    "TemplateInvalid",
    "TemplateKind",
    "TemplateNotFound",
    "TemplateRegistry",
    "builtin_registry",
    "custom_paths",
    "hire_from_template",
    "load_registry",
    "model_label",
    "parse_template",
    "runnable",
    "unset_credential",
]
