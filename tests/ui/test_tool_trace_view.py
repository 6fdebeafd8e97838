"""Tool calls in the trace chat: the call with its approver, the result with its duration, edited
arguments and where the full output is stored; a call with no duration or approver still reads."""

from tests.ui.test_trace_view import event, trace
from ui.trace_view import AGENT, TOOL, chat_entries


def test_a_tool_call_and_its_result_show_approver_duration_and_the_stored_output() -> None:
    events = [
        event("ACME-1", 1, "tool_call", actor="eng", tool="run_command", arguments={"command": "pytest"},
              turn=1, call_id="c1", approved_by="oscar"),
        event("ACME-1", 3, "tool_result", actor="run_command", target="eng", tool="run_command", turn=1,
              call_id="c1", content="3 passed", duration_ms=1234, approved_by="oscar",
              arguments={"command": "pytest -q"}, output_ref="r1", output_size=90_000,
              output_url="/api/companies/acme/tool-outputs/r1", failed=False),
        event("ACME-1", 4, "tool_call", actor="eng", tool="read_file", arguments={"path": "a.py"}, turn=2,
              call_id="c2"),
        event("ACME-1", 5, "message", actor="read_file", target="eng", tool="read_file", content="x = 1", call_id="c2"),
    ]  # fmt: skip
    call, result, plain_call, plain_result = chat_entries(trace("ACME-1", "eng", events), events)
    assert call.avatar == AGENT and "called `run_command`" in call.header
    assert call.meta == "turn 1 · approved by oscar" and '"command": "pytest"' in call.code
    assert result.avatar == TOOL and result.header == "**run_command → eng** · result of `run_command`"
    assert result.meta == "turn 1 · 1.2 s · approved by oscar"
    assert (result.body, result.code) == ('Ran with edited arguments: `{"command": "pytest -q"}`', "3 passed")
    assert result.footnote == "Full output (90,000 characters): `GET /api/companies/acme/tool-outputs/r1`"
    assert plain_call.meta == "turn 2" and plain_result.header.endswith("tool result of `read_file`")
