"""Reading a pipeline document: YAML text to a `PipelineSpec`, every problem with its line.

The document is the guide's form — `workflow:` (or `pipeline:`) holding `name` and `steps` — or
the same fields at the top level. Its fields are checked by the models (`paperclip.models.pipelines`)
and by `paperclip.pipelines.checks`; an unknown field is a problem too (a typo would otherwise be
a silently ignored setting), and so is a key given twice.
"""

import difflib
import hashlib
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ValidationError

from paperclip.models.pipelines import PipelineBudget, PipelineInputSpec, PipelineSpec, PipelineStep, StepApproval
from paperclip.pipelines.checks import check
from paperclip.pipelines.errors import PipelineInvalid, PipelineProblem
from paperclip.pipelines.located import Located, Path, field_name, load

WRAPPERS = ("workflow", "pipeline")
"""Keys a document's fields may sit under (the guide writes `workflow:`)."""


def digest(text: str) -> str:
    """The sha256 (hex) of a document's content, as stored: what a run pins."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse(
    text: str, *, agents: Collection[str] | None = None, templates: Collection[str] | None = None
) -> PipelineSpec:
    """The pipeline `text` describes, each step with its id and the run's implied inputs added.

    Args:
        text: the YAML document.
        agents: the company's agents a step may name; None: any name (no company to check against).
        templates: the agent templates a step may hire from; None: the built-in ones.

    Raises:
        PipelineInvalid: every problem found, each with its line and column.
    """
    located = load(text)
    problems: list[PipelineProblem] = []
    data, base = _unwrap(located, problems)

    def problem(path: Path, message: str, *, key: bool = False) -> None:
        line, column = located.place((*base, *path), key=key)
        problems.append(PipelineProblem(line=line, column=column, field=field_name(path), message=message))

    for path, message in located.twice:
        line, column = located.place(path, key=True)
        inside = path[len(base) :] if path[: len(base)] == base else path
        problems.append(PipelineProblem(line=line, column=column, field=field_name(inside), message=message))
    if data is None:
        raise PipelineInvalid(problems)

    _unknown_fields(data, problem)
    step_list = data.get("steps")
    for step in step_list if isinstance(step_list, list) else []:
        if isinstance(step, dict) and isinstance(step.get("approval"), bool):
            step["approval"] = {} if step["approval"] else None  # `approval: true`: a gate, default title
    try:
        spec = PipelineSpec.model_validate(data)
    except ValidationError as error:
        for e in error.errors():
            problem(tuple(e["loc"]), str(e["msg"]).removeprefix("Value error, "))
        raise PipelineInvalid(problems) from None
    if templates is None:
        from paperclip.templates import builtin_registry  # the registry reads its files on first use

        templates = builtin_registry().agents.keys()
    return check(spec, problem=problem, problems=problems, agents=agents, templates=templates)


def _unwrap(located: Located, problems: list[PipelineProblem]) -> tuple[dict[str, Any] | None, Path]:
    """The mapping of the document's fields and its path (under a wrapper key, or the top)."""
    data = located.data
    if isinstance(data, dict) and len(data) == 1 and next(iter(data)) in WRAPPERS:
        key = next(iter(data))
        return _mapping(located, data[key], (key,), problems), (key,)
    if isinstance(data, dict):
        wrappers = [key for key in WRAPPERS if key in data]
        if wrappers:
            line, column = located.place((wrappers[0],), key=True)
            message = f"`{wrappers[0]}:` holds the whole pipeline: put the other top-level fields under it"
            problems.append(PipelineProblem(line=line, column=column, field=wrappers[0], message=message))
            return None, ()
    return _mapping(located, data, (), problems), ()


def _mapping(located: Located, data: Any, path: Path, problems: list[PipelineProblem]) -> dict[str, Any] | None:
    if isinstance(data, dict):
        return data
    got = "nothing" if data is None else f"a {type(data).__name__}"
    line, column = located.place(path) if path or data is not None else (0, 0)
    message = f"expected a mapping of the pipeline's fields (name, steps, …), got {got}"
    problems.append(PipelineProblem(line=line, column=column, field=field_name(path), message=message))
    return None


_LISTS: dict[str, type[BaseModel]] = {"inputs": PipelineInputSpec, "steps": PipelineStep}


def _unknown_fields(data: dict[str, Any], problem: Any) -> None:
    """A problem for each key the models do not know, at the key."""

    def known(mapping: Any, model: type[BaseModel], path: Path) -> None:
        if not isinstance(mapping, dict):
            return  # the models say what it should have been
        names = list(model.model_fields)
        for key in mapping:
            if key not in model.model_fields:
                close = difflib.get_close_matches(str(key), names, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(names)})"
                problem((*path, key), f"unknown field '{key}'{hint}", key=True)

    known(data, PipelineSpec, ())
    known(data.get("budget"), PipelineBudget, ("budget",))
    for name, model in _LISTS.items():
        items = data.get(name)
        for index, item in enumerate(items if isinstance(items, list) else []):
            known(item, model, (name, index))
            if model is PipelineStep and isinstance(item, dict):
                known(item.get("approval"), StepApproval, (name, index, "approval"))
