"""What a CLI agent's processes see of the worker: its environment read from `/proc` while the tool
runs (none of the worker's secrets, only what passes), a HOME of the agent's own, a key only where
its credential is bound, and nothing started for a spec that asks for more."""

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.cli.activity import CliActivities
from activities.cli.credentials import EnvironmentKeys
from activities.cli.environment import PASSED
from paperclip.models import Adapter, CliConfig, CliTurnInput, SessionRef
from tests.activities.cli_helpers import FAKE_ENV, SESSION, fake_cli, runs, script, turn, turns
from tests.activities.conftest import FakeStore
from tests.fakes import FakeModelServer

__all__ = ["fake_cli", "turns"]  # fixtures

SECRETS = {
    "PAPERCLIP_SECRET_KEY": "c2VjcmV0LWtleS1vZi10aGUtZGVwbG95bWVudC0wMDA=",
    "PAPERCLIP_PAYLOAD_KEY": "cGF5bG9hZC1rZXktb2YtdGhlLWRlcGxveW1lbnQtMDA=",
    "PAPERCLIP_DATABASE_URL": "postgresql://paperclip:db-password-42@db/paperclip",
    "OPENAI_API_KEY": "sk-openai-worker-secret",
    "ANTHROPIC_API_KEY": "sk-ant-worker-secret",
    "GEMINI_API_KEY": "gemini-worker-secret",
    "STRIPE_LIVE_SECRET": "sk_live_unrelated_secret",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-access-key-value",
}
"""What a worker's environment may hold that no agent may see."""
PROCESS = ["python3", "-c", "import time; print('working', flush=True); time.sleep(60)"]


def proc_environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(entry.split("=", 1) for entry in raw.decode().split("\0") if entry)


async def environ_while_running(acts: CliActivities, input: CliTurnInput) -> dict[str, str]:
    """The running tool's environment as the kernel has it, then the turn cancelled."""
    env = ActivityEnvironment()
    beats: list[dict] = []
    env.on_heartbeat = lambda *d: beats.append(d[0])
    running = asyncio.ensure_future(env.run(acts.cli_turn, input))
    while not beats or not beats[-1].get("events"):  # it has written: it is the tool, exec'd
        assert not running.done(), running.result()
        await asyncio.sleep(0.05)
    seen = proc_environ(beats[-1]["pid"])
    env.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    return seen


