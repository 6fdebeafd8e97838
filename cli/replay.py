"""`paperclip replay-check`: replay workflow histories against this code before deploying it.

The replay needs the workflows, which the CLI may not import: it runs `python -m workers.replay`
(`paperclip.replay_check`) by command, like `paperclip worker`, and exits with its code.
"""

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer


def replay_check(
    histories: Annotated[
        list[Path] | None, typer.Argument(help="History JSON files (Temporal's format), or folders of them.")
    ] = None,
    from_temporal: Annotated[
        bool, typer.Option("--from-temporal", help="Export the deployment's histories from Temporal and replay them.")
    ] = False,
    company: Annotated[str | None, typer.Option("--company", "-c", help="With --from-temporal: one company's.")] = None,
    query: Annotated[
        str | None, typer.Option("--query", help="With --from-temporal: a visibility query (default: running ones).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="With --from-temporal: at most this many.")] = 200,
    save: Annotated[
        Path | None, typer.Option("--save", help="With --from-temporal: keep the exported histories in this folder.")
    ] = None,
) -> None:
    """Replay histories against this code's workflows: one line each, exit 1 if any does not replay."""
    argv = [sys.executable, "-m", "workers.replay", *(str(p) for p in histories or [])]
    if from_temporal:
        argv += ["--from-temporal", "--limit", str(limit)]
    for flag, value in (("--company", company), ("--query", query), ("--save", save)):
        if value is not None:
            argv += [flag, str(value)]
    raise typer.Exit(subprocess.run(argv, check=False).returncode)
