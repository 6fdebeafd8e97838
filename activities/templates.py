"""Hiring from a template inside a task: reading templates is I/O, so it is an activity."""

import asyncio
import os

from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from paperclip.models import AgentSpec, ModelConfig
from paperclip.pricing import priced
from paperclip.settings import get_settings
from paperclip.templates.expand import hire_from_template, runnable
from paperclip.templates.registry import TemplateError, load_registry


class AgentFromTemplateInput(BaseModel):
    template: str
    name: str
    title: str = ""
    reports_to: str
    fallback: ModelConfig
    """The model to run on when the template's provider has no credential here (the hirer's)."""


def missing_credential(model: ModelConfig) -> str | None:
    """The environment variable a model's credential would come from, when it is not set here."""
    if model.is_simulated or model.base_url is not None:
        return None
    name = model.credential_name
    return None if name is None or os.environ.get(name) else name


@activity.defn(name="agent_from_template")
async def agent_from_template(input: AgentFromTemplateInput) -> AgentSpec:
    """The agent a hire asks for, priced by `PAPERCLIP_PRICES` where its model has no price of its
    own; a bad template or name fails for good with a readable message."""
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
    spec, _ = runnable(spec, missing_credential=missing_credential, fallback=input.fallback)
    return priced(spec, get_settings().prices)
