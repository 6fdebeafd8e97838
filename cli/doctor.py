"""`paperclip doctor`: check an installation, one line a check, each OK or the fix to apply.

It reads the settings, the store and Temporal itself (the kernel's modules, which the CLI may
use), so it answers when the API is down; the ports it probes as `paperclip up` binds them.
Those modules (the store, Temporal's SDK) are imported when the command runs, not when the CLI
starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from cli.common import console

if TYPE_CHECKING:
    from paperclip.doctor import Finding
    from paperclip.settings import Settings

_STYLE = {"ok": "green", "info": "cyan", "warn": "yellow", "fail": "red"}
"""By `Status` value."""


def _answers_json(url: str, has: str) -> bool:
    """Whether `GET url` answers a JSON object with the key `has` (whatever its status code)."""
    import httpx

    try:
        body = httpx.get(url, timeout=2.0).json()
    except (httpx.HTTPError, ValueError):
        return False
    return isinstance(body, dict) and has in body


def _answers_ok(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def port_findings(settings: Settings, temporal_ok: bool) -> list[Finding]:
    """Each port the stack binds here: free, or taken by our own process (which answers as ours)."""
    from cli.stack import local_api_url, ui_url
    from cli.supervisor import port_is_free
    from paperclip.doctor import Finding, Status

    ports: list[tuple[str, int, str, Callable[[], bool]]] = []
    if not settings.temporal_address:  # the embedded dev server binds these
        ports += [
            ("Temporal", settings.temporal_port, "PAPERCLIP_TEMPORAL_PORT", lambda: temporal_ok),
            ("Temporal Web UI", settings.temporal_ui_port, "PAPERCLIP_TEMPORAL_UI_PORT", lambda: temporal_ok),
        ]
    api_health, ui_health = f"{local_api_url(settings)}/api/health", f"{ui_url(settings)}/_stcore/health"
    ports += [
        ("API", settings.api_port, "PAPERCLIP_API_PORT", lambda: _answers_json(api_health, "temporal")),
        ("dashboard", settings.ui_port, "PAPERCLIP_UI_PORT", lambda: _answers_ok(ui_health)),
    ]
    found = []
    for name, port, setting, ours in ports:
        where = f"{settings.host}:{port}"
        if port_is_free(settings.host, port):
            found.append(Finding(check="ports", status=Status.OK, detail=f"{name} port {where} is free"))
        elif ours():
            found.append(Finding(check="ports", status=Status.OK, detail=f"{name} port {where}: ours, running"))
        else:
            found.append(
                Finding(
                    check="ports",
                    status=Status.FAIL,
                    detail=f"{name} port {where} is taken by another program",
                    fix=f"set {setting} to a free port, or stop what listens on {port}",
                )
            )
    return found


def run_checks() -> list[Finding]:
    """Every check, in the order a person would fix them (a bad setting stops the rest)."""
    import asyncio

    from paperclip.doctor import (
        Status,
        backup_check,
        cli_tools_check,
        migrations_check,
        provider_keys_check,
        secret_key_check,
        settings_check,
        temporal_checks,
    )
    from paperclip.store import Store

    settings, found = settings_check()
    if settings is None:
        return found
    temporal = asyncio.run(temporal_checks(settings))
    temporal_ok = temporal[0].status is Status.OK
    store = Store.from_settings(settings)
    try:
        migrations = migrations_check(store)
        keys = provider_keys_check(settings, store if migrations.status is Status.OK else None)
    finally:
        store.dispose()
    return [
        *found,
        *port_findings(settings, temporal_ok),
        *temporal,
        migrations,
        secret_key_check(settings),
        keys,
        cli_tools_check(),
        backup_check(settings),
    ]


def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object: {ok, findings: [...]}.")] = False,
) -> None:
    """Check this installation: settings, ports, Temporal, search attributes, migrations, the
    secret key, provider keys, CLI tools, backups. Exit 1 when a check fails."""
    from paperclip.doctor import failed

    findings = run_checks()
    bad = failed(findings)
    if as_json:
        body = {"ok": not bad, "findings": [f.model_dump(mode="json") for f in findings]}
        typer.echo(json.dumps(body, indent=2))
    else:
        for f in findings:
            line = f"[{_STYLE[f.status.value]}]{f.status.value.upper():4}[/] {f.check}: {escape(f.detail)}"
            if f.fix:
                line += f"\n     fix: {escape(f.fix)}"
            console.print(line, highlight=False, soft_wrap=True, markup=True)
    if bad:
        raise typer.Exit(1)