@pytest.mark.parametrize(
    "adapter",
    [Adapter.CLAUDE_LOCAL, Adapter.CODEX_LOCAL, Adapter.OPENCODE_LOCAL, Adapter.GEMINI_LOCAL, Adapter.PROCESS],
)
async def test_a_running_tools_environment_holds_none_of_the_workers_secrets(
    adapter: Adapter, fake_cli: Path, turns, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("TZ", "Europe/Paris")
    acts, _ = turns
    script(fake_cli, "hang")
    cli = {"command": PROCESS} if adapter is Adapter.PROCESS else {}
    seen = await environ_while_running(acts, turn(adapter, env={"GIT_AUTHOR_NAME": "Dev Bot"}, **cli))

    assert not set(SECRETS) & set(seen)
    assert not [name for name, value in seen.items() if any(secret in value for secret in SECRETS.values())]
    home = acts.home / "homes" / "acme" / "dev"
    passed = {name: value for name, value in os.environ.items() if name in PASSED or name.startswith("LC_")}
    if adapter is Adapter.OPENCODE_LOCAL:  # its permissions, in its inline config (no key: none is bound)
        assert json.loads(seen.pop("OPENCODE_CONFIG_CONTENT")).keys() == {"permission", "agent"}
    assert seen == passed | FAKE_ENV | {
        "HOME": str(home),
        "TERM": "dumb",
        "GIT_AUTHOR_NAME": "Dev Bot",  # the spec's own
        "PAPERCLIP_API_URL": "http://127.0.0.1:8000",
        "PAPERCLIP_COMPANY_ID": "acme",
        "PAPERCLIP_AGENT_ID": "dev",
        "PAPERCLIP_TASK_ID": "ACME-7",
        "PAPERCLIP_TURN": "test/test",
    }
    assert (seen["PATH"], seen["LANG"], seen["TZ"]) == (os.environ["PATH"], "C.UTF-8", "Europe/Paris")


async def test_each_agent_has_a_home_of_its_own_kept_between_turns(fake_cli: Path, turns) -> None:
    acts, _ = turns
    env = ActivityEnvironment()
    first = await env.run(acts.cli_turn, turn(Adapter.CLAUDE_LOCAL))
    other = CliTurnInput.model_validate(
        turn(Adapter.CLAUDE_LOCAL).model_dump() | {"session": SessionRef(company_id="acme", task="ACME-8", agent="qa")}
    )
    await env.run(acts.cli_turn, other)
    # The same agent's next turn finds its session where the first turn left it (the fake, like
    # the real tools, keeps sessions under $HOME and fails on one it cannot find).
    await env.run(acts.cli_turn, turn(Adapter.CLAUDE_LOCAL, seq=2, resume=first.session_id))
    dev, qa, again = (run["environ"]["HOME"] for run in runs(fake_cli))
    assert dev == again == str(acts.home / "homes" / "acme" / "dev") != qa
    assert (Path(dev) / ".fake-claude" / "sessions" / f"{first.session_id}.json").is_file()
    for folder in (acts.home / "homes", acts.home / "homes" / "acme", Path(dev), Path(qa)):
        assert folder.stat().st_mode & 0o777 == 0o700, folder


@pytest.mark.parametrize(
    "name",
    [
        "ANTHROPIC_BASE_URL",
        "OPENAI_BASE_URL",
        "ANTHROPIC_API_KEY",
        "GITHUB_TOKEN",
        "https_proxy",
        "ALL_PROXY",
        "LD_PRELOAD",
        "NODE_OPTIONS",
        "HOME",
        "PATH",
        "OPENCODE_CONFIG_CONTENT",
        "PAPERCLIP_TASK_TOKEN",
    ],
)
async def test_a_spec_that_bypassed_the_api_with_a_reserved_variable_starts_nothing(
    name: str, fake_cli: Path, turns
) -> None:
    acts, _ = turns
    fields = CliConfig().model_dump(exclude={"env"})
    cli = CliConfig.model_construct(**fields, env=FAKE_ENV | {name: "http://evil"})  # as no API would take it
    input = turn(Adapter.CLAUDE_LOCAL).model_copy(update={"cli": cli})
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(acts.cli_turn, input)
    assert refused.value.type == "CliAgentRefused" and refused.value.non_retryable
    assert refused.value.message.startswith(f"claude_local agent dev was not started: cli.env.{name}: ")
    assert runs(fake_cli) == []


def keyed(tmp_path: Path, environ: dict[str, str]) -> CliActivities:
    """CLI turns whose keys are the deployment's, from `environ`."""
    return CliActivities(
        FakeStore(), home=tmp_path / "home", keys=EnvironmentKeys(environ), workspace_roots=[tmp_path], sandbox=False
    )


async def test_a_tool_gets_its_providers_key_and_official_url_and_no_other_key(fake_cli: Path, tmp_path: Path) -> None:
    acts = keyed(tmp_path, {"ANTHROPIC_API_KEY": "sk-ant-1", "OPENAI_API_KEY": "sk-oai-1", "GEMINI_API_KEY": "gm-1"})
    await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CLAUDE_LOCAL))
    await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CODEX_LOCAL))
    await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.GEMINI_LOCAL))
    claude, codex, gemini = (run["environ"] for run in runs(fake_cli))
    assert (claude["ANTHROPIC_API_KEY"], claude["ANTHROPIC_BASE_URL"]) == ("sk-ant-1", "https://api.anthropic.com")
    assert (codex["OPENAI_API_KEY"], codex["OPENAI_BASE_URL"]) == ("sk-oai-1", "https://api.openai.com/v1")
    official = "https://generativelanguage.googleapis.com"
    assert (gemini["GEMINI_API_KEY"], gemini["GOOGLE_GEMINI_BASE_URL"]) == ("gm-1", official)
    assert "OPENAI_API_KEY" not in claude and "ANTHROPIC_API_KEY" not in codex and "OPENAI_API_KEY" not in gemini
    # Gemini CLI takes a key and URL from its environment only with the API-key auth type selected.
    settings = json.loads((Path(gemini["HOME"]) / ".gemini" / "settings.json").read_text())
    assert settings == {"security": {"auth": {"selectedType": "gemini-api-key"}}}


@pytest.mark.parametrize(
    ("adapter", "model", "api"),
    [
        (Adapter.CLAUDE_LOCAL, None, "anthropic"),
        (Adapter.CODEX_LOCAL, None, "openai"),
        (Adapter.OPENCODE_LOCAL, "anthropic/claude-sonnet-4-5", "anthropic"),
        (Adapter.OPENCODE_LOCAL, "openai/gpt-4o-mini", "openai"),
        (Adapter.GEMINI_LOCAL, None, "gemini"),
    ],
)
async def test_a_key_bound_to_a_url_reaches_the_model_server_there(
    adapter: Adapter, model: str | None, api: str, fake_cli: Path, tmp_path: Path, server: FakeModelServer
) -> None:
    url = {"anthropic": server.base_url_anthropic, "gemini": server.base_url}.get(api, server.base_url_openai)
    name, key = (
        f"{api.upper()}_API_KEY",
        {"anthropic": server.anthropic_key, "gemini": server.gemini.key}.get(api, server.openai_key),
    )
    # The deployment binds its key to the server (as it would to a proxy of its own).
    url_variable = "GOOGLE_GEMINI_BASE_URL" if api == "gemini" else f"{api.upper()}_BASE_URL"
    acts = keyed(tmp_path, {name: key, url_variable: url})
    script(fake_cli, "model")
    await ActivityEnvironment().run(acts.cli_turn, turn(adapter, model=model, base_url=url, credential=name))
    (run,) = runs(fake_cli)
    path = {"anthropic": "/v1/messages", "gemini": "/v1beta/models/fake-model:generateContent"}.get(
        api, "/v1/chat/completions"
    )
    path = "/v1/responses" if adapter is Adapter.CODEX_LOCAL else path  # Codex speaks only the Responses API
    assert run["model_call"] == {"url": f"{server.base_url}{path}", "status": 200}  # the key it accepts
    assert run["environ"][name] == key
    assert len(server.requests) == 1


