"""The real `opencode run --format json` (opencode-ai, pinned) through the CLI-turn activity:
against the fake's chat completions (a provider of its own config, as a local model server is)
and, with paperclip's key and URL, the fake's Anthropic Messages."""

import json
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from paperclip.keys import BoundKey, normalise_url
from paperclip.models import Adapter, CliPermissions, ToolDenial, Usage
from paperclip.pricing import cost_usd
from tests.cli_contract.real import PROMPT, SESSION, RealCli, real_cli
from tests.cli_contract.streams import keep, shapes
from tests.fakes import FakeModelServer

MODEL = "fake/fake-model"


def chat_completions(cli: RealCli, server: FakeModelServer) -> None:
    """OpenCode's config in the agent's HOME: a provider on the fake's chat completions, whose
    model has no price (OpenCode reports its steps at `cost: 0`)."""
    config = cli.agent_home / ".config" / "opencode" / "opencode.json"
    config.parent.mkdir(parents=True)
    provider = {
        "npm": "@ai-sdk/openai-compatible",
        "name": "Fake",
        "options": {"baseURL": server.base_url_openai, "apiKey": server.openai_key},
        "models": {"fake-model": {"name": "Fake model"}},
    }
    config.write_text(json.dumps({"provider": {"fake": provider}}))


def counted(usage: Usage) -> tuple[int, int, int]:
    return usage.input_tokens, usage.output_tokens, usage.cached_input_tokens


def provided(usages: list[Usage]) -> tuple[int, int, int]:
    """What the provider counted over these calls (input with cached, output, cached)."""
    return counted(sum(usages, Usage()))


def user_texts(request: dict) -> list[str]:
    def text(content: str | list) -> str:
        return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)

    return [text(m["content"]) for m in request["messages"] if m["role"] == "user"]


