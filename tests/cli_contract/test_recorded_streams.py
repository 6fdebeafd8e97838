"""The adapters read recorded real output (`tests/fakes/recorded/`, written by the contract
tests) as they read the tools themselves, and the hand-written fakes (`tests/fakes/bin/`) say
nothing the real tools never say."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from activities.cli import ADAPTERS
from paperclip.models import Adapter, CliConfig, ToolDenial, Usage
from tests.cli_contract.real import PROMPT
from tests.cli_contract.streams import RECORDED, read, recorded, shapes

FAKES = Path(__file__).resolve().parents[1] / "fakes" / "bin"
TOOLS = {Adapter.OPENCODE_LOCAL: "opencode", Adapter.GEMINI_LOCAL: "gemini"}


def events(name: str, kind: str) -> list[dict]:
    return [event for line in recorded(name) if (event := json.loads(line))["type"] == kind]


def fake_stream(adapter: Adapter, mode: str, tmp_path: Path) -> list[str]:
    """What the hand-written fake writes in `mode`, started as the adapter starts its tool."""
    (tmp_path / "script").write_text(mode)
    argv, stdin = ADAPTERS[adapter].argv(CliConfig(command=[str(FAKES / TOOLS[adapter])]), PROMPT, None)
    env = {"HOME": str(tmp_path), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    done = subprocess.run(
        argv,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env=env | {"FAKE_CLI_SCRIPT": str(tmp_path / "script")},
    )
    return done.stdout.splitlines()


@pytest.mark.parametrize("adapter", list(TOOLS), ids=list(TOOLS.values()))
@pytest.mark.parametrize("mode", ["ok", "fail"])
def test_a_fake_says_nothing_its_real_tool_never_says(adapter: Adapter, mode: str, tmp_path: Path) -> None:
    real = set().union(*(shapes(recorded(p.stem)) for p in RECORDED.glob(f"{TOOLS[adapter]}-*.jsonl")))
    fake = shapes(fake_stream(adapter, mode, tmp_path))
    assert fake and fake <= real, sorted(fake - real)


@pytest.mark.parametrize("adapter", list(TOOLS), ids=list(TOOLS.values()))
def test_a_fake_reads_as_its_real_tool_does(adapter: Adapter, tmp_path: Path) -> None:
    fake = read(ADAPTERS[adapter], fake_stream(adapter, "ok", tmp_path))
    real = read(ADAPTERS[adapter], recorded(f"{TOOLS[adapter]}-new-session"))
    for stream in (fake, real):
        assert stream.session_id and stream.answer() and stream.error is None
        assert stream.usage.input_tokens > stream.usage.cached_input_tokens >= 0 and stream.usage.output_tokens > 0


def test_opencode_is_read_step_by_step_and_an_unpriced_model_stays_unpriced() -> None:
    adapter = ADAPTERS[Adapter.OPENCODE_LOCAL]
    stream = read(adapter, recorded("opencode-tool-call"))
    steps = [e["part"] for e in events("opencode-tool-call", "step_finish")]
    assert len(steps) == 2 and {step["cost"] for step in steps} == {0}  # what OpenCode says of no price
    assert stream.cost_usd is None  # unpriced, not $0
    assert stream.usage == Usage(
        input_tokens=sum(
            s["tokens"]["input"] + s["tokens"]["cache"]["read"] + s["tokens"]["cache"]["write"] for s in steps
        ),
        output_tokens=sum(s["tokens"]["output"] + s["tokens"]["reasoning"] for s in steps),
        cached_input_tokens=sum(s["tokens"]["cache"]["read"] for s in steps),
    )
    assert stream.session_id == steps[0]["sessionID"]
    assert stream.answer() == "[fake] Done: Write the release notes."


def test_opencode_adds_up_what_a_priced_model_cost() -> None:
    stream = read(ADAPTERS[Adapter.OPENCODE_LOCAL], recorded("opencode-priced"))
    costs = [e["part"]["cost"] for e in events("opencode-priced", "step_finish")]
    assert sum(costs) > 0 and stream.cost_usd == pytest.approx(sum(costs))


def test_opencode_says_why_a_turn_failed() -> None:
    stream = read(ADAPTERS[Adapter.OPENCODE_LOCAL], recorded("opencode-failed"))
    assert stream.error == "APIError: the prompt is not acceptable"


def test_gemini_counts_every_call_of_the_run_and_thinking_as_output() -> None:
    stream = read(ADAPTERS[Adapter.GEMINI_LOCAL], recorded("gemini-new-session"))
    (result,) = events("gemini-new-session", "result")
    stats = result["stats"]
    assert len(stats["models"]) == 2  # its router's model and the one that answered
    thinking = stats["total_tokens"] - stats["input_tokens"] - stats["output_tokens"]
    assert thinking > 0  # the fake provider reported thoughts, outside the CLI's `output_tokens`
    assert stream.usage == Usage(
        input_tokens=stats["input_tokens"],
        output_tokens=stats["output_tokens"] + thinking,
        cached_input_tokens=stats["cached"],
    )
    assert stream.model == max(stats["models"], key=lambda name: stats["models"][name]["total_tokens"])
    assert stream.answer() == "[fake] Done: Write the release notes."  # its pieces, joined
    assert stream.cost_usd is None and stream.error is None


def test_gemini_answers_with_what_it_said_after_its_tools() -> None:
    stream = read(ADAPTERS[Adapter.GEMINI_LOCAL], recorded("gemini-tool-call"))
    assert [e["tool_name"] for e in events("gemini-tool-call", "tool_use")] == ["write_file"]
    assert stream.answer() == "[fake] Done: Write the release notes."


def test_gemini_says_why_a_turn_failed() -> None:
    stream = read(ADAPTERS[Adapter.GEMINI_LOCAL], recorded("gemini-failed"))
    assert stream.error and "API key not valid. Please pass a valid API key." in stream.error


def test_opencode_reads_the_calls_its_permissions_refused() -> None:
    adapter = ADAPTERS[Adapter.OPENCODE_LOCAL]
    (unoffered,) = [e["part"] for e in events("opencode-refused-unoffered", "tool_use")]
    assert read(adapter, recorded("opencode-refused-unoffered")).denials == [
        ToolDenial(tool="write", detail=unoffered["state"]["input"]["filePath"])
    ]
    (rule,) = [e["part"] for e in events("opencode-refused-rule", "tool_use")]
    assert "specified a rule" in rule["state"]["error"]
    assert read(adapter, recorded("opencode-refused-rule")).denials == [
        ToolDenial(tool="bash", detail=rule["state"]["input"]["command"])
    ]
    # Its stand-in tool answered the call: what the call was on is not in the stream.
    assert read(adapter, recorded("opencode-refused-stand-in")).denials == [ToolDenial(tool="webfetch", detail="")]
    for done in ("opencode-tool-call", "opencode-new-session", "opencode-failed"):
        assert read(adapter, recorded(done)).denials == []


def test_opencode_a_call_of_a_tool_it_never_had_is_no_refusal() -> None:
    lines = [line.replace('"tool":"write"', '"tool":"frobnicate"') for line in recorded("opencode-refused-unoffered")]
    assert '"tool":"frobnicate"' in "".join(lines)
    assert read(ADAPTERS[Adapter.OPENCODE_LOCAL], lines).denials == []


def test_gemini_reads_the_calls_its_policy_refused() -> None:
    adapter = ADAPTERS[Adapter.GEMINI_LOCAL]
    for name, why in (
        ("gemini-refused-unregistered", "tool_not_registered"),
        ("gemini-refused-policy", "policy_violation"),
    ):
        (call,) = events(name, "tool_use")
        (outcome,) = events(name, "tool_result")
        assert outcome["tool_id"] == call["tool_id"] and outcome["error"]["type"] == why
        given = call["parameters"]
        detail = given.get("command") or given.get("file_path")
        assert read(adapter, recorded(name)).denials == [ToolDenial(tool=call["tool_name"], detail=detail)]
    for done in ("gemini-tool-call", "gemini-new-session", "gemini-failed"):
        assert read(adapter, recorded(done)).denials == []


def test_gemini_a_tool_it_never_had_is_no_refusal() -> None:
    lines = [line.replace('"write_file"', '"frobnicate"') for line in recorded("gemini-refused-unregistered")]
    assert read(ADAPTERS[Adapter.GEMINI_LOCAL], lines).denials == []
