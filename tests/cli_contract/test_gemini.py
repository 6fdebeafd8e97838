"""The real `gemini --output-format stream-json` (@google/gemini-cli, pinned) through the CLI-turn
activity, given paperclip's key and URL: against the fake's Gemini API (`generateContent`,
`streamGenerateContent`)."""

import json
import uuid
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from paperclip.keys import BoundKey, normalise_url
from paperclip.models import Adapter, CliPermissions, ToolDenial, Usage
from tests.cli_contract.real import PROMPT, SESSION, RealCli, real_cli
from tests.cli_contract.streams import keep, shapes
from tests.fakes import FakeModelServer

CREDENTIAL = "FAKE_GEMINI"


def gemini(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, sandbox: bool = False
) -> RealCli:
    """Gemini CLI with a key bound to the fake (as a deployment binds one to a proxy of its own)."""
    bound = BoundKey(CREDENTIAL, server.gemini.key, (normalise_url(server.base_url),), CREDENTIAL)
    return real_cli(Adapter.GEMINI_LOCAL, tmp_path, monkeypatch, keys=lambda _, name: bound, sandbox=sandbox)


def keyed(server: FakeModelServer, **cli: object) -> dict[str, object]:
    return {"base_url": server.base_url, "credential": CREDENTIAL} | cli


def counted(usage: Usage) -> tuple[int, int, int]:
    return usage.input_tokens, usage.output_tokens, usage.cached_input_tokens


def provided(usages: list[Usage]) -> tuple[int, int, int]:
    """What the provider counted over these calls (input with cached, output with thinking, cached)."""
    return counted(sum(usages, Usage()))


def texts(request: dict) -> list[str]:
    return [p["text"] for c in request["contents"] if c["role"] == "user" for p in c["parts"] if "text" in p]


async def test_a_session_answers_resumes_and_its_ledger_equals_the_providers_counts(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = gemini(server, tmp_path, monkeypatch)
    server.gemini.thoughts_tokens = 7  # billed as output, outside the CLI's `output_tokens`
    env = ActivityEnvironment()
    first = await env.run(cli.acts.cli_turn, cli.turn(**keyed(server)))
    new_session = list(cli.recording.lines)
    assert shapes(new_session) == shapes(keep("gemini-new-session", new_session))
    assert first.session_id and uuid.UUID(first.session_id)
    assert first.reply.content == "[fake] Done: Write the release notes."
    # Its model router asks a small model first, then the chosen one answers: both are counted.
    router, answer = (seen.path for seen in server.seen)
    assert router.endswith(":generateContent") and answer.endswith(":streamGenerateContent")
    booked = cli.store.costs[(SESSION.company_id, SESSION.task, SESSION.agent, 1)]
    assert counted(booked.usage) == counted(first.usage) == provided(server.usages)
    assert booked.model == answer.split("/")[-1].split(":")[0] != "auto"  # the model that answered
    assert (booked.provider, booked.cost_usd) == ("gemini", None)  # tokens only: it reports no cost
    assert PROMPT in texts(server.requests[1])  # from stdin, as it is

    before = len(server.usages)
    second = await env.run(
        cli.acts.cli_turn,
        cli.turn(
            seq=2, resume=first.session_id, prompt="Now the changelog.", **keyed(server, model="gemini-2.5-flash")
        ),
    )
    resumed = cli.recording.lines[len(new_session) :]
    assert shapes(resumed) == shapes(keep("gemini-resumed", resumed))
    assert second.session_id == first.session_id
    (request,) = server.requests[before:]  # `--model`: no router call
    assert server.seen[-1].path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert PROMPT in texts(request) and "Now the changelog." in texts(request)  # the session's history
    booked = cli.store.costs[(SESSION.company_id, SESSION.task, SESSION.agent, 2)]
    assert counted(booked.usage) == provided(server.usages[before:])  # this turn's, not the session's


async def test_failures_say_why_in_the_tools_own_words(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = gemini(server, tmp_path, monkeypatch)
    env = ActivityEnvironment()

    async def failure(**turn: object) -> str:
        with pytest.raises(ApplicationError) as failed:
            await env.run(cli.acts.cli_turn, cli.turn(**keyed(server, model="gemini-2.5-flash"), **turn))  # type: ignore[arg-type]
        assert failed.value.type == "CliAgentFailed"
        return failed.value.message

    server.gemini.key = "another-key"
    message = await failure()
    assert message.startswith("gemini failed (exit code ")
    assert "API key not valid. Please pass a valid API key." in message
    failed = list(cli.recording.lines)
    assert shapes(failed) == shapes(keep("gemini-failed", failed))
    server.gemini.key = "test-key"
    # Said on stderr only, after no stream at all.
    message = await failure(resume=str(uuid.uuid4()))
    assert (
        message == "gemini failed (exit code 42): Error resuming session: No previous sessions found for this project."
    )


WRITES = {"write_file", "replace", "run_shell_command"}
NETWORK = {"web_fetch", "google_web_search"}


@pytest.mark.parametrize(
    ("profile", "offered", "refused", "written"),
    [
        (CliPermissions.READ_ONLY, {"read_file", "glob"}, WRITES | NETWORK, False),
        (CliPermissions.WORKSPACE_WRITE, WRITES, NETWORK, True),
        (CliPermissions.WORKSPACE_WRITE_NETWORK, WRITES | {"web_fetch"}, set(), True),
    ],
)
async def test_a_permission_profile_is_what_the_tool_may_do_whatever_the_workspace_says(
    profile: CliPermissions,
    offered: set[str],
    refused: set[str],
    written: bool,
    server: FakeModelServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli = gemini(server, tmp_path, monkeypatch)
    # The workspace's own settings would allow every tool.
    (cli.workspace / ".gemini").mkdir(parents=True)
    anything = ["write_file", "replace", "run_shell_command", "web_fetch", "google_web_search"]
    (cli.workspace / ".gemini" / "settings.json").write_text(json.dumps({"tools": {"allowed": anything}}))
    target = cli.workspace / "notes.txt"
    server.call_next("write_file", json.dumps({"file_path": str(target), "content": "release notes\n"}))
    result = await ActivityEnvironment().run(
        cli.acts.cli_turn, cli.turn(**keyed(server, model="gemini-2.5-flash", permissions=profile))
    )
    tools = {f["name"] for t in server.requests[0]["tools"] for f in t["functionDeclarations"]}
    assert offered <= tools and not refused & tools
    assert target.exists() is written
    answer = "[fake] Done: Write the release notes."
    if written:
        assert result.denials == [] and result.reply.content == answer
    else:  # refused, reported (tests/cli_contract/test_denials.py)
        assert result.denials == [ToolDenial(tool="write_file", detail=str(target))]
        assert result.reply.content.startswith(answer + "\n\n[refused by its permissions (read-only): write_file ")
    if written and not refused:  # a stream with a tool call in it
        lines = list(cli.recording.lines)
        assert shapes(lines) == shapes(keep("gemini-tool-call", lines))


async def test_it_runs_in_the_sandbox_a_turn_runs_in(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = gemini(server, tmp_path, monkeypatch, sandbox=True)
    # Its WebAssembly reserves address space by the tens of GiB (it failed at 16: "Out of memory:
    # Cannot allocate Wasm memory for new instance").
    result = await ActivityEnvironment().run(cli.acts.cli_turn, cli.turn(**keyed(server, model="gemini-2.5-flash")))
    assert result.reply.content == "[fake] Done: Write the release notes."
    assert counted(result.usage) == provided(server.usages)
