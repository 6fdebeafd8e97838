"""Configuring an agent after hiring: what may change, how a change is written, what it changed,
and which of it reaches the agent's running tasks at once. Pure functions, shared by the API (which
applies a change), the company workflow (which logs it and tells the tasks) and the task workflow
(which takes the live part).

A change is a JSON merge patch (RFC 7396) of the agent's spec: objects merge key by key, `null`
puts a field back to its default (or removes a key of `cli.env`), and anything else — a list
included — replaces the value. Every key must name a field: a misspelt one is refused, not
ignored. The agent's place in the org chart (`name`, `role`, `reports_to`) and the template it
was hired from are not configured.

**At once** (`LIVE`): what the agent may do and spend — its tools, tool rules and hosts, its
hiring permission, its CLI permission profile, its monthly budget and per-turn budget — and when
it wakes and how many tasks it takes. The company applies them at once and its running tasks take
them from their next turn (or tool call), so taking a power away does not wait for a long task to
end. **From the next task**: everything else (model and fallbacks, system prompt, turn limit,
adapter, the CLI's command, arguments, environment, model and workspace, the HTTP agent's URL, the
repository): a running task keeps the conversation — and a CLI tool the session — it started with.
"""

import json
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from paperclip.errors import InvalidInput
from paperclip.models import AgentSpec, SpecChange

FIXED = {
    "name": "is the agent's identity",
    "role": "places the agent in the org chart",
    "reports_to": "places the agent in the org chart",
    "template": "records what the agent was hired from",
}
"""Fields of the spec a configure leaves as they are, and why."""
LIVE = (
    "tools",
    "tool_policy",
    "allow_hosts",
    "permissions",
    "budget",
    "heartbeat",
    "max_concurrent_runs",
    "cli.permissions",
    "cli.turn_budget_usd",
    "cli.turn_budget_tokens",
)
"""Fields (dotted paths) that reach running tasks at once; every other applies from the next task."""
MODEL_FIELDS = ("model", "wake_model", "compaction_model")
"""The spec's single models: a patch that changes one's provider or name resets `PER_MODEL`."""
PER_MODEL = ("price", "context_window")
"""What a model config sets for its model alone (else the built-in table's): a change of model
that does not set them again drops them (the API then prices the new model from the settings)."""
SHOWN_CHARS = 200
"""A value longer than this (as JSON) is shown cut short in a change (the revision keeps it whole)."""


class ConfigError(InvalidInput):
    """A change that cannot be made: each problem names its field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def configured(spec: AgentSpec, patch: Mapping[str, Any]) -> AgentSpec:
    """`spec` with the merge patch `patch` applied.

    Raises:
        ConfigError: a key names no field or a fixed one, or the result is not a valid spec.
    """
    problems = list(_field_problems(AgentSpec, patch, ""))
    problems += [f"{name}: cannot be configured: it {why}" for name, why in FIXED.items() if name in patch]
    if problems:
        raise ConfigError(problems)
    merged = _merge(spec.model_dump(mode="json"), patch)
    for name in MODEL_FIELDS:  # another model: what was set for the one before does not carry over
        before, after, asked = getattr(spec, name), merged.get(name), patch.get(name)
        if before is not None and isinstance(after, dict) and isinstance(asked, Mapping):
            if (after.get("provider"), after.get("model")) != (before.provider.value, before.model):
                merged[name] = {k: v for k, v in after.items() if k not in PER_MODEL or k in asked}
    try:
        return AgentSpec.model_validate(merged)
    except ValidationError as error:
        raise ConfigError(
            [f"{_where(e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}" for e in error.errors()]
        ) from None


def restored(current: AgentSpec, former: AgentSpec) -> AgentSpec:
    """`former`'s configuration on the agent as it is now: its fixed fields stay `current`'s."""
    return former.model_copy(update={name: getattr(current, name) for name in FIXED})


def live_update(running: AgentSpec, new: AgentSpec) -> AgentSpec:
    """The spec a running task goes on with: its own (`running`), with the `LIVE` fields of `new`."""
    top = {name: getattr(new, name) for name in LIVE if "." not in name}
    cli = {name.split(".", 1)[1]: getattr(new.cli, name.split(".", 1)[1]) for name in LIVE if name.startswith("cli.")}
    return running.model_copy(update=top | {"cli": running.cli.model_copy(update=cli)})


def is_live(field: str) -> bool:
    """Whether a change of `field` (a dotted path) reaches running tasks at once."""
    return any(field == name or field.startswith(name + ".") for name in LIVE)


def changes(before: AgentSpec, after: AgentSpec) -> list[SpecChange]:
    """What differs from `before` to `after`, field by field (dotted paths, in the spec's order)."""
    old, new = dict(_leaves(before.model_dump(mode="json"))), dict(_leaves(after.model_dump(mode="json")))
    fields = list(old) + [name for name in new if name not in old]
    return [
        SpecChange(field=name, before=_shown(old.get(name)), after=_shown(new.get(name)), live=is_live(name))
        for name in fields
        if old.get(name) != new.get(name)
    ]


def summary(found: list[SpecChange], *, limit: int = 5) -> str:
    """The changes in a line: `model.model: gpt-4o-mini → gpt-4o; tools: …` (the first few)."""
    parts = [f"{c.field}: {_brief(c.before)} → {_brief(c.after)}" for c in found[:limit]]
    more = f" and {len(found) - limit} more" if len(found) > limit else ""
    return "; ".join(parts) + more


# ---------------------------------------------------------------------- helpers


def _merge(target: Any, patch: Any) -> Any:
    """RFC 7396: `patch` merged into `target` (a new value; neither is changed)."""
    if not isinstance(patch, Mapping):
        return patch
    merged = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge(merged.get(key), value)
    return merged


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a field holds (`X`, `X | None`), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return next((m for a in typing.get_args(annotation) if (m := _model_in(a)) is not None), None)
    return None


def _field_problems(model: type[BaseModel], patch: Mapping[str, Any], prefix: str) -> Iterator[str]:
    """Keys of `patch` that name no field of `model` (nested models and lists of them too)."""
    for key, value in patch.items():
        field = model.model_fields.get(key)
        if field is None:
            known = ", ".join(model.model_fields)
            yield f"{prefix}{key}: no such field (the fields here: {known})"
            continue
        annotation = field.annotation
        inner = _model_in(annotation)
        if inner is not None and isinstance(value, Mapping):
            yield from _field_problems(inner, value, f"{prefix}{key}.")
        elif typing.get_origin(annotation) is list and isinstance(value, list):
            item = _model_in(typing.get_args(annotation)[0])
            for index, element in enumerate(value):
                if item is not None and isinstance(element, Mapping):
                    yield from _field_problems(item, element, f"{prefix}{key}[{index}].")


def _leaves(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of each leaf: objects are walked into (an empty one has none), a list
    is one leaf."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _leaves(inner, f"{prefix}{key}.")
    else:
        yield prefix.rstrip("."), value


def _where(loc: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(the spec)"


def _shown(value: Any) -> Any:
    """`value`, or a short text standing for it when it is long."""
    text = value if isinstance(value, str) else json.dumps(value)
    if len(text) <= SHOWN_CHARS:
        return value
    return f"{text[: SHOWN_CHARS - 40]}… ({len(text):,} characters)"


def _brief(value: Any) -> str:
    text = "unset" if value is None else json.dumps(value) if value == "" or not isinstance(value, str) else value
    return text if len(text) <= 60 else f"{text[:50]}…"
