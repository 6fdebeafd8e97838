"""CLI and `process` agents' turns in the sandbox, with real processes under bubblewrap: what
they cannot reach (`$PAPERCLIP_HOME`, another task's worktree, the worker's environment), what
they still can (their workspace, their HOME, the API on loopback, a commit on their branch),
nothing of them left after a cancel or a timeout, and a clear failure where there is no sandbox.
Each escape is also tried unsandboxed, where it succeeds: the probe itself works."""

import asyncio
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.cli import sandbox as cli_sandbox
from activities.cli.activity import CliActivities
from activities.sandbox.bwrap import bwrap_path
from paperclip.models import Adapter, CliConfig, CliTurnInput, SessionRef
from tests.activities.cli_helpers import fakes_on_path
from tests.activities.conftest import FakeStore

pytestmark = pytest.mark.skipif(bwrap_path() is None, reason="needs bubblewrap (apt-get install bubblewrap)")

WORKER_SECRET = "worker-secret-4f1c9a"
PROBE = r"""
import json, os, sys
def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError as err:
        return "ERR " + type(err).__name__
environs = ""
for pid in os.listdir("/proc"):
    if pid.isdigit():
        environs += read(f"/proc/{pid}/environ")
with open("made-inside.txt", "w") as f:
    f.write("written in the sandbox")
print(json.dumps({
    "secret_key": read(sys.argv[1]),
    "other_worktree": read(sys.argv[2]),
    "environs_hold_secret": sys.argv[4] in environs,
    "env": dict(os.environ),
    "home_listing": sorted(os.listdir(sys.argv[3])) if os.path.isdir(sys.argv[3]) else None,
}))
"""


def session(task: str = "ACME-1") -> SessionRef:
    return SessionRef(company_id="acme", task=task, agent="dev", goal="G1")


def process_turn(command: list[str], workspace: Path, *, task: str = "ACME-1", **cli: object) -> CliTurnInput:
    return CliTurnInput(
        session=session(task),
        seq=1,
        adapter=Adapter.PROCESS,
        cli=CliConfig(command=command, workspace=str(workspace), **cli),  # type: ignore[arg-type]
        prompt="go",
    )


def acts(tmp_path: Path, *, sandbox: bool = True, api_url: str = "http://127.0.0.1:8000") -> CliActivities:
    return CliActivities(
        FakeStore(), home=tmp_path / "home", api_url=api_url, workspace_roots=[tmp_path / "roots"], sandbox=sandbox
    )


@pytest.fixture
def secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """A secret key in `$PAPERCLIP_HOME`, another task's worktree with a file, a secret in the
    worker's environment and in that of a process of the worker's (this process's own
    `/proc/self/environ` is what it started with), and the test's interpreter first on PATH."""
    fakes_on_path(tmp_path, monkeypatch)
    monkeypatch.setenv("PAPERCLIP_SECRET_KEY", WORKER_SECRET)
    worker = subprocess.Popen(["sleep", "120"], env={"PAPERCLIP_SECRET_KEY": WORKER_SECRET})
    key = tmp_path / "home" / "secret.key"
    key.parent.mkdir(parents=True)
    key.write_text(WORKER_SECRET)
    other = tmp_path / "home" / "worktrees" / "acme" / "ACME-2" / "notes.txt"
    other.parent.mkdir(parents=True)
    other.write_text("another task's work")
    (tmp_path / "roots").mkdir()
    yield key, other
    worker.kill()
    worker.wait()


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandboxed", "unsandboxed"])
async def test_a_process_agent_cannot_read_the_home_another_worktree_or_the_workers_environment(
    sandbox: bool, secrets: tuple[Path, Path], tmp_path: Path
) -> None:
    key, other = secrets
    ws = tmp_path / "roots" / "ws"
    command = ["python3", "-c", PROBE, str(key), str(other), str(tmp_path / "home"), WORKER_SECRET]
    result = await ActivityEnvironment().run(acts(tmp_path, sandbox=sandbox).cli_turn, process_turn(command, ws))
    seen = json.loads(result.reply.content)
    # It wrote in its workspace, which the host sees.
    assert (ws / "made-inside.txt").read_text() == "written in the sandbox"
    assert "PAPERCLIP_SECRET_KEY" not in seen["env"]  # scrubbed either way (environment.py)
    if not sandbox:  # the probe works: unsandboxed, the worker's powers are the agent's
        assert seen["secret_key"] == WORKER_SECRET and seen["other_worktree"] == "another task's work"
        assert seen["environs_hold_secret"]  # the worker's process's /proc/<pid>/environ
        return
    assert seen["secret_key"].startswith("ERR") and seen["other_worktree"].startswith("ERR")
    assert not seen["environs_hold_secret"]
    # Of $PAPERCLIP_HOME it sees only the way to its workspace-less HOME: no key, no worktrees.
    assert seen["home_listing"] == ["homes"]
    assert seen["env"]["HOME"] == str(tmp_path / "home" / "homes" / "acme" / "dev")
    assert seen["env"]["PAPERCLIP_TASK_ID"] == "ACME-1" and seen["env"]["TMPDIR"] == "/tmp"


