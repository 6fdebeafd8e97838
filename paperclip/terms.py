"""A provider's terms for one model and one credential: what it charges (`ModelPrice`) and what it
allows (`RateLimit`). Models of the settings as much as of agents, kept outside `paperclip.models`
so that reading the settings does not build every model (the CLI's start-up)."""

from pydantic import BaseModel, ConfigDict, Field


class ModelPrice(BaseModel):
    """USD per million tokens; overrides the built-in table for one model. Every price is a finite
    number, zero or more (an infinite one would book a cost no report could show)."""

    model_config = ConfigDict(allow_inf_nan=False)

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)
    """None: the input price."""
    cache_write: float | None = Field(default=None, ge=0)
    """A prompt-cache write's price; None: as the provider bills it (Anthropic 1.25x the input
    price; OpenAI writes nothing extra, so the input price)."""


class RateLimit(BaseModel):
    """What a provider allows one credential, shared by every agent and worker that uses it."""

    requests_per_minute: float | None = Field(default=None, gt=0)
    """Calls a minute: Temporal's rate limit on the credential's own model queue."""
    tokens_per_minute: int | None = Field(default=None, gt=0)
    """Tokens a minute (input + output): a token bucket in the store, reserved before each call."""
