"""A command the model runs sees nothing of the worker's `.env` file: not its values in the
environment, and not the file itself."""

import os
from pathlib import Path

import pytest

from activities.tools import RUNNERS
from paperclip.envfile import ENV_FILE_VARIABLE
from paperclip.settings import Settings
from paperclip.tools.run_command import RunCommandArguments
from tests.activities.sandbox.conftest import Layout, context

KEY = "sk-from-dotenv-91ac03"


async def test_a_command_sees_neither_the_env_files_values_nor_the_file(
    layout: Layout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".env").write_text(f"OPENAI_API_KEY={KEY}\n")
    (layout.home / ".env").write_text(f"ANTHROPIC_API_KEY={KEY}\n")
    monkeypatch.chdir(project)
    monkeypatch.delenv(ENV_FILE_VARIABLE, raising=False)
    settings = Settings()
    assert settings.environ["OPENAI_API_KEY"] == settings.environ["ANTHROPIC_API_KEY"] == KEY  # read, for the worker

    command = f"env; cat /proc/*/environ | tr '\\0' '\\n'; cat {project}/.env {layout.home}/.env; echo done"
    ctx = context(layout.workspace, layout.home, timeout_seconds=20)
    out = (await RUNNERS["run_command"](ctx, RunCommandArguments(command=command))).content

    assert out.rstrip().endswith("done") and "PATH=" in out  # it ran, and printed its environment
    assert KEY not in out and "OPENAI_API_KEY" not in out and "ANTHROPIC_API_KEY" not in out
    assert KEY not in "".join(os.environ.values())
