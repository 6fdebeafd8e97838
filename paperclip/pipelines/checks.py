"""What a pipeline document must mean, beyond its fields' types: each a problem at its place.

Each step gets its id (its `output`'s name, else `<agent>-<n>`, n its place from 1). Steps name
known agents (or agent templates), and ids and outputs are unique. A name a step's `input` reads
is a step's output (the step then runs after that one) or a run input; a name no step outputs is
an input of the run, a string unless `inputs` declares it — the guide's form declares no inputs,
so an undeclared name is a deliberate implied input, unless it is close to a declared input's or
an output's name: that is taken for a typo and named with its likely meaning (`did you mean`).
`needs` names steps; the steps may not wait on each other in a cycle. `${…}` in a task names
something the step may read, `when` is a JMESPath expression over `{inputs, steps}`, and
`output_schema` is a JSON schema.
"""

import difflib
import re
from collections.abc import Collection, Iterator
from typing import Any, Protocol

import jmespath
import jsonschema
from jmespath.exceptions import IncompleteExpressionError, JMESPathError, LexerError, ParseError
from jsonschema.exceptions import SchemaError

from paperclip.models.names import SLUG
from paperclip.models.pipelines import PipelineInputSpec, PipelineSpec, PipelineStep
from paperclip.pipelines.errors import PipelineInvalid, PipelineProblem
from paperclip.pipelines.located import Path
from paperclip.pipelines.references import ReferenceKind, references

NAME_RULE = "1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit"


class Problem(Protocol):
    def __call__(self, path: Path, message: str, *, key: bool = False) -> None: ...


