"""`paperclip doctor` against a real Temporal dev server and a real SQLite store: a healthy
installation is all OK (exit 0); a broken one names each problem with the fix that mends it (exit 1)."""

import asyncio
import json
import os
import socket
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from google.protobuf.duration_pb2 import Duration
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.testing import WorkflowEnvironment

from paperclip.binaries import temporal_cli
from paperclip.secrets import KEY_FILE, load_key
from paperclip.store import Store
from paperclip.store.engine import MIGRATIONS

ROOT = Path(__file__).parent.parent.parent
PORT_SETTINGS = ("PAPERCLIP_API_PORT", "PAPERCLIP_UI_PORT")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(home: Path, temporal: str, **extra: str) -> dict[str, str]:
    """The doctor's environment: its own home, its own free ports, no setting of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERCLIP_") and k != "TEMPORAL_ADDRESS"}
    env.update(PAPERCLIP_HOME=str(home), TEMPORAL_ADDRESS=temporal, PYTHONUNBUFFERED="1", PAPERCLIP_ENV_FILE="")
    env.update({name: str(free_port()) for name in PORT_SETTINGS})
    env.update(extra)
    return env


async def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def doctor_json(env: dict[str, str]) -> tuple[int, dict[str, dict[str, str]]]:
    """The exit code and the findings by check (of the ports', a failing one if there is one)."""
    code, out = await run(env, "doctor", "--json")
    body = json.loads(out)
    assert body["ok"] is (code == 0)
    by_check: dict[str, dict[str, str]] = {}
    ports = [f for f in body["findings"] if f["check"] == "ports"]
    for finding in body["findings"]:
        by_check[finding["check"]] = finding
    by_check["ports"] = next((p for p in ports if p["status"] != "ok"), ports[-1])  # a failing one, if any
    return code, by_check


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A home with its store migrated to the newest revision and its secret key made (0600)."""
    home = tmp_path / "home"
    home.mkdir()
    store = Store(f"sqlite:///{home / 'paperclip.db'}")
    store.migrate()
    store.dispose()
    load_key(home)
    yield home


def downgrade_to(home: Path, revision: str) -> None:
    """Put the store's schema back to `revision`, as a store the previous release left."""
    store = Store(f"sqlite:///{home / 'paperclip.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
    store.dispose()


async def test_a_healthy_installation_is_all_ok(dev_env: WorkflowEnvironment, home: Path) -> None:
    env = environment(home, dev_env.client.service_client.config.target_host, OPENAI_API_KEY="sk-test")
    (home / "backups").mkdir()
    (home / "backups" / "paperclip-20261203T120000Z.tar.gz.enc").write_bytes(b"sealed")

    code, out = await run(env, "doctor")

    assert code == 0, out
    lines = [line for line in out.splitlines() if line and not line.startswith("     ")]
    assert all(line.split()[0] in ("OK", "INFO") for line in lines), out
    assert "fix:" not in out
    for expected in (
        "settings: read",
        "temporal: Temporal at",
        "namespace: namespace 'default' exists",
        "search-attributes: registered: PaperclipCompany, PaperclipAgent, PaperclipStatus",
        "migrations: store schema at revision",
        f"secret-key: {home / KEY_FILE} (mode 0600)",
        "provider-keys: set here: OPENAI_API_KEY",
        "cli-tools: on PATH:",
        "backups: newest paperclip-20261203T120000Z.tar.gz.enc, 0.0 h old",
    ):
        assert expected in out, out
    assert out.count("ports: ") == 2  # API and dashboard; Temporal is elsewhere (TEMPORAL_ADDRESS)


async def test_a_broken_installation_names_each_problem_with_its_fix(home: Path) -> None:
    downgrade_to(home, "0020")
    (home / KEY_FILE).chmod(0o644)
    with socket.socket() as taken:  # another program on the API's port
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = environment(home, f"127.0.0.1:{free_port()}", PAPERCLIP_API_PORT=str(port))
        code, found = await doctor_json(env)

    assert code == 1
    assert found["temporal"]["status"] == "fail" and "does not answer" in found["temporal"]["detail"]
    assert "TEMPORAL_ADDRESS" in found["temporal"]["fix"]
    assert found["migrations"] == {
        "check": "migrations",
        "status": "fail",
        "detail": "store schema at revision 0020, the code needs 0028",
        "fix": "paperclip migrate",
    }
    assert found["secret-key"]["status"] == "fail" and "mode 0644" in found["secret-key"]["detail"]
    assert found["secret-key"]["fix"] == f"chmod 600 {home / KEY_FILE}"
    assert found["ports"]["status"] == "fail" and f"API port 127.0.0.1:{port} is taken" in found["ports"]["detail"]
    assert found["ports"]["fix"] == f"set PAPERCLIP_API_PORT to a free port, or stop what listens on {port}"
    assert found["provider-keys"]["status"] == "warn"
    assert found["cli-tools"]["status"] == "info"
    assert found["backups"]["status"] == "info" and found["backups"]["fix"] == "paperclip backup create"

    # The fixes, applied, mend it (all but Temporal, which is not running).
    code, out = await run(env, "migrate")
    assert code == 0 and "store schema migrated from 0020 to revision 0028" in out, out
    (home / KEY_FILE).chmod(0o600)
    _, found = await doctor_json(env)
    assert found["migrations"]["status"] == "ok" and found["secret-key"]["status"] == "ok"


async def test_missing_search_attributes_are_named_and_the_fix_registers_them(
    dev_env: WorkflowEnvironment, home: Path
) -> None:
    namespace = f"bare-{uuid.uuid4().hex[:8]}"
    await dev_env.client.workflow_service.register_namespace(
        RegisterNamespaceRequest(namespace=namespace, workflow_execution_retention_period=Duration(seconds=86400))
    )
    address = dev_env.client.service_client.config.target_host
    env = environment(home, address, PAPERCLIP_TEMPORAL_NAMESPACE=namespace)

    code, found = await doctor_json(env)

    assert code == 1
    assert found["namespace"]["status"] == "ok"
    attributes = found["search-attributes"]
    assert attributes["status"] == "fail"
    assert attributes["detail"] == f"not registered in {namespace!r}: PaperclipCompany, PaperclipAgent, PaperclipStatus"
    fix = attributes["fix"]
    assert fix.startswith("temporal operator search-attribute create")
    assert fix.count(" && ") == 2
    path = f"{Path(temporal_cli()).parent}{os.pathsep}{os.environ['PATH']}"
    process = await asyncio.create_subprocess_shell(
        fix, env={**os.environ, "PATH": path}, stdout=asyncio.subprocess.PIPE
    )
    await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0
    for _ in range(30):  # the server's search-attribute cache refreshes on its own time
        code, found = await doctor_json(env)
        if found["search-attributes"]["status"] == "ok":
            break
        await asyncio.sleep(1)
    assert found["search-attributes"]["status"] == "ok" and code == 0, found["search-attributes"]


async def test_an_unknown_namespace_and_a_bad_setting_are_failures(dev_env: WorkflowEnvironment, home: Path) -> None:
    address = dev_env.client.service_client.config.target_host
    code, found = await doctor_json(environment(home, address, PAPERCLIP_TEMPORAL_NAMESPACE="nowhere"))
    assert code == 1 and found["namespace"]["status"] == "fail"
    assert found["namespace"]["fix"] == f"temporal operator namespace create --address {address} --namespace nowhere"

    code, out = await run(environment(home, address, PAPERCLIP_API_PORT="eighty"), "doctor")
    assert code == 1
    assert out.startswith("FAIL settings: invalid setting PAPERCLIP_API_PORT (api_port):"), out
    assert "fix: correct it" in out and "temporal:" not in out


async def test_a_port_served_by_our_own_api_is_ok(dev_env: WorkflowEnvironment, home: Path) -> None:
    env = environment(home, dev_env.client.service_client.config.target_host)
    port = env["PAPERCLIP_API_PORT"]
    api = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", "api", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", int(port))
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        code, out = await run(env, "doctor")
    finally:
        api.terminate()
        await api.wait()
    assert f"OK   ports: API port 127.0.0.1:{port}: ours, running" in out, out
    assert code == 0, out
