"""Turning templates into agents: a hire request over a template, and the model it can run on.

Pure functions: the API gives them what they need to know about its environment.
"""

from collections.abc import Callable

from pydantic import ValidationError

from paperclip.demo import ANTHROPIC_MODEL, OPENAI_MODEL
from paperclip.models import AgentSpec, ModelConfig, Provider
from paperclip.templates.models import AgentTemplate, deep_merge
from paperclip.templates.registry import TemplateInvalid, validation_problems

DEFAULT_MODELS = {Provider.OPENAI: OPENAI_MODEL, Provider.ANTHROPIC: ANTHROPIC_MODEL, Provider.SIMULATED: "simulated"}
"""The model a hire gets when it names only a provider different from its template's."""

MissingCredential = Callable[[ModelConfig], str | None]
"""A model → the name of the credential it needs and the environment lacks, or None."""


def unset_credential(model: ModelConfig) -> str | None:
    """The environment variable a model's credential would come from, when it is not set in this
    process's environment or `.env` file (a `MissingCredential` for `runnable`); None for a model
    that needs none from here."""
    if model.is_simulated or model.base_url is not None:
        return None
    from paperclip.settings import get_settings

    name = model.credential_name
    return None if name is None or get_settings().environ.get(name) else name


def hire_from_template(template: AgentTemplate, request: AgentSpec, *, manager: str | None) -> AgentSpec:
    """The agent `request` asks for: the template's fields, then every field the request set.

    Nested fields merge (a request's `{"model": {"max_tokens": 400}}` keeps the template's
    model); a request naming another provider but no model gets that provider's default model.

    Raises:
        TemplateInvalid: the combination is not a valid agent (each problem names its field).
    """
    overlay = request.model_dump(mode="json", exclude_unset=True, exclude={"name", "template", "reports_to"})
    base = template.spec_fields()
    asked = overlay.get("model") or {}
    if "provider" in asked and asked["provider"] != base["model"].get("provider") and "model" not in asked:
        kept = {k: v for k, v in base["model"].items() if k not in ("provider", "model", "base_url", "credential")}
        base["model"] = {**kept, "model": DEFAULT_MODELS[Provider(asked["provider"])]}
    fields = deep_merge(base, overlay)
    try:
        return AgentSpec.model_validate(
            {**fields, "name": request.name, "reports_to": manager, "template": template.name}
        )
    except ValidationError as error:
        raise TemplateInvalid(validation_problems(f"template '{template.name}'", error)) from None


def model_label(model: ModelConfig) -> str:
    return "simulated" if model.is_simulated else f"{model.provider.value}:{model.model}"


def runnable(
    spec: AgentSpec, *, missing_credential: MissingCredential, fallback: ModelConfig
) -> tuple[AgentSpec, str | None]:
    """`spec` on a model it can run on here, and a note when that is not the template's model.

    A template names a real model; when its provider's credential is missing, the agent runs on
    `fallback` instead (the demo's choice: the other provider with a key, else simulated), keeping
    its token limits and timeouts.
    """
    missing = missing_credential(spec.model)
    if missing is None:
        return spec, None
    model = spec.model.model_copy(
        # The template's price was for its own model; the fallback's (if any) comes with it.
        update={
            "provider": fallback.provider,
            "model": fallback.model,
            "base_url": fallback.base_url,
            "credential": fallback.credential,
            "price": fallback.price,
        }
    )
    note = (
        f"{spec.name}: {model_label(spec.model)} needs {missing}, which is not set where the API runs;"
        f" it runs on {model_label(model)}"
    )
    return spec.model_copy(update={"model": model}), note
