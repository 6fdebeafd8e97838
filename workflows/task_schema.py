"""A result checked against the task's output schema (a pipeline step's), inside the task.

A result that is not JSON, or does not fit the schema, does not end the task: the agent is
answered with the error (its `complete_task` call's answer, or the next turn's input after a
plain reply) and tries again; after `TaskInput.schema_tries` such results the task fails, its
result saying why. A result wrapped in one Markdown code fence (```json … ```) is read inside it.
"""

import json
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import jsonschema

    from paperclip import prompts
    from paperclip.pipeline_runs import result_json
    from workflows.patches import OUTPUT_SCHEMA
    from workflows.task_core import TaskCore

SCHEMA_SHOWN = 4_000
"""Characters of the schema an answer repeats at most."""


def schema_error(schema: dict[str, Any], text: str) -> str | None:
    """Why `text` does not fit `schema` (one sentence, with where), or None when it fits."""
    try:
        value = result_json(text)
    except json.JSONDecodeError as err:
        return f"the result is not JSON ({err.msg} at line {err.lineno}, column {err.colno})"
    try:
        validator = jsonschema.Draft202012Validator(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    except jsonschema.exceptions.SchemaError as err:
        return f"the output schema itself is invalid: {err.message}"
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path)
    return f"at {where or 'the top level'}: {error.message}"


def refused_result(task: TaskCore, text: str) -> str | None:
    """None when `text` may end the task (it has no output schema, or fits it); else what the
    agent is answered. The last try a result may take sets the task's `failure`."""
    schema = task.input.output_schema
    if schema is None or not workflow.patched(OUTPUT_SCHEMA):
        return None
    error = schema_error(schema, text)
    if error is None:
        return None
    task.carry.schema_misses += 1
    tries, misses = task.input.schema_tries, task.carry.schema_misses
    if misses >= tries:
        task.failure = f"its result did not fit the output schema after {tries} tries; the last one {error}"
        return prompts.error(task.failure)
    shown = json.dumps(schema, sort_keys=True)
    if len(shown) > SCHEMA_SHOWN:
        shown = shown[:SCHEMA_SHOWN] + " …"
    return prompts.error(
        f"your result does not fit the output schema, {error}. The task is not complete: finish it again with "
        f"a result that is JSON fitting the schema ({tries - misses} tries left). The schema: {shown}"
    )
