"""The real Codex CLI (`tests.cli_contract.npm`, pinned) pointed at the fake model server's
Responses API, run through the product's CLI-turn activity; and the shape of its streams, which
the recorded ones (`tests/fakes/recorded/codex-*.jsonl`) and the hand-written fake share.

Its folders are outside the temporary directory: Codex will not install the helper its sandbox
runs commands with under `$TMPDIR` ("Refusing to create helper binaries under temporary dir"),
and every command then fails.
"""

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from activities.cli.activity import CliActivities
from activities.cli.codex import Codex
from activities.cli.credentials import EnvironmentKeys
from paperclip.models import Adapter, CliConfig, CliPermissions, CliTurnInput, SessionRef
from tests.cli_contract.npm import PINNED, cache_root, installed
from tests.fakes.model_server import FakeModelServer

MODEL = "gpt-5.5"
"""A model Codex 0.171 knows (for another it warns that it has no metadata for it)."""
RECORDED = Path(__file__).resolve().parents[1] / "fakes" / "recorded"
SESSION = SessionRef(company_id="acme", task="ACME-1", agent="dev")


def recorded(scenario: str) -> Path:
    return RECORDED / f"codex-{PINNED['codex'].version}-{scenario}.jsonl"


def work_folder() -> Iterator[Path]:
    """A fresh folder for a test's `PAPERCLIP_HOME` and workspaces, outside `$TMPDIR`, removed after."""
    parent = cache_root() / "runs"
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="codex-", dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def activities(store: Any, folder: Path, server: FakeModelServer, *, sandbox: bool = False) -> CliActivities:
    """CLI turns whose `codex` is the pinned real one, the deployment's OpenAI key the fake
    server's (bound to its URL), the agents' homes and workspaces in `folder`."""
    bin_dir = installed("codex").parent
    return CliActivities(
        store,
        home=folder / "home",
        api_url=server.base_url,
        keys=EnvironmentKeys({"OPENAI_API_KEY": server.openai_key, "OPENAI_BASE_URL": server.base_url_openai}),
        workspace_roots=[folder / "roots"],
        environ={"PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"},
        sandbox=sandbox,
    )


def turn(
    server: FakeModelServer,
    prompt: str,
    *,
    seq: int = 1,
    resume: str | None = None,
    permissions: CliPermissions | None = None,
) -> CliTurnInput:
    cli = CliConfig(
        model=MODEL,
        base_url=server.base_url_openai,
        credential="OPENAI_API_KEY",
        permissions=permissions,
        turn_timeout_seconds=120,
    )
    return CliTurnInput(session=SESSION, seq=seq, adapter=Adapter.CODEX_LOCAL, cli=cli, prompt=prompt, resume=resume)


def run_codex(server: FakeModelServer, folder: Path, prompt: str, *, resume: str | None = None) -> str:
    """Run the real `codex` once as the adapter starts it (no sandbox), in `folder`; its stdout."""
    argv, stdin = Codex().argv(turn(server, prompt).cli, prompt, resume)
    (folder / "ws").mkdir(exist_ok=True)
    (folder / "agent-home").mkdir(exist_ok=True)
    env = {
        "PATH": f"{installed('codex').parent}:/usr/bin:/bin",
        "HOME": str(folder / "agent-home"),
        "TERM": "dumb",
        "OPENAI_API_KEY": server.openai_key,
    }
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, cwd=folder / "ws", env=env, timeout=120)
    return done.stdout


def events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def shape(stream: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """What a stream says, without its values: each event's type (an item's type with it) and
    the fields of its usage or error, in order."""
    shapes = []
    for event in stream:
        kind = event["type"]
        if kind.startswith("item."):
            shapes.append((kind, event["item"]["type"]))
        elif kind == "turn.completed":
            shapes.append((kind, *sorted(event["usage"])))
        elif kind == "turn.failed":
            shapes.append((kind, *sorted(event["error"])))
        elif kind == "error":
            shapes.append((kind, "Reconnecting" if event["message"].startswith("Reconnecting...") else "message"))
        else:
            shapes.append((kind,))
    return shapes
