"""Hiring from a template inside a task or a pipeline run: reading templates is I/O, so it is an activity.

The agent it makes is checked as a hire through the API is (`paperclip.keyring.Keyring.
check_agent`): a key only where it is bound, for the hiring company's team.
"""

import asyncio

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.providers.errors import MISSING_CREDENTIAL, NOT_BOUND
from paperclip.constants import Activity
from paperclip.demo import demo_model
from paperclip.keyring import Keyring
from paperclip.keys import CREDENTIAL_NOT_BOUND, INVALID_URL, UNKNOWN_CREDENTIAL, KeyRefused
from paperclip.models import AgentFromTemplateInput, AgentSpec
from paperclip.pricing import priced
from paperclip.settings import get_settings
from paperclip.templates.expand import hire_from_template, runnable, unset_credential
from paperclip.templates.registry import TemplateError, load_registry


def company_of(workflow_id: str) -> str | None:
    """The company of a task or pipeline run workflow (`task:{company}:{identifier}`,
    `pipeline:{company}:{run}`); None for any other id."""
    kind, _, rest = workflow_id.partition(":")
    company, _, identifier = rest.partition(":")
    return company if kind in ("task", "pipeline") and company and identifier else None


class TemplateActivities:
    """Hires from templates by agents.

    Args:
        keys: checks each hire's keys against their bindings; None: no check (tests of the
            workflows' logic only).
    """

    def __init__(self, keys: Keyring | None) -> None:
        self.keys = keys

    @activity.defn(name=Activity.AGENT_FROM_TEMPLATE)
    async def agent_from_template(self, input: AgentFromTemplateInput) -> AgentSpec:
        """The agent a hire asks for, priced by `PAPERCLIP_PRICES` where its model has no price of
        its own; a bad template or name, or a key its models may not use where they are, fails
        for good with a readable message."""
        spec = await _agent_from_template(input)
        if self.keys is not None:
            keys = self.keys
            company = company_of(activity.info().workflow_id or "")
            try:
                team = await asyncio.to_thread(keys.team_of, company) if company else None
                await asyncio.to_thread(keys.check_agent, team, spec)
            except KeyRefused as err:
                raise ApplicationError(err.message, type=KEY_REFUSED[err.code], non_retryable=True) from None
        return spec


KEY_REFUSED = {UNKNOWN_CREDENTIAL: MISSING_CREDENTIAL, CREDENTIAL_NOT_BOUND: NOT_BOUND, INVALID_URL: "InvalidInput"}
"""The error type of a hire refused for its keys, by `KeyRefused.code`."""


async def _agent_from_template(input: AgentFromTemplateInput) -> AgentSpec:
    try:
        registry = await asyncio.to_thread(load_registry)
        request = {"name": input.name} | ({"title": input.title} if input.title else {})
        spec = hire_from_template(
            registry.agent(input.template), AgentSpec.model_validate(request), manager=input.reports_to
        )
    except TemplateError as error:
        raise ApplicationError(str(error), type="TemplateError", non_retryable=True) from None
    except ValueError as error:  # the name or title is not valid
        raise ApplicationError(str(error), type="InvalidInput", non_retryable=True) from None
    fallback = input.fallback or demo_model()
    spec, _ = runnable(spec, missing_credential=unset_credential, fallback=fallback)
    return priced(spec, get_settings().prices)
