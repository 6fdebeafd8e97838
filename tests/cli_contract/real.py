"""The contract tests run the real CLIs (`tests/cli_contract/npm.py`: pinned, installed once into
a cache folder, offline after that) through the real CLI-turn activity, each against the fake
provider in the wire format it speaks: their sessions, answers, usage, cost, failures and
permissions as the product reads them, and the ledger against the provider's own counts."""

from pathlib import Path

import pytest

from activities.cli import ADAPTERS
from activities.cli.activity import CliActivities
from paperclip.keys import KeyResolver
from paperclip.models import Adapter, CliConfig, CliTurnInput, SessionRef
from tests.activities.conftest import FakeStore
from tests.cli_contract.npm import installed
from tests.cli_contract.streams import Recording

SESSION = SessionRef(company_id="acme", task="ACME-7", agent="dev", goal="G1")
PROMPT = "Write the release notes\nfor version 2."
TOOLS = {Adapter.OPENCODE_LOCAL: "opencode", Adapter.GEMINI_LOCAL: "gemini"}


class RealCli:
    """Turns of one real CLI through the activity: its store, the agent's HOME and workspace, and
    the lines its tool wrote in the last turn."""

    def __init__(
        self, adapter: Adapter, tmp_path: Path, keys: KeyResolver | None = None, sandbox: bool = False
    ) -> None:
        self.adapter = adapter
        self.executable = installed(TOOLS[adapter])
        self.store = FakeStore()
        self.acts = CliActivities(
            self.store,
            home=tmp_path / "home",
            workspace_roots=[tmp_path],
            keys=keys,
            # Only the tool's folder and the system's on its PATH, as a worker would have them.
            environ={
                "PATH": f"{self.executable.parent}:/usr/local/bin:/usr/bin:/bin",
                "LANG": "C.UTF-8",
                "TMPDIR": str(tmp_path),  # where Gemini CLI writes its error reports
            },
            sandbox=sandbox,
        )
        self.recording = Recording(ADAPTERS[adapter])

    @property
    def agent_home(self) -> Path:
        return self.acts.home / "homes" / SESSION.company_id / SESSION.agent

    @property
    def workspace(self) -> Path:
        return self.acts.home / "workspaces" / SESSION.company_id / SESSION.agent

    def turn(self, *, seq: int = 1, resume: str | None = None, prompt: str = PROMPT, **cli: object) -> CliTurnInput:
        return CliTurnInput(
            session=SESSION,
            seq=seq,
            adapter=self.adapter,
            cli=CliConfig(turn_timeout_seconds=300, grace_seconds=2, **cli),  # type: ignore[arg-type]
            prompt=prompt,
            resume=resume,
        )


def real_cli(adapter: Adapter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **kwargs: object) -> RealCli:
    """A `RealCli`, its adapter recording what the tool writes."""
    cli = RealCli(adapter, tmp_path, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setitem(ADAPTERS, adapter, cli.recording)  # type: ignore[arg-type]
    return cli
