"""Names the product checks: agent, company, endpoint, routine and template names (slugs) and
task-identifier prefixes.

A name's type states its pattern in the JSON schema (so a client can check before it asks) and
validates with a sentence that says what is wrong in words (`agent name must be 1-63 lowercase
letters, …`), which the API answers as it is.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(:[0-9]{1,5})?$")
NOT_BLANK = r"\S"
"""A schema pattern: the text holds something other than whitespace."""


def check_slug(value: str, what: str) -> str:
    """`value` if it is a valid identifier (agent, company, template, routine names), else ValueError."""
    if not SLUG.fullmatch(value):
        raise ValueError(f"{what} must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit")
    return value


def check_prefix(value: str) -> str:
    """`value` if it is a valid task-identifier prefix (`ACME`), else ValueError."""
    if not PREFIX.fullmatch(value):
        raise ValueError("prefix must be 1-10 uppercase letters or digits, starting with a letter")
    return value


def check_host(value: str) -> str:
    """`value` if it is `host` or `host:port` (no scheme, no path), lowercased, else ValueError."""
    if not HOST.fullmatch(value) or (":" in value.rsplit("]", 1)[-1] and int(value.rsplit(":", 1)[1]) > 65535):
        raise ValueError(f"{value!r} is not a host: give `host` (ports 80 and 443) or `host:port`, no scheme or path")
    return value.lower()


@dataclass(frozen=True)
class Checked:
    """`Annotated` metadata for a string: the schema states `regex`'s pattern, and validation runs
    `check`, which raises a ValueError with a readable sentence (pydantic's own "should match
    pattern" would show the regex instead)."""

    regex: re.Pattern[str]
    check: Callable[[str], str]

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return handler(schema) | {"pattern": self.regex.pattern}


def slug(what: str) -> Checked:
    """The metadata of a name `check_slug` checks, called `what` in its sentence:
    `Annotated[str, slug("an endpoint name")]`."""
    return Checked(SLUG, partial(check_slug, what=what))


Slug = Annotated[str, slug("name")]
"""A name (`SLUG`); the types below say which name in their error."""
AgentName = Annotated[str, slug("agent name")]
CompanyId = Annotated[str, slug("company id")]
EndpointName = Annotated[str, slug("endpoint name")]
RoutineName = Annotated[str, slug("routine name")]
TemplateName = Annotated[str, slug("template name")]
Host = Annotated[str, Checked(HOST, check_host)]
"""A host a tool may reach: `host` (ports 80 and 443) or `host:port` (`check_host`)."""
Prefix = Annotated[str, Checked(PREFIX, check_prefix)]
"""A task-identifier prefix (`ACME`), checked by `check_prefix`."""
