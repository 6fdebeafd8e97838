"""The environment of every process started for an agent: its CLI turns, `process` agents and the
git commands run on its workspace. Built from nothing, never from the worker's environment, which
holds the deployment's secrets (`PAPERCLIP_SECRET_KEY`, `PAPERCLIP_PAYLOAD_KEY`, the database
URL, the provider keys, whatever else the host put there).

What passes, and why:

- from the worker: `PATH` (to find the tool, `git`, `node`), the locale (`LANG`, `LANGUAGE`,
  `LC_*`, `TZ`: how the tool reads and writes text and times), `TMPDIR` (where the host wants
  temporary files), `USER`, `LOGNAME` and `SHELL` (who runs it and which shell its commands use).
  None of them is a secret.
- set by us: `HOME`, a folder of the agent's own (`agent_home`, mode 0700), where the tools keep
  their settings, logins and sessions (`~/.claude`, `~/.codex`, `~/.local/share/opencode`), so a
  session is found again on the task's next turn and no agent reads another's; `TERM=dumb` (the
  tool writes to pipes, not a terminal: no colours, no cursor moves).
- for a turn: the spec's `cli.env` (names checked by `paperclip.cli_rules`), then the tool's key
  and provider URL when it is given one (`activities.cli.credentials`), then the callback
  variables (`PAPERCLIP_API_URL`, `PAPERCLIP_COMPANY_ID`, `PAPERCLIP_AGENT_ID`,
  `PAPERCLIP_TASK_ID`, `PAPERCLIP_TASK_TOKEN`, `PAPERCLIP_TURN`), which nothing can override.
"""

import os
from collections.abc import Mapping
from pathlib import Path

from activities.cli.workspace import slug

PASSED = frozenset({"PATH", "LANG", "LANGUAGE", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL"})
"""Variables taken from the worker's environment as they are (with every `LC_*`)."""
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
"""`PATH` when the worker has none."""


def agent_home(home: Path, company_id: str, agent: str) -> Path:
    """The agent's own HOME, `<home>/homes/<company>/<agent>`, made (0700, as are the folders
    above it that we make) if need be."""
    path = home / "homes" / slug(company_id) / slug(agent)
    for folder in (home / "homes", home / "homes" / slug(company_id), path):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if folder.stat().st_mode & 0o077:
            folder.chmod(0o700)  # made before, by an older version or by hand
    return path


def base_environment(home: Path, worker: Mapping[str, str] | None = None) -> dict[str, str]:
    """What every process of an agent starts with: the passed variables of `worker` (the
    worker's own environment by default), `HOME=home` and `TERM=dumb`."""
    worker = os.environ if worker is None else worker
    env = {name: value for name, value in worker.items() if name in PASSED or name.startswith("LC_")}
    env.setdefault("PATH", DEFAULT_PATH)
    return env | {"HOME": str(home), "TERM": "dumb"}


def turn_environment(
    base: Mapping[str, str], *, spec: Mapping[str, str], key: Mapping[str, str], callbacks: Mapping[str, str]
) -> dict[str, str]:
    """A turn's environment: `base`, then the spec's `cli.env`, the key and URL variables, and
    the callback variables last (each later one wins)."""
    return {**base, **spec, **key, **callbacks}
