"""The processes of the embedded stack, as `paperclip up` starts them.

They are the very processes a cluster deployment runs on separate machines; only the
addresses differ. Nothing here imports the layers above the kernel.
"""

import asyncio
import importlib.util
import os
import sys
from pathlib import Path

from cli.supervisor import ChildSpec, PortCheck, http_ok
from paperclip.devserver import dev_server_command, wait_until_ready
from paperclip.settings import Settings


def local_api_url(settings: Settings) -> str:
    """The API `paperclip up` starts (not `PAPERCLIP_API_URL`, which may point elsewhere)."""
    return f"http://{settings.host}:{settings.api_port}"


def ui_url(settings: Settings) -> str:
    return f"http://{settings.host}:{settings.ui_port}"


def ui_script() -> str:
    """Path of the dashboard's entry script, found without importing the `ui` package."""
    spec = importlib.util.find_spec("ui")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the 'ui' package is not installed")
    return str(Path(next(iter(spec.submodule_search_locations))) / "app.py")


def api_command(settings: Settings) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app",
        "--host", settings.host, "--port", str(settings.api_port), "--workers", str(settings.api_workers),
    ]  # fmt: skip


def ui_command(settings: Settings) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", ui_script(),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.port", str(settings.ui_port),
        "--server.address", settings.host,
        "--client.toolbarMode", "viewer",
        "--runner.magicEnabled", "false",  # a page's bare strings are notes, not output
    ]  # fmt: skip


def worker_command() -> list[str]:
    return [sys.executable, "-m", "workers"]


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The supervisor's environment, with the home folder pinned and unbuffered output."""
    return {
        **os.environ,
        "PAPERCLIP_HOME": str(settings.home_dir),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def _temporal_ready(settings: Settings) -> bool:
    try:
        asyncio.run(wait_until_ready(settings, timeout=1.0))
    except TimeoutError:
        return False
    return True


def port_checks(settings: Settings) -> list[PortCheck]:
    """The ports `up` binds, each with the setting that moves it."""
    checks = []
    if not settings.temporal_address:
        checks += [
            PortCheck(settings.host, settings.temporal_port, "PAPERCLIP_TEMPORAL_PORT"),
            PortCheck(settings.host, settings.temporal_ui_port, "PAPERCLIP_TEMPORAL_UI_PORT"),
        ]
    checks += [
        PortCheck(settings.host, settings.api_port, "PAPERCLIP_API_PORT"),
        PortCheck(settings.host, settings.ui_port, "PAPERCLIP_UI_PORT"),
    ]
    return checks


def stack(settings: Settings) -> list[ChildSpec]:
    """Dev server (unless `TEMPORAL_ADDRESS` is set), worker, API, dashboard: in start order."""
    env = child_env(settings)
    api_url = local_api_url(settings)
    children = []
    if not settings.temporal_address:
        children.append(
            ChildSpec(
                "temporal",
                dev_server_command(settings),
                env=env,
                ready=lambda: _temporal_ready(settings),
                ready_timeout=60,
            )
        )
    children += [
        ChildSpec("worker", worker_command(), env=env),
        ChildSpec(
            "api",
            api_command(settings),
            env=env,
            ready=lambda: http_ok(f"{api_url}/api/health"),
            ready_timeout=60,
        ),
        ChildSpec(
            "ui",
            ui_command(settings),
            env=child_env(settings, PAPERCLIP_API_URL=api_url),
            ready=lambda: http_ok(f"{ui_url(settings)}/_stcore/health"),
            ready_timeout=60,
        ),
    ]
    return children
