"""The product counters: turns, tokens, USD, tool calls and budget refusals, counted once each.

They are counted where a workflow *accepts* a result, through the workflow's metric meter, by a
worker interceptor (so no workflow's code or commands change):

- a turn when its activity's result (or its final failure) reaches the task workflow. However
  often Temporal retried the activity, the workflow receives one result, in one history event;
- the tokens, the USD and the tool calls the model asked for, from that same accepted result;
- a budget refusal when the company workflow signals a task that its call may not go ahead.

The workflow's metric meter emits nothing while a history is replayed (a worker restarted, a
workflow evicted from the cache, a `continue_as_new`d run read back), so replays never count
again. What remains is at-least-once at one narrow point: a worker that dies after running a
workflow task but before Temporal accepts its completion has counted it, and the worker that
runs the task again counts it once more. Counting in an activity instead would count every
attempt whose result Temporal then discarded (a timed-out attempt that still finished).

Labels are bounded by construction: the provider (`Provider`, or the CLI tool from a fixed set),
the model's family from the price table (`paperclip.pricing`), else `other`; a tool's name when
the task workflow or the registry knows it, `mcp` for any MCP server's tool, else `other`; the
refused scope's kind. No company, agent, task or free-form model name ever becomes a label.
"""

import asyncio
from collections.abc import Mapping
from typing import Any

from temporalio import workflow
from temporalio.client import Interceptor as ClientInterceptor
from temporalio.exceptions import CancelledError
from temporalio.worker import (
    Interceptor as WorkerInterceptor,
)
from temporalio.worker import (
    SignalExternalWorkflowInput,
    StartActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

from paperclip import pricing, tools
from paperclip.constants import Activity, TaskSignal
from paperclip.models import Provider
from paperclip.spend import is_lifetime
from paperclip.tools.known import is_mcp_name

OTHER = "other"
TURNS = "paperclip_turns"
TOKENS = "paperclip_tokens"
TOOL_CALLS = "paperclip_tool_calls"
BUDGET_REFUSALS = "paperclip_budget_refusals"
COST_HISTOGRAM = "paperclip_turn_cost_usd"
COST_BUCKETS = (0.0001, 0.001, 0.01, 0.1, 1.0, 10.0)
"""USD of one turn; the histogram's `_sum` is the USD spent (the SDK's counters count integers)."""
COUNTERS: Mapping[str, str] = {
    TURNS: "Model and CLI turns accepted by their task (labels: kind, provider, model_family, outcome).",
    TOKENS: "Tokens of accepted turns (labels: kind, provider, model_family, direction=input|output).",
    COST_HISTOGRAM: "USD of each accepted turn that has a price; `_sum` is the spend (same labels as turns).",
    TOOL_CALLS: "Tool calls models asked for in accepted turns (label: tool).",
    BUDGET_REFUSALS: "Calls refused for a spent budget (label: scope=company|agent|cap).",
}
"""The product metrics by name, as the worker's Prometheus endpoint serves them (counters with
`_total`), and what each counts."""
CLI_TOOLS = frozenset({"claude-code", "codex", "opencode", "gemini", "process"})
"""The CLI tools a `CliTurnResult` names (its docstring's set)."""
_TURNS = {Activity.MODEL_TURN: "model", Activity.CLI_TURN: "cli"}


def tool_label(name: str) -> str:
    """A tool call's label: its name when the task workflow or the registry knows it, `mcp` for
    an MCP server's tool, else `other` (a model may call any name at all)."""
    if name in tools.ARGUMENTS or name in tools.REGISTRY:
        return name
    return "mcp" if is_mcp_name(name) else OTHER


def turn_labels(kind: str, provider: str, model: str) -> dict[str, str]:
    """A turn's labels: its kind, its provider (a known one, else `other`) and its model's family."""
    if kind == "cli":
        known = provider if provider in CLI_TOOLS else OTHER
        return {"kind": kind, "provider": known, "model_family": OTHER}
    if provider == Provider.SIMULATED:
        return {"kind": kind, "provider": provider, "model_family": "simulated"}
    known = provider if provider in tuple(Provider) else OTHER
    return {"kind": kind, "provider": known, "model_family": pricing.family(known, model) or OTHER}


def _count_turn(kind: str, handle: "asyncio.Future[Any]") -> None:
    meter = workflow.metric_meter()  # emits nothing while replaying
    if handle.cancelled():
        return
    error = handle.exception()
    if error is not None:  # its last attempt failed, or the workflow cancelled it (a pause, a hold)
        outcome = "cancelled" if isinstance(getattr(error, "cause", None), CancelledError) else "failed"
        meter.create_counter(TURNS, COUNTERS[TURNS]).add(1, {"kind": kind, "outcome": outcome})
        return
    result = handle.result()
    provider = str(getattr(result, "tool" if kind == "cli" else "provider", OTHER))
    labels = turn_labels(kind, provider, str(getattr(result, "model", "")))
    meter.create_counter(TURNS, COUNTERS[TURNS]).add(1, labels | {"outcome": "ok"})
    usage = result.usage
    tokens = meter.create_counter(TOKENS, COUNTERS[TOKENS], "tokens")
    tokens.add(usage.input_tokens, labels | {"direction": "input"})
    tokens.add(usage.output_tokens, labels | {"direction": "output"})
    if result.cost_usd is not None:
        meter.create_histogram_float(COST_HISTOGRAM, COUNTERS[COST_HISTOGRAM], "USD").record(result.cost_usd, labels)
    calls = meter.create_counter(TOOL_CALLS, COUNTERS[TOOL_CALLS])
    for call in result.reply.tool_calls:
        calls.add(1, {"tool": tool_label(call.name)})


def _counted(kind: str, handle: "asyncio.Future[Any]") -> None:
    try:
        _count_turn(kind, handle)
    except Exception as err:  # a metric must never fail the workflow task
        workflow.logger.warning("could not count a %s turn: %s", kind, err)


class _Outbound(WorkflowOutboundInterceptor):
    def start_activity(self, input: StartActivityInput) -> workflow.ActivityHandle[Any]:
        handle = super().start_activity(input)
        kind = _TURNS.get(input.activity)
        if kind is not None:
            handle.add_done_callback(lambda done: _counted(kind, done))
        return handle

    async def signal_external_workflow(self, input: SignalExternalWorkflowInput) -> None:
        if input.signal == TaskSignal.BUDGET_DECISION and input.args and not getattr(input.args[0], "granted", True):
            reason = str(getattr(input.args[0], "reason", ""))
            scope = "company" if reason == "company" else "cap" if is_lifetime(reason) else "agent"
            workflow.metric_meter().create_counter(BUDGET_REFUSALS, COUNTERS[BUDGET_REFUSALS]).add(1, {"scope": scope})
        await super().signal_external_workflow(input)


class _Inbound(WorkflowInboundInterceptor):
    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        super().init(_Outbound(outbound))


class ProductCounters(ClientInterceptor, WorkerInterceptor):
    """Counts the product metrics in every workflow of a worker built from a client carrying it."""

    def workflow_interceptor_class(self, input: WorkflowInterceptorClassInput) -> type[WorkflowInboundInterceptor]:
        return _Inbound