async def test_a_sandboxed_agent_still_reaches_the_api_on_loopback(secrets, tmp_path: Path) -> None:
    seen: list[str] = []

    class Api(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        program = (
            "import os, urllib.request; "
            "print(urllib.request.urlopen(os.environ['PAPERCLIP_API_URL'] + '/api/health', timeout=10).read().decode())"
        )
        result = await ActivityEnvironment().run(
            acts(tmp_path, api_url=url).cli_turn, process_turn(["python3", "-c", program], tmp_path / "roots" / "ws")
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.reply.content == '{"ok": true}' and seen == ["/api/health"]


def marked(mark: str) -> list[int]:
    """Host pids of the live processes whose environment holds `mark`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if mark.encode() in (entry / "environ").read_bytes() and b"Z" not in _state(entry):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _state(entry: Path) -> bytes:
    stat = (entry / "stat").read_bytes()
    return stat[stat.rfind(b")") + 2 :][:1]


HANG = "setsid sleep 1000 & sleep 1000 & echo started; wait"


async def until_marked(mark: str, n: int) -> list[int]:
    deadline = time.monotonic() + 20
    while len(found := marked(mark)) < n:
        assert time.monotonic() < deadline, "the agent's processes never started"
        await asyncio.sleep(0.05)
    return found


async def test_cancelling_a_sandboxed_turn_leaves_no_process_a_setsid_one_included(secrets, tmp_path: Path) -> None:
    mark = f"SANDBOX_TEST_MARK={uuid.uuid4().hex}"
    env = ActivityEnvironment()
    turn = process_turn(["sh", "-c", HANG], tmp_path / "roots" / "ws", env={mark.split("=")[0]: mark.split("=")[1]})
    running = asyncio.ensure_future(env.run(acts(tmp_path).cli_turn, turn))
    await until_marked(mark, 4)  # bubblewrap's two, sh, two sleeps (one in its own session)
    started = time.monotonic()
    env.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert marked(mark) == [] and time.monotonic() - started < 5


async def test_a_sandboxed_turn_past_its_timeout_leaves_no_process(secrets, tmp_path: Path) -> None:
    mark = f"SANDBOX_TEST_MARK={uuid.uuid4().hex}"
    turn = process_turn(
        ["sh", "-c", HANG],
        tmp_path / "roots" / "ws",
        env={mark.split("=")[0]: mark.split("=")[1]},
        turn_timeout_seconds=3,
        grace_seconds=0.5,
    )
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(acts(tmp_path).cli_turn, turn)
    assert failed.value.type == "CliTurnTimeout"
    assert marked(mark) == []


async def test_a_retry_on_the_same_host_kills_what_the_lost_attempt_left_in_its_sandbox(
    secrets, tmp_path: Path
) -> None:
    # The lost attempt (its worker "died": here, it is only forgotten) left its sandbox running; the
    # retry finds it by the pid and marker the attempt heartbeated, before it starts its own.
    mark = f"SANDBOX_TEST_MARK={uuid.uuid4().hex}"
    lost_env = ActivityEnvironment()
    beats: list[dict] = []
    lost_env.on_heartbeat = lambda *d: beats.append(d[0])
    lost_turn = process_turn(
        ["sh", "-c", HANG], tmp_path / "roots" / "ws", env={mark.split("=")[0]: mark.split("=")[1]}
    )
    lost = asyncio.ensure_future(lost_env.run(acts(tmp_path).cli_turn, lost_turn))
    await until_marked(mark, 4)
    while not beats:
        await asyncio.sleep(0.05)
    retry = ActivityEnvironment()
    retry.info = retry.info.__class__(**{**retry.info.__dict__, "attempt": 2, "heartbeat_details": [beats[-1]]})
    result = await retry.run(acts(tmp_path).cli_turn, process_turn(["echo", "again"], tmp_path / "roots" / "ws"))
    assert result.reply.content == "again"
    assert marked(mark) == []  # bubblewrap, the shell and both sleeps, the `setsid` one included
    with pytest.raises(ApplicationError) as killed:
        await lost
    assert killed.value.type == "CliAgentFailed"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "roots" / "repo"
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "start")
    yield path


async def test_a_sandboxed_agent_commits_in_its_worktree_but_cannot_change_the_repositorys_config(
    secrets, repo: Path, tmp_path: Path
) -> None:
    script = (
        "echo work > work.txt && git add work.txt && "
        "git -c user.name=dev -c user.email=dev@e commit -q -m 'the work' && "
        "(git config core.fsmonitor 'touch /tmp/owned' 2>/dev/null && echo CONFIG-CHANGED || echo config-refused) && "
        "(echo x > $(git rev-parse --git-common-dir)/hooks/post-checkout 2>/dev/null && echo HOOK"
        " || echo hook-refused) && "
        "(ls ../../../workspaces 2>/dev/null || echo no-home)"
    )
    result = await ActivityEnvironment().run(
        acts(tmp_path).cli_turn, process_turn(["sh", "-c", script], repo, worktrees=True)
    )
    assert result.reply.content.split() == ["config-refused", "hook-refused", "no-home"]
    assert git(repo, "log", "-1", "--format=%s", "paperclip/acme/ACME-1").strip() == "the work"
    assert "fsmonitor" not in (repo / ".git" / "config").read_text()


async def test_a_fake_claude_code_keeps_its_session_in_its_home_between_sandboxed_turns(
    secrets, tmp_path: Path
) -> None:
    ws = tmp_path / "roots" / "ws"
    log = ws / "runs.jsonl"  # inside the workspace: the only place of the host it may write but its HOME
    cli = {"workspace": str(ws), "env": {"FAKE_CLI_LOG": str(log)}}
    activities = acts(tmp_path)
    first = await ActivityEnvironment().run(
        activities.cli_turn,
        CliTurnInput(session=session(), seq=1, adapter=Adapter.CLAUDE_LOCAL, cli=CliConfig(**cli), prompt="one"),  # type: ignore[arg-type]
    )
    second = await ActivityEnvironment().run(
        activities.cli_turn,
        CliTurnInput(
            session=session(),
            seq=2,
            adapter=Adapter.CLAUDE_LOCAL,
            cli=CliConfig(**cli),
            prompt="two",
            resume=first.session_id,
        ),  # type: ignore[arg-type]
    )
    assert second.reply.content.endswith(f"(resumed {first.session_id})")
    one, two = (json.loads(line) for line in log.read_text().splitlines())
    assert one["cwd"] == str(ws) and one["environ"]["HOME"] == str(tmp_path / "home" / "homes" / "acme" / "dev")
    assert WORKER_SECRET not in json.dumps(one["environ"])
    assert (tmp_path / "home" / "homes" / "acme" / "dev" / ".fake-claude" / "sessions").is_dir()
    assert one["pid"] <= 3 and two["pid"] <= 3  # pids of a namespace of its own (bubblewrap's is 1)


async def test_without_bubblewrap_a_turn_fails_saying_how_to_fix_it(
    secrets, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_sandbox, "bwrap_path", lambda: None)
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(
            acts(tmp_path).cli_turn, process_turn(["python3", "-c", "print(1)"], tmp_path / "roots" / "ws")
        )
    assert failed.value.type == "CliSandboxUnavailable" and failed.value.non_retryable
    assert "apt-get install bubblewrap" in failed.value.message
    assert "PAPERCLIP_CLI_SANDBOX=false" in failed.value.message


async def test_a_missing_tool_is_still_said_to_be_missing_in_the_sandbox(secrets, tmp_path: Path) -> None:
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(
            acts(tmp_path).cli_turn, process_turn(["no-such-agent-tool"], tmp_path / "roots" / "ws")
        )
    assert failed.value.type == "CliAgentMissing" and "no-such-agent-tool" in failed.value.message


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
async def test_an_npm_installed_cli_outside_the_system_runs_with_its_package(secrets, tmp_path: Path) -> None:
    # An npm prefix of its own (as nvm's `~/.nvm/versions/node/<v>`): bin/tool → its package's
    # script, which requires a module of its package and runs under node, with the limits.
    prefix = tmp_path / "npm-prefix"
    package = prefix / "lib" / "node_modules" / "tool"
    package.mkdir(parents=True)
    (package / "answer.js").write_text("module.exports = (s) => 'tool says: ' + s.trim();\n")
    (package / "cli.js").write_text(
        "#!/usr/bin/env node\n"
        "const answer = require('./answer.js');\n"
        "let input = ''; process.stdin.on('data', (d) => (input += d));\n"
        "process.stdin.on('end', () => console.log(answer(input)));\n"
    )
    (package / "cli.js").chmod(0o755)
    (prefix / "bin").mkdir()
    (prefix / "bin" / "tool").symlink_to("../lib/node_modules/tool/cli.js")
    result = await ActivityEnvironment().run(
        acts(tmp_path).cli_turn,
        process_turn([str(prefix / "bin" / "tool")], tmp_path / "roots" / "ws", prompt_on_stdin=True),
    )
    assert result.reply.content == "tool says: go"


async def test_the_turns_environment_is_not_on_bubblewraps_command_line(secrets, tmp_path: Path) -> None:
    # Anyone on the host may read a command line (`ps`); the key and the task token are only in the
    # environment bubblewrap is started with, which its command inherits.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path / "h"), "ANTHROPIC_API_KEY": "sk-ant-secret"}
    wrapped = await cli_sandbox.turn_sandbox(
        ["python3", "-c", "pass"],
        env | {"PAPERCLIP_TASK_TOKEN": "ptt1.secret"},
        workspace=tmp_path / "roots",
        agent_home=tmp_path / "h",
        home=tmp_path / "home",
        roots=[tmp_path / "roots"],
        command=[],
        timeout=60,
        grace=1,
    )
    assert not [a for a in wrapped.argv if "secret" in a]
    assert wrapped.env["ANTHROPIC_API_KEY"] == "sk-ant-secret" and wrapped.env["PAPERCLIP_TASK_TOKEN"] == "ptt1.secret"
    assert str(tmp_path / "home") not in [a for a in wrapped.argv if a.startswith("/")]


async def test_a_sandboxed_turn_past_its_budget_is_stopped_and_leaves_no_process(secrets, tmp_path: Path) -> None:
    ws = tmp_path / "roots" / "ws"
    ws.mkdir(parents=True)
    (ws / "script").write_text("spendy")  # 50 steps of $0.002, 0.1 s apart: 5 s if not stopped
    mark = f"SANDBOX_TEST_MARK={uuid.uuid4().hex}"
    env = {"FAKE_CLI_SCRIPT": str(ws / "script"), mark.split("=")[0]: mark.split("=")[1]}
    started = time.monotonic()
    result = await ActivityEnvironment().run(
        acts(tmp_path).cli_turn,
        CliTurnInput(
            session=session(),
            seq=1,
            adapter=Adapter.OPENCODE_LOCAL,
            cli=CliConfig(workspace=str(ws), env=env, turn_budget_usd=0.005, grace_seconds=1),
            prompt="spend",
        ),
    )
    assert time.monotonic() - started < 4 and marked(mark) == []
    assert result.cost_usd == pytest.approx(0.006)