async def test_a_session_answers_resumes_and_its_ledger_equals_the_providers_counts(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = real_cli(Adapter.OPENCODE_LOCAL, tmp_path, monkeypatch)
    chat_completions(cli, server)
    env = ActivityEnvironment()
    first = await env.run(cli.acts.cli_turn, cli.turn(model=MODEL))
    new_session = list(cli.recording.lines)
    assert shapes(new_session) == shapes(keep("opencode-new-session", new_session))
    assert first.session_id and first.session_id.startswith("ses_")
    assert first.reply.content == "[fake] Done: Write the release notes."
    # One model call, the turn's own: the session got its title from paperclip, so OpenCode made
    # no title call of its own, whose tokens its output would never have shown.
    (request,) = server.requests
    assert request["model"] == "fake-model"  # `cli.model` reached it as `--model fake/fake-model`
    assert user_texts(request) == [PROMPT]  # from stdin, as it is (an argument came quoted)
    booked = cli.store.costs[(SESSION.company_id, SESSION.task, SESSION.agent, 1)]
    assert counted(booked.usage) == counted(first.usage) == provided(server.usages)
    assert (booked.provider, booked.model) == ("opencode", MODEL)
    assert first.cost_usd is None and booked.cost_usd is None  # unpriced, not free

    second = await env.run(
        cli.acts.cli_turn, cli.turn(seq=2, resume=first.session_id, model=MODEL, prompt="Now the changelog.")
    )
    resumed = cli.recording.lines[len(new_session) :]
    assert shapes(resumed) == shapes(keep("opencode-resumed", resumed))
    assert second.session_id == first.session_id
    assert user_texts(server.requests[1]) == [PROMPT, "Now the changelog."]  # the session's history
    booked = cli.store.costs[(SESSION.company_id, SESSION.task, SESSION.agent, 2)]
    assert counted(booked.usage) == provided(server.usages[1:])
    assert server.usages[1].cached_input_tokens > 0  # the provider's prompt cache, counted as such


async def test_a_priced_model_given_paperclips_key_costs_what_its_list_price_says(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bound = BoundKey("FAKE_ANTHROPIC", server.anthropic_key, (normalise_url(server.base_url_anthropic),), "fake")
    cli = real_cli(Adapter.OPENCODE_LOCAL, tmp_path, monkeypatch, keys=lambda _, name: bound)
    model = "anthropic/claude-sonnet-4-5"
    result = await ActivityEnvironment().run(
        cli.acts.cli_turn, cli.turn(model=model, base_url=server.base_url_anthropic, credential="FAKE_ANTHROPIC")
    )
    lines = list(cli.recording.lines)
    assert shapes(lines) == shapes(keep("opencode-priced", lines))
    assert [seen.path for seen in server.seen] == ["/v1/messages"]
    assert counted(result.usage) == provided(server.usages)
    (usage,) = server.usages
    assert result.cost_usd == pytest.approx(cost_usd("anthropic", "claude-sonnet-4-5", usage))


async def test_failures_say_why_in_the_tools_own_words(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = real_cli(Adapter.OPENCODE_LOCAL, tmp_path, monkeypatch)
    chat_completions(cli, server)
    env = ActivityEnvironment()

    async def failure(**turn: object) -> str:
        with pytest.raises(ApplicationError) as failed:
            await env.run(cli.acts.cli_turn, cli.turn(**turn))  # type: ignore[arg-type]
        assert failed.value.type == "CliAgentFailed"
        return failed.value.message

    server.fail_next(1, status=400, message="the prompt is not acceptable")
    message = await failure(model=MODEL)
    assert message == "opencode failed (exit code 1): APIError: the prompt is not acceptable"
    failed = list(cli.recording.lines)
    assert shapes(failed) == shapes(keep("opencode-failed", failed))
    # Said on stderr in colour: the reason comes without its escape sequences.
    message = await failure(model=MODEL, resume="ses_0000000000000000000000000")
    assert message == "opencode failed (exit code 1): Error: Session not found"
    # Its stream says only "unexpected server error"; its logs name the error.
    message = await failure(model="fake/no-such-model")
    assert message.startswith("opencode failed (exit code 1): UnknownError: Unexpected server error.")
    assert "(ProviderModelNotFoundError: Model not found: fake/no-such-model." in message


@pytest.mark.parametrize(
    ("profile", "tools", "written"),
    [
        (CliPermissions.READ_ONLY, ["glob", "grep", "read"], False),
        (CliPermissions.WORKSPACE_WRITE, ["bash", "edit", "glob", "grep", "read", "skill", "task", "write"], True),
    ],
)
async def test_a_permission_profile_is_what_the_tool_may_do_whatever_the_workspace_says(
    profile: CliPermissions,
    tools: list[str],
    written: bool,
    server: FakeModelServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli = real_cli(Adapter.OPENCODE_LOCAL, tmp_path, monkeypatch)
    chat_completions(cli, server)
    # The workspace's own config would let its agent do anything, and pick another by default.
    cli.workspace.mkdir(parents=True)
    anything = {"*": "allow"}
    (cli.workspace / "opencode.json").write_text(
        json.dumps(
            {
                "permission": anything,
                "default_agent": "loose",
                "agent": {"build": {"permission": anything}, "loose": {"mode": "primary", "permission": anything}},
            }
        )
    )
    # And so would its agent files and the config in its `.opencode` folder.
    (cli.workspace / ".opencode" / "agent").mkdir(parents=True)
    loose = '---\ndescription: builds\nmode: primary\npermission:\n  "*": allow\n---\nYou build.\n'
    (cli.workspace / ".opencode" / "agent" / "build.md").write_text(loose)
    (cli.workspace / ".opencode" / "opencode.json").write_text(json.dumps({"permission": anything}))
    target = cli.workspace / "notes.txt"
    server.call_next("write", json.dumps({"filePath": str(target), "content": "release notes\n"}))
    result = await ActivityEnvironment().run(cli.acts.cli_turn, cli.turn(model=MODEL, permissions=profile))
    offered = sorted(t["function"]["name"] for t in server.requests[0]["tools"])
    assert [name for name in offered if name not in ("todowrite", "webfetch")] == tools
    assert ("webfetch" in offered) is False  # no network in either profile
    assert target.exists() is written
    if written:  # a stream with a tool call in it
        lines = list(cli.recording.lines)
        assert shapes(lines) == shapes(keep("opencode-tool-call", lines))
    answer = "[fake] Done: Write the release notes."
    if written:
        assert result.denials == [] and result.reply.content == answer
    else:  # refused, reported (tests/cli_contract/test_denials.py)
        assert result.denials == [ToolDenial(tool="write", detail=str(target))]
        assert result.reply.content.startswith(answer + "\n\n[refused by its permissions (read-only): write ")


async def test_it_runs_in_the_sandbox_a_turn_runs_in(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = real_cli(Adapter.OPENCODE_LOCAL, tmp_path, monkeypatch, sandbox=True)
    chat_completions(cli, server)
    result = await ActivityEnvironment().run(cli.acts.cli_turn, cli.turn(model=MODEL))
    assert result.reply.content == "[fake] Done: Write the release notes."
    assert counted(result.usage) == provided(server.usages)
