"""Hooks whose target is a pipeline (`PipelineTarget`): the check when one is made, and the run a
delivery starts.

A hook is made only for a pipeline the company has, and maps only inputs the pipeline takes (and
every input it requires without a default), so a delivery fails only on its values. A delivery
starts a run of the pipeline's latest version through `api.pipeline_runs.start_run`, keyed by
the delivery (`delivery_key`): a redelivery after an unknown outcome joins the run the first
started, so there is one run per delivery.
"""

import json
from typing import Any

from api import pipeline_runs as runs
from api.deps import ContextDep
from api.errors import ApiError
from paperclip.idempotency import RequestKey, key_scope, request_hash
from paperclip.models.pipelines import PipelineSpec
from paperclip.models.webhooks import HookSpec, PipelineTarget
from paperclip.store.hooks import StoredHook


def delivery_key(company: str, hook: str, delivery: str, body: bytes) -> RequestKey:
    """The key of what a delivery starts: the same delivery, the same key (and so the same task's
    update, or the same run)."""
    path = f"/api/hooks/{company}/{hook}"
    return RequestKey(
        scope=key_scope(caller=f"hook:{company}/{hook}", method="POST", path=path, key=delivery),
        request=request_hash(query="", body=body),
    )


def check_target(source: runs.PipelineSource | None, company: str, spec: HookSpec, target: PipelineTarget) -> None:
    """Refuse a hook for a pipeline the company does not have, or whose inputs do not fit it.

    Raises:
        ApiError: 400, naming the pipeline and the inputs.
    """
    found = source.get_pipeline(company, target.pipeline) if source is not None else None
    if found is None:
        message = f"hook {spec.name}: company '{company}' has no pipeline '{target.pipeline}'"
        raise ApiError(400, "invalid_input", message)
    declared = {i.name: i for i in found.spec.inputs}
    takes = ", ".join(declared) or "none"
    unknown = sorted(set(spec.inputs) - set(declared))
    if unknown:
        raise ApiError(
            400,
            "invalid_input",
            f"hook {spec.name}: pipeline {target.pipeline} takes no input(s) {', '.join(unknown)} (it takes: {takes})",
        )
    missing = [n for n, i in declared.items() if i.required and i.default is None and n not in spec.inputs]
    if missing:
        raise ApiError(
            400,
            "invalid_input",
            f"hook {spec.name}: pipeline {target.pipeline} requires input(s) {', '.join(missing)}: map them",
        )


def run_values(spec: PipelineSpec, values: dict[str, Any]) -> dict[str, Any]:
    """A delivery's inputs as the run's: one that found nothing is left out (its default
    applies), and a value for a text input is its text (a PR's `number` is `"42"`)."""
    kinds = {i.name: i.type for i in spec.inputs}
    given: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        given[name] = json.dumps(value) if kinds.get(name) == "string" and not isinstance(value, str) else value
    return given


async def start(
    context: ContextDep,
    company: str,
    stored: StoredHook,
    target: PipelineTarget,
    key: RequestKey,
    values: dict[str, Any],
) -> str:
    """Start (or join) the delivery's run; returns its id.

    Raises:
        ApiError: 400 when the pipeline is gone or the delivery's inputs do not fit it.
    """
    source = runs.pipeline_source(context)
    found = source.get_pipeline(company, target.pipeline) if source is not None else None
    if found is None:
        raise ApiError(400, "invalid_input", f"hook {stored.spec.name}: pipeline '{target.pipeline}' is gone")
    state = await runs.start_run(
        client=await context.temporal.get(),
        task_queue=context.task_queue,
        company_id=company,
        pipeline=found,
        inputs=run_values(found.spec, values),
        actor=f"hook:{stored.spec.name}",
        key=key,
    )
    return state.run_id