async def test_a_key_is_not_given_where_it_is_not_bound(
    fake_cli: Path, tmp_path: Path, server: FakeModelServer
) -> None:
    acts = keyed(tmp_path, {"ANTHROPIC_API_KEY": server.anthropic_key})  # bound to the official URL only
    script(fake_cli, "model", "model")
    elsewhere = turn(Adapter.CLAUDE_LOCAL, base_url=server.base_url_anthropic, credential="ANTHROPIC_API_KEY")
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(acts.cli_turn, elsewhere)
    assert refused.value.type == "CliAgentRefused" and refused.value.non_retryable
    assert f"credential 'ANTHROPIC_API_KEY' may not be sent to {server.base_url_anthropic}" in refused.value.message
    assert "(it is bound to https://api.anthropic.com:443)" in refused.value.message
    assert runs(fake_cli) == [] and server.requests == []

    # Named nowhere, a URL of the spec's own gets no key: the server is called without one.
    await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CLAUDE_LOCAL, base_url=server.base_url_anthropic))
    (run,) = runs(fake_cli)
    assert run["model_call"]["status"] == 401
    assert "ANTHROPIC_API_KEY" not in run["environ"]
    assert run["environ"]["ANTHROPIC_BASE_URL"] == server.base_url_anthropic


@pytest.mark.parametrize(
    ("adapter", "cli", "why"),
    [
        (
            Adapter.CLAUDE_LOCAL,
            {"credential": "PAPERCLIP_SECRET_KEY"},
            "credential 'PAPERCLIP_SECRET_KEY' is not known",
        ),
        (Adapter.CLAUDE_LOCAL, {"credential": "STRIPE_LIVE_SECRET"}, "credential 'STRIPE_LIVE_SECRET' is not known"),
        (Adapter.CLAUDE_LOCAL, {"credential": "OPENAI_API_KEY"}, "may not be sent to https://api.anthropic.com"),
        (Adapter.PROCESS, {"command": PROCESS, "credential": "OPENAI_API_KEY"}, "is given no provider key"),
        (Adapter.OPENCODE_LOCAL, {"model": "ollama/llama3", "base_url": "http://127.0.0.1:1"}, "no provider key"),
    ],
)
async def test_a_credential_the_tool_may_not_have_starts_nothing(
    adapter: Adapter, cli: dict, why: str, fake_cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    acts = keyed(tmp_path, dict(os.environ))
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(acts.cli_turn, turn(adapter, **cli))
    assert refused.value.type == "CliAgentRefused" and refused.value.non_retryable
    assert why in refused.value.message
    assert runs(fake_cli) == []


async def test_a_workspace_outside_the_roots_starts_nothing_however_it_gets_there(
    fake_cli: Path, tmp_path: Path
) -> None:
    roots = tmp_path / "repos"
    (roots / "shop").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (roots / "link").symlink_to(tmp_path / "outside")
    acts = CliActivities(FakeStore(), home=tmp_path / "home", workspace_roots=[roots], sandbox=False)
    for workspace in (
        tmp_path / "outside",
        f"{roots}/../outside",
        roots / "link",
        roots / "link" / "deeper",
        tmp_path / "home" / "workspaces" / "other-co" / "dev",  # another company's folder
        "repos/shop",  # relative: relative to whatever the worker's directory is
    ):
        with pytest.raises(ApplicationError) as refused:
            await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CODEX_LOCAL, workspace=str(workspace)))
        assert refused.value.type == "CliAgentRefused" and "outside the deployment's workspace roots" in str(
            refused.value
        ), workspace
    assert runs(fake_cli) == []
    for workspace in (roots / "shop", tmp_path / "home" / "workspaces" / "acme" / "shared", None):
        await ActivityEnvironment().run(
            acts.cli_turn, turn(Adapter.CODEX_LOCAL, workspace=workspace and str(workspace))
        )
    assert len(runs(fake_cli)) == 3


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)


async def test_the_worktree_is_made_with_the_agents_environment_and_no_repository_hook(
    fake_cli: Path, turns, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERCLIP_SECRET_KEY", SECRETS["PAPERCLIP_SECRET_KEY"])
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "start")
    # A hook an agent could have written: it would run at `git worktree add`, with git's environment.
    hook = repo / ".git" / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\nenv > {tmp_path / 'hook-ran'}\n")
    hook.chmod(0o755)
    acts, _ = turns
    await ActivityEnvironment().run(acts.cli_turn, turn(Adapter.CODEX_LOCAL, workspace=str(repo)))
    (run,) = runs(fake_cli)
    assert run["cwd"] == str(acts.home / "worktrees" / "acme" / SESSION.task)  # the worktree was made
    assert not (tmp_path / "hook-ran").exists()
