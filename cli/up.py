"""Commands that run processes: `up` (the whole embedded stack), `worker`, `api`, `ui`.

What they run with (the stack's specs, the supervisor, the dev server's client, the settings) is
imported when one of them runs, so that the CLI's other commands start without it.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import console, err_console, fail
from cli.output import Table

if TYPE_CHECKING:
    from paperclip.settings import Settings


def up(
    demo: Annotated[
        bool, typer.Option("--demo", help="Create the demo company (Acme Robotics) and give its CEO a task.")
    ] = False,
) -> None:
    """Run the embedded stack: Temporal dev server, worker, API and dashboard (Ctrl-C stops it)."""
    import asyncio

    from cli import stack
    from cli.supervisor import Supervisor, SupervisorError, check_ports
    from paperclip import board
    from paperclip.devserver import wait_until_ready
    from paperclip.settings import get_settings

    settings = get_settings()
    try:
        check_ports(stack.port_checks(settings))
    except SupervisorError as error:
        fail(str(error))
    if settings.temporal_address:
        try:
            asyncio.run(wait_until_ready(settings, timeout=10))
        except TimeoutError:
            fail(f"Temporal at {settings.temporal_address} does not answer (TEMPORAL_ADDRESS)")
    try:  # before the API and the dashboard start: they read it
        board.ensure_token(settings.home_dir)
    except board.BoardTokenError as error:
        fail(str(error))
    log_dir = settings.home_dir / "logs"
    console.print(f"Starting Paperclip in {settings.home_dir} (logs in {log_dir}) …", highlight=False)
    started = time.monotonic()
    starting = err_console.status("Starting the Temporal dev server, the worker, the API and the dashboard …")
    starting.start()  # a spinner on a terminal until the stack answers

    def on_ready() -> None:
        starting.stop()
        _print_urls(settings, time.monotonic() - started)
        if demo:
            _start_demo(settings)
        console.print("Press Ctrl-C to stop.")

    supervisor = Supervisor(stack.stack(settings), log_dir=log_dir, console=err_console)
    try:
        code = supervisor.run(on_ready)
    finally:
        starting.stop()
    if code == 0:
        console.print("Stopped.")
    raise typer.Exit(code)


def _print_urls(settings: Settings, seconds: float) -> None:
    from cli import stack

    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row("Dashboard", stack.ui_url(settings))
    table.add_row("API", f"{stack.local_api_url(settings)}  (docs: /docs)")
    if settings.temporal_address:
        table.add_row("Temporal", f"{settings.temporal_address} (external)")
    else:
        table.add_row("Temporal UI", settings.temporal_ui_url)
        table.add_row("Temporal", settings.resolved_temporal_address)
    table.add_row("Logs", str(settings.home_dir / "logs"))
    console.print(f"[green]Paperclip is ready[/green] in {seconds:.1f}s")
    console.print(table)


def _start_demo(settings: Settings) -> None:
    """Create the demo company unless it exists, and give the CEO its first task if it has none."""
    from cli import stack
    from paperclip import board
    from paperclip.client import ApiClient, ApiError
    from paperclip.demo import demo_company

    demo = demo_company()
    company = demo.spec.id
    try:
        with ApiClient(stack.local_api_url(settings), api_key=board.ensure_token(settings.home_dir)) as client:
            existing = {c["id"] for c in client.get("/api/companies", with_status="false").get("data", [])}
            if company in existing:
                console.print(f"Demo company '{company}' exists; not creating it again.")
            else:
                client.post("/api/companies", demo.create_body())
                console.print(f"Created the demo company [bold]{demo.spec.name}[/bold] ({company}).")
            tasks = client.get(f"/api/companies/{company}/tasks").get("data", [])
            if tasks:
                identifier = tasks[0]["identifier"]
            else:
                record = client.post(f"/api/companies/{company}/tasks", demo.first_task.model_dump(mode="json"))
                identifier = record["identifier"]
                console.print(f"Assigned [bold]{identifier}[/bold] to ceo: {demo.first_task.title}")
    except (ApiError, board.BoardTokenError) as error:
        err_console.print(f"[red]error:[/red] the demo could not be set up: {error}", highlight=False)
        return
    console.print(f"Company: {stack.ui_url(settings)}/?company={company}", highlight=False)
    console.print(f"Task:    {identifier}  (paperclip task list --company {company})", highlight=False)
    if demo.simulated:
        console.print(
            "[yellow]Agents use the offline simulated model[/yellow] (no provider key set: "
            "set OPENAI_API_KEY or ANTHROPIC_API_KEY for a real model)."
        )


def worker() -> None:
    """Run a worker polling every Paperclip task queue (until Ctrl-C / SIGTERM)."""
    from cli import stack
    from paperclip.settings import get_settings

    get_settings()  # a bad setting ends the command here, with one line
    command = stack.worker_command()
    # The worker is the layer above the kernel: it runs as its own program, in this process.
    os.execv(command[0], command)


def api() -> None:
    """Serve the API with uvicorn on PAPERCLIP_HOST:PAPERCLIP_API_PORT."""
    import uvicorn

    from paperclip.settings import get_settings

    settings = get_settings()
    uvicorn.run(
        "api.app:create_app", factory=True, host=settings.host, port=settings.api_port, workers=settings.api_workers
    )


def ui() -> None:
    """Serve the dashboard with Streamlit on PAPERCLIP_HOST:PAPERCLIP_UI_PORT."""
    from cli import stack
    from paperclip.settings import get_settings

    settings = get_settings()
    command = stack.ui_command(settings)
    env = {**os.environ, "PAPERCLIP_API_URL": settings.resolved_api_url}
    sys.stdout.flush()
    os.execve(command[0], command, env)