def _known(names: Collection[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed[:20]) + (", …" if len(listed) > 20 else "") if listed else "none"


def _hint(name: str, names: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(names), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _close(name: str, names: Collection[str]) -> str | None:
    close = difflib.get_close_matches(name, list(names), n=1)
    return close[0] if close else None


def _typo(name: str, close: str) -> str:
    return (
        f"'{name}' is neither a declared input nor a step's output (did you mean '{close}'?):"
        f" fix the name, or declare '{name}' in `inputs` if the run is given it"
    )


def default_id(step: PipelineStep, place: int) -> str:
    """A step's id when it gives none: its output's name, else `<agent>-<n>` (n its place from 1)."""
    if step.id:
        return step.id
    if step.output is not None and SLUG.fullmatch(step.output):
        return step.output
    who = step.agent or step.template or "step"
    return f"{who[:58]}-{place}"


def check(
    spec: PipelineSpec,
    *,
    problem: Problem,
    problems: list[PipelineProblem],
    agents: Collection[str] | None,
    templates: Collection[str],
) -> PipelineSpec:
    """`spec` with its steps' ids and its implied inputs, or every problem found.

    Raises:
        PipelineInvalid: the problems `problem` recorded in `problems`.
    """
    ids = [default_id(step, index + 1) for index, step in enumerate(spec.steps)]
    _who(spec, problem, agents, templates)
    owners = _unique_ids(spec, ids, problem)
    producers = _outputs(spec, problem)
    declared = {item.name: index for index, item in enumerate(spec.inputs)}
    for index, item in enumerate(spec.inputs):
        if declared[item.name] != index:
            problem(
                ("inputs", index, "name"), f"input '{item.name}' is declared twice (also inputs[{declared[item.name]}])"
            )
        if item.name in producers:
            problem(
                ("inputs", index, "name"), f"'{item.name}' is also the output of step '{ids[producers[item.name]]}'"
            )
    depends, implied = _reads(spec, ids, owners, producers, declared, problem)
    cyclic = _cycles(ids, depends, problem)
    run_inputs = set(declared) | set(implied)
    for index, step in enumerate(spec.steps):
        upstream = None if cyclic else _upstream(index, depends)
        _task_references(spec, index, ids, owners, producers, run_inputs, upstream, problem)
        if step.when is not None:
            _when(step.when, index, ids, owners, run_inputs, upstream, problem)
        if step.output_schema is not None:
            _schema(step.output_schema, index, problem)
    if problems:
        raise PipelineInvalid(problems)
    steps = [step.model_copy(update={"id": ids[index]}) for index, step in enumerate(spec.steps)]
    added = [PipelineInputSpec(name=name) for name in implied]
    return spec.model_copy(update={"steps": steps, "inputs": [*spec.inputs, *added]})


def _who(spec: PipelineSpec, problem: Problem, agents: Collection[str] | None, templates: Collection[str]) -> None:
    for index, step in enumerate(spec.steps):
        if step.agent is not None and step.template is not None:
            problem(("steps", index), "give `agent` or `template` (a temporary agent hired for the run), not both")
        elif step.agent is None and step.template is None:
            problem(
                ("steps", index), "give `agent` (one of the company's) or `template` (an agent template to hire from)"
            )
        if step.agent is not None and agents is not None and step.agent not in agents:
            problem(
                ("steps", index, "agent"),
                f"unknown agent '{step.agent}'{_hint(step.agent, agents)} (the company's: {_known(agents)})",
            )
        if step.template is not None and step.template not in templates:
            problem(
                ("steps", index, "template"),
                f"unknown agent template '{step.template}'{_hint(step.template, templates)}"
                f" (known: {_known(templates)})",
            )


def _unique_ids(spec: PipelineSpec, ids: list[str], problem: Problem) -> dict[str, int]:
    """Each id's step (the first that has it); a problem for every later one."""
    owners: dict[str, int] = {}
    for index, (step, id_) in enumerate(zip(spec.steps, ids, strict=True)):
        if id_ not in owners:
            owners[id_] = index
        elif step.id:
            problem(("steps", index, "id"), f"step id '{id_}' is taken by steps[{owners[id_]}]")
        else:
            problem(("steps", index), f"its id would be '{id_}', which steps[{owners[id_]}] has: give it an `id`")
    return owners


def _outputs(spec: PipelineSpec, problem: Problem) -> dict[str, int]:
    """Each output name's step; a problem for a bad or repeated one."""
    producers: dict[str, int] = {}
    for index, step in enumerate(spec.steps):
        if step.output is None:
            continue
        if not SLUG.fullmatch(step.output):
            problem(("steps", index, "output"), f"an output's name must be {NAME_RULE}")
        elif step.output in producers:
            problem(
                ("steps", index, "output"), f"'{step.output}' is also the output of steps[{producers[step.output]}]"
            )
        else:
            producers[step.output] = index
    return producers


def _reads(
    spec: PipelineSpec,
    ids: list[str],
    owners: dict[str, int],
    producers: dict[str, int],
    declared: dict[str, int],
    problem: Problem,
) -> tuple[list[set[int]], list[str]]:
    """Each step's steps it waits on (its `needs` and the producers of what it reads), and the
    run inputs the steps read that `inputs` does not declare, in the order first read."""
    depends: list[set[int]] = [set() for _ in spec.steps]
    implied: list[str] = []
    for index, step in enumerate(spec.steps):
        for k, name in enumerate(step.input):
            at = ("steps", index, "input", k)
            if not SLUG.fullmatch(name):
                problem(at, f"'{name}': a name read must be {NAME_RULE}")
            elif name in step.input[:k]:
                problem(at, f"'{name}' is read twice")
            elif name in producers:
                depends[index].add(producers[name])
            elif name in owners:
                problem(
                    at, f"'{name}' is a step, not an output: give step '{name}' `output: <name>` and read that name"
                )
            elif name not in declared and name not in implied:
                close = _close(name, [*declared, *producers])
                if close is None:
                    implied.append(name)
                else:
                    problem(at, _typo(name, close))
        for k, need in enumerate(step.needs):
            if need not in owners:
                problem(
                    ("steps", index, "needs", k), f"no step '{need}'{_hint(need, owners)} (steps: {_known(owners)})"
                )
            else:
                depends[index].add(owners[need])
    return depends, implied


def _cycles(ids: list[str], depends: list[set[int]], problem: Problem) -> bool:
    """A problem for each cycle of steps waiting on each other (at its first step); whether any."""
    state = [0] * len(ids)  # 0 unseen, 1 on the path, 2 done
    path: list[int] = []
    found = False

    def visit(node: int) -> None:
        nonlocal found
        state[node] = 1
        path.append(node)
        for after in sorted(depends[node]):
            if state[after] == 1:
                cycle = path[path.index(after) :]
                chain = " → ".join(ids[i] for i in [*cycle, after])
                where = min(cycle)
                what = "it waits on itself" if len(cycle) == 1 else f"the steps wait on each other: {chain}"
                problem(("steps", where), f"a cycle: {what} (through needs and input)")
                found = True
            elif state[after] == 0:
                visit(after)
        path.pop()
        state[node] = 2

    for node in range(len(ids)):
        if state[node] == 0:
            visit(node)
    return found


def _upstream(index: int, depends: list[set[int]]) -> set[int]:
    """The steps `index` waits on, directly or through others."""
    seen: set[int] = set()
    todo = list(depends[index])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(depends[node])
    return seen


def _task_references(
    spec: PipelineSpec,
    index: int,
    ids: list[str],
    owners: dict[str, int],
    producers: dict[str, int],
    run_inputs: set[str],
    upstream: set[int] | None,
    problem: Problem,
) -> None:
    step = spec.steps[index]
    at = ("steps", index, "task")
    found, malformed = references(step.task)
    for bad in malformed:
        problem(at, str(bad))
    for ref in found:
        if ref.kind is ReferenceKind.INPUT and ref.name not in run_inputs:
            problem(
                at, f"{ref.text}: no run input '{ref.name}'{_hint(ref.name, run_inputs)} (inputs: {_known(run_inputs)})"
            )
        elif ref.kind is ReferenceKind.STEP:
            _step_reference(ref.text, ref.name, index, ids, owners, upstream, at, problem)
        elif ref.kind is ReferenceKind.NAME and ref.name not in step.input and ref.name not in run_inputs:
            if ref.name in producers:
                problem(
                    at, f"{ref.text}: the output of step '{ids[producers[ref.name]]}': add '{ref.name}' to its input"
                )
            else:
                hint = _hint(ref.name, {*step.input, *run_inputs, *producers})
                problem(at, f"{ref.text} names nothing{hint}: not a name this step reads (input) nor a run input")


def _step_reference(
    text: str,
    name: str,
    index: int,
    ids: list[str],
    owners: dict[str, int],
    upstream: set[int] | None,
    at: Path,
    problem: Problem,
) -> None:
    if name not in owners:
        problem(at, f"{text}: no step '{name}'{_hint(name, owners)} (steps: {_known(owners)})")
    elif owners[name] == index:
        problem(at, f"{text}: a step cannot read its own output")
    elif upstream is not None and owners[name] not in upstream:
        problem(at, f"{text}: step '{name}' may not have finished when '{ids[index]}' starts: add it to needs")


def _chain(node: Any) -> list[str] | None:
    """The field names of a plain chain (`steps.lint.status`), as far as it goes; None for none."""
    if not isinstance(node, dict):
        return None
    if node.get("type") == "field":
        return [node["value"]]
    if node.get("type") != "subexpression":
        return None
    fields: list[str] = []
    for child in node.get("children", []):
        part = _chain(child)
        if part is None:
            break  # what follows reads from what the chain found, not from the top
        fields += part
    return fields or None


def _chains(node: Any) -> Iterator[list[str]]:
    """Every chain of field names read from the top of a JMESPath AST (`steps.lint.status`)."""
    if not isinstance(node, dict):
        return
    chain = _chain(node)
    if chain is not None:
        yield chain
        return
    for child in node.get("children", []):
        yield from _chains(child)


def _when(
    when: str,
    index: int,
    ids: list[str],
    owners: dict[str, int],
    run_inputs: set[str],
    upstream: set[int] | None,
    problem: Problem,
) -> None:
    at = ("steps", index, "when")
    try:
        parsed = jmespath.compile(when)
    except JMESPathError as error:
        problem(at, f"not a JMESPath expression: {_jmespath_error(error, when)}")
        return
    for chain in _chains(parsed.parsed):
        if len(chain) < 2:
            continue
        if chain[0] == "inputs" and chain[1] not in run_inputs:
            problem(
                at,
                f"inputs.{chain[1]}: no run input '{chain[1]}'{_hint(chain[1], run_inputs)}"
                f" (inputs: {_known(run_inputs)})",
            )
        elif chain[0] == "steps":
            _step_reference(f"steps.{chain[1]}", chain[1], index, ids, owners, upstream, at, problem)


_DASHED = re.compile(r"(^|[.\s(])[a-z0-9_]+-[a-z0-9_-]")
"""An unquoted name with a '-' in it: JMESPath reads the '-' as a token of its own."""


def _jmespath_error(error: JMESPathError, expression: str) -> str:
    """The reason and the place of a JMESPath syntax error, in one line."""
    if isinstance(error, LexerError):
        reason = f"{error.message} at character {error.lexer_position + 1}"
    elif isinstance(error, IncompleteExpressionError):
        reason = "it ends too early"
    elif isinstance(error, ParseError) and error.token_value is not None:
        reason = f"unexpected {error.token_value!r} at character {error.lex_position + 1}"
    else:
        reason = str(error).splitlines()[0]
    if _DASHED.search(expression):
        reason += " (quote a name with '-' in it: steps.\"my-step\".status)"
    return reason


def _schema(schema: dict[str, Any], index: int, problem: Problem) -> None:
    at: Path = ("steps", index, "output_schema")
    try:
        jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator).check_schema(schema)
    except SchemaError as error:
        problem((*at, *error.absolute_path), f"not a valid JSON schema: {error.message}")
        return
    for path, ref in _refs(schema, at):
        if not ref.startswith("#"):
            problem(path, f"$ref '{ref}': only references inside the schema (#/…) are allowed")


def _refs(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield (*path, key), item
            else:
                yield from _refs(item, (*path, key))
    elif isinstance(value, list):
        for k, item in enumerate(value):
            yield from _refs(item, (*path, k))
