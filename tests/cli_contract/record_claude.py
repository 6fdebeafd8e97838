"""Record the pinned Claude Code's real stream-json output, as test fixtures for the hand-written
fake (`tests/fakes/cli_agent.py`), which is checked against them (`test_claude_fake.py`)::

    python -m tests.cli_contract.record_claude

Each recording is one run of the real tool against the fake model server, its stdout as it came
(one JSON event a line), the temporary folders' paths replaced by `/tmp/recorded`:

- `turn.jsonl`: a new session; the model calls Bash to write a file (which `-p`'s default
  permissions deny), then answers: `system/init`, `assistant` (text, then `tool_use`), `user`
  (the `tool_result`), `assistant`, and a `result/success` with `permission_denials`.
- `unknown-session.jsonl`: `--resume` of a session that does not exist: a `result` of subtype
  `error_during_execution` whose reason is in `errors`, with no `result` field.
- `budget.jsonl`: the same turn with `--max-budget-usd 0.01`: a `result/error_max_budget_usd`
  whose `usage` is all zeros; what was spent is in `modelUsage` only.
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path

from tests.cli_contract.npm import PINNED, installed
from tests.fakes import FakeModelServer

RECORDED = Path(__file__).resolve().parents[1] / "fakes" / "recorded" / f"claude-{PINNED['claude'].version}"
WRITE_A_FILE = {"command": "echo hi > notes.txt", "description": "Write the notes"}
UNKNOWN_SESSION = "00000000-0000-4000-8000-000000000000"


def stream_json(claude: Path, server: FakeModelServer, root: Path, args: list[str], prompt: str) -> list[str]:
    """The stdout lines of one `claude -p` run in `root`, with its own HOME."""
    home, work = root / "home", root / "work"
    home.mkdir(exist_ok=True)
    work.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TERM": "dumb",
        "ANTHROPIC_BASE_URL": server.base_url,
        "ANTHROPIC_API_KEY": server.anthropic_key,
    }
    done = subprocess.run(
        [str(claude), "-p", "--output-format", "stream-json", "--verbose", "--model", "claude-sonnet-4-5", *args],
        input=prompt,
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        timeout=300,
    )
    return [line.replace(str(root), "/tmp/recorded") for line in done.stdout.splitlines() if line.strip()]


def record() -> dict[str, list[str]]:
    claude = installed("claude")
    recordings: dict[str, list[str]] = {}
    with FakeModelServer() as server, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server.call_next("Bash", json.dumps(WRITE_A_FILE))
        server.say_next("Done.")
        recordings["turn"] = stream_json(claude, server, root, [], "Task ACME-1: write the notes")
        recordings["unknown-session"] = stream_json(claude, server, root, ["--resume", UNKNOWN_SESSION], "Go on.")
        server.reset()
        server.call_next("Bash", json.dumps(WRITE_A_FILE))
        recordings["budget"] = stream_json(
            claude, server, root, ["--max-budget-usd", "0.01"], "Task ACME-2: write the notes"
        )
    return recordings


def load(name: str) -> list[dict]:
    """The events of recording `name` (`turn`, `unknown-session`, `budget`)."""
    return [json.loads(line) for line in (RECORDED / f"{name}.jsonl").read_text().splitlines()]


def main() -> None:
    RECORDED.mkdir(parents=True, exist_ok=True)
    for name, lines in record().items():
        (RECORDED / f"{name}.jsonl").write_text("".join(line + "\n" for line in lines))
        print(f"{RECORDED / name}.jsonl: {len(lines)} events")


if __name__ == "__main__":
    main()
