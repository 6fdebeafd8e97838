"""A deployment of separate processes on one machine, as a cluster runs them on several: API
processes (`paperclip api`) and worker processes (`paperclip worker`), each with its own
`PAPERCLIP_HOME` as if on its own host, all against one Temporal server and one PostgreSQL.

Every "host" mounts the same secrets folder (`PAPERCLIP_SECRETS_DIR`, a file named
`PAPERCLIP_SECRET_KEY`), as a cluster mounts one secret into every pod: a credential one API
process seals, any worker opens, and a task token one worker signs, any API process checks.
Used by `tests/test_scale_out_end_to_end.py` and `bench/scale_out.py`.
"""

import asyncio
import base64
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from paperclip import board
from paperclip.constants import cli_queue

SECRET_KEY_FILE = "PAPERCLIP_SECRET_KEY"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def polled(client: Client, queue: str, *, timeout: float = 90) -> None:
    """Wait until a worker polls `queue` for activities (a worker process takes seconds to start)."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    )
    deadline = asyncio.get_running_loop().time() + timeout
    while not (await client.workflow_service.describe_task_queue(request)).pollers:
        assert asyncio.get_running_loop().time() < deadline, f"no worker polls {queue}"
        await asyncio.sleep(0.2)


@dataclass
class Api:
    """An API process: its URL and the board's credential of its host."""

    url: str
    headers: dict[str, str]
    process: subprocess.Popen[bytes]


@dataclass
class Cluster:
    """Starts the processes of one deployment under `root` (one folder per host).

    Args:
        root: where each host's home, log and the shared secrets folder go.
        client: a connection to the Temporal server (to see a worker poll; each process makes its own).
        database_url: the store every process shares (already migrated: the one-shot job's work).
        queue: the deployment's task queue.
        env: more environment for every process (credentials' bindings, the sandbox setting).
    """

    root: Path
    client: Client
    database_url: str
    queue: str
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        secrets = self.root / "secrets"
        secrets.mkdir(parents=True, exist_ok=True)
        key = secrets / SECRET_KEY_FILE
        if not key.exists():
            key.write_text(base64.b64encode(os.urandom(32)).decode())
            key.chmod(0o600)
        self.secrets = secrets

    def home(self, host: str) -> Path:
        return self.root / host

    def _environment(self, host: str, **extra: str) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PAPERCLIP_")}
        return environment | {
            "PAPERCLIP_HOME": str(self.home(host)),
            "PAPERCLIP_ENV_FILE": "",  # no `.env` of the checkout's
            "PAPERCLIP_SECRETS_DIR": str(self.secrets),
            "TEMPORAL_ADDRESS": self.client.service_client.config.target_host,
            "PAPERCLIP_DATABASE_URL": self.database_url,
            "PAPERCLIP_TASK_QUEUE": self.queue,
            "PYTHONUNBUFFERED": "1",
            **self.env,
            **extra,
        }

    def _spawn(self, host: str, role: str, environment: dict[str, str]) -> subprocess.Popen[bytes]:
        self.home(host).mkdir(parents=True, exist_ok=True)
        log = (self.root / f"{host}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", role],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill takes its children too
        )
        log.close()
        self.processes[host] = process
        return process

    async def start_worker(self, host: str, **extra: str) -> subprocess.Popen[bytes]:
        """`paperclip worker` as host `host`, once it polls its host's own CLI queue."""
        process = self._spawn(host, "worker", self._environment(host, PAPERCLIP_WORKER_HOST=host, **extra))
        await polled(self.client, cli_queue(self.queue, host))
        return process

    async def start_api(self, host: str) -> Api:
        """`paperclip api` as host `host` on a free port, once it answers its health check."""
        port = free_port()
        process = self._spawn(
            host, "api", self._environment(host, PAPERCLIP_HOST="127.0.0.1", PAPERCLIP_API_PORT=str(port))
        )
        url = f"http://127.0.0.1:{port}"
        deadline = asyncio.get_running_loop().time() + 90
        async with httpx.AsyncClient(timeout=5) as http:
            while True:
                assert process.poll() is None, f"API {host} exited: {self.log(host)}"
                try:
                    if (await http.get(f"{url}/api/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert asyncio.get_running_loop().time() < deadline, f"API {host} never answered: {self.log(host)}"
                await asyncio.sleep(0.2)
        token = board.ensure_token(self.home(host))  # the board token of that host's home
        return Api(url, {"Authorization": f"Bearer {token}"}, process)

    def log(self, host: str) -> str:
        path = self.root / f"{host}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def kill(self, host: str) -> None:
        """SIGKILL the host's process group: no shutdown, as when a machine dies."""
        process = self.processes[host]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        """SIGTERM every process still running, then wait for it (SIGKILL after 30 s)."""
        running = [p for p in self.processes.values() if p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
