"""The hand-written fake `claude` (`tests/fakes/bin/claude`, kept for fault injection) against the
real Claude Code's recorded streams (`tests/fakes/recorded/claude-<version>/`, made by
`python -m tests.cli_contract.record_claude`): every event the fake emits has the shape of the
real event of its kind (same fields at every level, same types), so the two cannot drift; and
the adapter reads the recordings as it reads the real tool."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from activities.cli.base import Stream
from activities.cli.claude import ClaudeCode
from paperclip.models import ToolDenial, Usage
from tests.cli_contract.record_claude import RECORDED, UNKNOWN_SESSION, load

FAKE = Path(__file__).resolve().parents[1] / "fakes" / "bin" / "claude"
FREE_FORM = frozenset({"input", "tool_input"})
"""Fields whose contents are the model's own (a tool call's arguments): their shape is not the tool's."""


def kind(event: dict[str, Any]) -> str:
    """`system/init`, `result/success`, `assistant/tool_use`, `user/tool_result`, …"""
    if event["type"] in ("assistant", "user"):
        return f"{event['type']}/{event['message']['content'][0]['type']}"
    return f"{event['type']}/{event.get('subtype', '')}"


def recorded() -> dict[str, dict[str, Any]]:
    """One real event of each kind, from every recording."""
    events: dict[str, dict[str, Any]] = {}
    for path in sorted(RECORDED.glob("*.jsonl")):
        for event in load(path.stem):
            events.setdefault(kind(event), event)
    return events


def differences(fake: Any, real: Any, where: str = "") -> list[str]:
    """Where `fake`'s shape is not `real`'s: a field one has and the other lacks, or another type
    (a null, an empty list, a free-form field match anything; numbers are numbers)."""
    if fake is None or real is None or where.rsplit(".", 1)[-1] in FREE_FORM:
        return []
    if isinstance(fake, dict) and isinstance(real, dict):
        if where.endswith(".modelUsage"):  # keyed by model: compare the entries
            fake, real = dict(enumerate(fake.values())), dict(enumerate(real.values()))
            if not fake or not real:
                return []
        found = [f"{where}.{k}: only in the fake" for k in fake.keys() - real.keys()]
        found += [f"{where}.{k}: missing from the fake" for k in real.keys() - fake.keys()]
        for k in fake.keys() & real.keys():
            found += differences(fake[k], real[k], f"{where}.{k}")
        return found
    if isinstance(fake, list) and isinstance(real, list):
        return differences(fake[0], real[0], f"{where}[]") if fake and real else []
    number = (int, float)
    same = isinstance(fake, bool) == isinstance(real, bool) and (
        isinstance(fake, number) and isinstance(real, number) or type(fake) is type(real)
    )
    return [] if same else [f"{where}: {type(fake).__name__} in the fake, {type(real).__name__} for real"]


def fake_run(tmp_path: Path, mode: str, *args: str) -> tuple[list[dict[str, Any]], int]:
    """The fake's events in `mode`, and its exit code."""
    (tmp_path / "script").write_text(mode)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "FAKE_CLI_SCRIPT": str(tmp_path / "script")}
    done = subprocess.run(
        [sys.executable, str(FAKE), "-p", "--output-format", "stream-json", "--verbose", *args],
        input="Task ACME-1: write the notes",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=30,
    )
    return [json.loads(line) for line in done.stdout.splitlines()], done.returncode


@pytest.mark.parametrize(
    ("mode", "args", "kinds", "exit_code"),
    [
        ("ok", [], ["system/init", "assistant/text", "result/success"], 0),
        (
            "denied",
            [],
            ["system/init", "assistant/tool_use", "user/tool_result", "assistant/text", "result/success"],
            0,
        ),
        ("fail", [], ["system/init", "result/error_during_execution"], 1),
        ("budget", ["--max-budget-usd", "0.01"], ["system/init", "assistant/text", "result/error_max_budget_usd"], 1),
        ("ok", ["--resume", UNKNOWN_SESSION], ["result/error_during_execution"], 1),
    ],
    ids=["ok", "denied", "fail", "budget", "unknown-session"],
)
def test_the_fakes_events_have_the_real_ones_shapes(tmp_path, mode, args, kinds, exit_code) -> None:
    real = recorded()
    events, code = fake_run(tmp_path, mode, *args)
    assert [kind(e) for e in events] == kinds
    assert code == exit_code
    for event in events:
        assert differences(event, real[kind(event)], kind(event)) == []


def test_a_fake_that_drifted_is_caught() -> None:
    real = recorded()["result/success"]
    drifted = {k: v for k, v in real.items() if k != "modelUsage"} | {"total_cost_usd": "0.1"}
    assert sorted(differences(drifted, real)) == [
        ".modelUsage: missing from the fake",
        ".total_cost_usd: str in the fake, float for real",
    ]


def parse(name: str) -> Stream:
    stream = Stream()
    for line in (RECORDED / f"{name}.jsonl").read_text().splitlines():
        ClaudeCode().feed(line, stream)
    return stream


def test_the_adapter_reads_a_recorded_turn_with_a_denied_call() -> None:
    stream = parse("turn")
    (init, *_, last) = load("turn")
    assert stream.session_id == init["session_id"]
    assert (stream.answer(), stream.error, stream.model) == ("[fake] Done.", None, "claude-sonnet-4-5")
    # `modelUsage` (the title call too), not the result's `usage` (the turn's calls only).
    spent = last["modelUsage"]["claude-sonnet-4-5"]
    assert stream.usage == Usage(
        input_tokens=spent["inputTokens"] + spent["cacheReadInputTokens"] + spent["cacheCreationInputTokens"],
        output_tokens=spent["outputTokens"],
        cached_input_tokens=spent["cacheReadInputTokens"],
        cache_write_tokens=spent["cacheCreationInputTokens"],
    )
    assert stream.usage.output_tokens > last["usage"]["output_tokens"]
    assert stream.cost_usd == last["total_cost_usd"]
    assert stream.denials == [ToolDenial(tool="Bash", detail="echo hi > notes.txt")]


def test_the_adapter_reads_a_failures_reason_from_its_errors() -> None:
    stream = parse("unknown-session")
    assert stream.error == f"No conversation found with session ID: {UNKNOWN_SESSION}"
    assert stream.usage == Usage()


def test_the_adapter_reads_a_budget_stop_and_what_it_spent() -> None:
    stream = parse("budget")
    last = load("budget")[-1]
    assert last["usage"]["output_tokens"] == 0  # the result's own usage says nothing was spent
    spent = last["modelUsage"]["claude-sonnet-4-5"]
    assert (stream.usage.output_tokens, stream.usage.cache_write_tokens) == (
        spent["outputTokens"],
        spent["cacheCreationInputTokens"],
    )
    assert stream.cost_usd == last["total_cost_usd"]
    assert stream.stopped_at_budget and stream.error is None
