"""Fixtures of the contract tests (`tests/cli_contract/real.py` says what they run for OpenCode
and Gemini CLI). The real coding CLIs (pinned, from npm: `tests.cli_contract.npm`) run through the product's own
turn activity against the fake model server, which logs what they send and answers as the
provider does.

`claude_turns` runs Claude Code turns as a worker would: in the agent's workspace and HOME under
`tmp_path`, the tool on the worker's PATH, its key the deployment's (`ANTHROPIC_API_KEY`, bound to
the fake server's URL, which the agent's `cli.base_url` names).
"""

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment

from activities.cli.activity import CliActivities
from activities.cli.credentials import EnvironmentKeys
from paperclip.models import Adapter, CliConfig, CliGrant, CliTurnInput, CliTurnResult, SessionRef, ToolRule, Usage
from tests.activities.conftest import FakeStore
from tests.cli_contract.npm import installed
from tests.fakes import FakeModelServer

KEY = "test-key"
SESSION = SessionRef(company_id="acme", task="ACME-1", agent="dev", goal="G1")


@pytest.fixture(scope="session")
def claude_bin() -> Path:
    """The pinned Claude Code's executable (installed on first use, then offline)."""
    return installed("claude")


@pytest.fixture(scope="module")
def provider_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def provider(provider_server: FakeModelServer) -> FakeModelServer:
    """The module's fake provider, reset for this test."""
    provider_server.reset()
    return provider_server


def provider_usage(server: FakeModelServer) -> Usage:
    """What the fake provider counted, over every call it answered."""
    return sum(server.usages, Usage())


@dataclass
class ClaudeTurns:
    """Claude Code turns of one agent through the turn activity (`CliActivities.cli_turn`)."""

    acts: CliActivities
    store: FakeStore
    server: FakeModelServer
    workspace: Path

    async def run(
        self,
        prompt: str = "Task ACME-1: say hello",
        *,
        seq: int = 1,
        resume: str | None = None,
        rules: Sequence[ToolRule] = (),
        granted: Sequence[CliGrant] = (),
        **cli: Any,
    ) -> CliTurnResult:
        """One turn; `cli` are `CliConfig` fields (the fake server's URL is its `base_url`);
        `rules` and `granted` the tool policy's and the approved calls (`CliTurnInput`)."""
        config = CliConfig(
            base_url=self.server.base_url, credential="ANTHROPIC_API_KEY", workspace=str(self.workspace), **cli
        )
        input = CliTurnInput(
            session=SESSION,
            seq=seq,
            adapter=Adapter.CLAUDE_LOCAL,
            cli=config,
            prompt=prompt,
            resume=resume,
            rules=list(rules),
            granted=list(granted),
        )
        return await ActivityEnvironment().run(self.acts.cli_turn, input)


def claude_activities(tmp_path: Path, claude_bin: Path, server: FakeModelServer, *, sandbox: bool) -> ClaudeTurns:
    store = FakeStore()
    worker = {
        "PATH": os.pathsep.join([str(claude_bin.parent), os.environ.get("PATH", "/usr/bin:/bin")]),
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": server.base_url,  # the deployment binds its key to this URL too
    }
    acts = CliActivities(
        store,
        home=tmp_path / "home",
        api_url="http://127.0.0.1:9",
        keys=EnvironmentKeys(worker),
        workspace_roots=[tmp_path / "roots"],
        environ=worker,
        sandbox=sandbox,
    )
    workspace = tmp_path / "roots" / "shop"
    workspace.mkdir(parents=True)
    return ClaudeTurns(acts, store, server, workspace)


@pytest.fixture
def claude_turns(tmp_path: Path, claude_bin: Path, provider: FakeModelServer) -> ClaudeTurns:
    """Claude Code turns, unsandboxed (what the tool does, not what the sandbox lets it)."""
    return claude_activities(tmp_path, claude_bin, provider, sandbox=False)


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def server(model_server: FakeModelServer) -> FakeModelServer:
    """The module's fake provider, reset for this test."""
    model_server.reset()
    model_server.cached_input_tokens = 0
    model_server.gemini.key, model_server.gemini.thoughts_tokens = "test-key", 0
    return model_server
