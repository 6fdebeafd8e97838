"""Updates of `CompanyWorkflow` sent with an idempotency key answer a repeat with the first answer,
across continue-as-new too.

The API sends the updates it makes for a request with an `Idempotency-Key` under an id made from
the key (`paperclip.idempotency.update_id`). Temporal answers a repeat of an update id within a
run; across runs the company remembers the latest `REMEMBERED_KEYS` such updates with their
answers (`CompanyState.answered`, oldest first), so a request retried after a continue-as-new
gets the first answer instead of acting twice. The same key with another request is refused
(`IdempotencyKeyReused`, the API's 422). Answers beyond `REMEMBERED_ANSWER_CHARS` in all are
dropped, oldest first, to keep the carried state small: a repeat of one of those is refused as
already applied (`Conflict`).

`remembered_update` replaces `workflow.update` on every update of the company; validators are
declared with `@handler.validator` as usual and are skipped for a repeat (a repeated hire must
not be refused because the agent now exists).
"""

import functools
import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar, cast, overload

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic_core import to_json

    from paperclip.idempotency import Answered, parse_update_id
    from paperclip.models import CompanyState
    from workflows.patches import IDEMPOTENT_UPDATES

REMEMBERED_KEYS = 1_000
"""Keyed updates remembered (the oldest go first)."""
REMEMBERED_ANSWER_CHARS = 128 * 1024
"""Characters of JSON answers kept across the remembered updates (the oldest answers go first)."""
REUSED = "IdempotencyKeyReused"

P = ParamSpec("P")
R = TypeVar("R")


def _state(workflow_object: Any) -> CompanyState:
    state: CompanyState = workflow_object.state
    return state


def _keyed() -> tuple[str, str] | None:
    """(what the update is remembered by, its request hash) when it was sent with a key."""
    info = workflow.current_update_info()
    return parse_update_id(info.id) if info is not None else None


def _known(state: CompanyState, key: str, request: str) -> Answered | None:
    """The remembered update a repeat answers from, or None for a key not seen yet.

    Raises:
        ApplicationError: the key came with another request, or its answer is no longer kept.
    """
    known = state.answered.get(key)
    if known is None:
        return None
    if known.request != request:
        raise ApplicationError(
            "this Idempotency-Key was used with another request: use a new key for a new request",
            type=REUSED,
            non_retryable=True,
        )
    if not known.done or known.answer is None:
        what = "is still being applied" if not known.done else "was applied; its answer is no longer kept"
        raise ApplicationError(f"the request with this Idempotency-Key {what}", type="Conflict", non_retryable=True)
    return known


def _remember(state: CompanyState, key: str, answer: Any) -> None:
    state.answered[key].done = True
    state.answered[key].answer = text = to_json(answer).decode()
    if len(text) > REMEMBERED_ANSWER_CHARS:
        state.answered[key].answer = None
    for old in list(state.answered)[: max(0, len(state.answered) - REMEMBERED_KEYS)]:
        del state.answered[old]
    kept = sum(len(a.answer or "") for a in state.answered.values())
    for entry in state.answered.values():  # oldest first
        if kept <= REMEMBERED_ANSWER_CHARS:
            break
        kept -= len(entry.answer or "")
        entry.answer = None


@dataclass
class _Call:
    """How one run of an update handler goes."""

    key: str | None = None
    """Remember the answer under this key (None: not remembered)."""
    repeat: bool = False
    answer: Any = None
    """A repeat's first answer."""


def _begin(state: CompanyState) -> _Call:
    keyed = _keyed()
    if keyed is None:
        return _Call()
    key, request = keyed
    known = _known(state, key, request)
    if known is not None:
        return _Call(repeat=True, answer=json.loads(known.answer or "null"))
    if not workflow.patched(IDEMPOTENT_UPDATES):
        return _Call()
    state.answered[key] = Answered(request=request)  # a reuse of the key meanwhile is refused
    return _Call(key=key)


def _end(state: CompanyState, call: _Call, answer: Any = None, *, failed: bool = False) -> None:
    if call.key is None:
        return
    if failed:
        del state.answered[call.key]  # the update failed: a retry may try it again
    else:
        _remember(state, call.key, answer)


@overload
def remembered_update(fn: Callable[P, Awaitable[R]]) -> workflow.UpdateMethodMultiParam[P, R]: ...


@overload
def remembered_update(fn: Callable[P, R]) -> workflow.UpdateMethodMultiParam[P, R]: ...


def remembered_update(fn: Callable[..., Any]) -> workflow.UpdateMethodMultiParam[..., Any]:
    """`workflow.update` for an update of the company: a repeat of a keyed update answers the
    first answer without running the handler (or its validator) again."""

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def handler(self: Any, input: Any) -> Any:
            state = _state(self)
            call = _begin(state)
            if call.repeat:
                return call.answer
            try:
                answer = await fn(self, input)
            except BaseException:
                _end(state, call, failed=True)
                raise
            _end(state, call, answer)
            return answer

    else:

        @functools.wraps(fn)
        def handler(self: Any, input: Any) -> Any:
            state = _state(self)
            call = _begin(state)
            if call.repeat:
                return call.answer
            try:
                answer = fn(self, input)
            except BaseException:
                _end(state, call, failed=True)
                raise
            _end(state, call, answer)
            return answer

    update = workflow.update(handler)
    register = update.validator

    def validator(check: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
        @functools.wraps(check)
        def checked(self: Any, input: Any) -> None:
            keyed = _keyed()
            if keyed is not None and _known(_state(self), *keyed) is not None:
                return  # a repeat: the handler answers from memory
            check(self, input)

        register(checked)
        return check

    setattr(update, "validator", validator)  # noqa: B010 — wraps the SDK's registration of validators
    return cast(workflow.UpdateMethodMultiParam[..., Any], update)
