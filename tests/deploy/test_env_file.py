"""A `.env` file is read into the settings and nowhere else: its values show in `Settings` and in
`Settings.environ`, the real environment wins over it, the process environment (which every agent
and child process inherits) is left as it was, and a malformed file stops a command with one line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperclip.envfile import ENV_FILE_VARIABLE, EnvFileError
from paperclip.settings import Settings
from tests.deploy.files import ROOT

VARIABLES = (
    "PAPERCLIP_API_PORT",
    "PAPERCLIP_RATE_LIMITS",
    "PAPERCLIP_TASK_QUEUE",
    "TEMPORAL_ADDRESS",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    ENV_FILE_VARIABLE,
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A current directory of its own, a home of its own, none of the variables set."""
    here = tmp_path / "project"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setenv("PAPERCLIP_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return here


def test_settings_and_keys_come_from_the_env_file_without_entering_the_environment(project: Path) -> None:
    (project / ".env").write_text(
        "# the deployment's own\n"
        "PAPERCLIP_API_PORT=9123\n"
        "export TEMPORAL_ADDRESS=temporal.internal:7233\n"
        'PAPERCLIP_RATE_LIMITS=\'{"OPENAI_API_KEY": {"requests_per_minute": 60}}\'\n'
        'OPENAI_API_KEY="sk-from-dotenv-7f3a"\n'
        "OPENAI_BASE_URL=http://127.0.0.1:9/v1\n"
    )
    before = dict(os.environ)

    settings = Settings()

    assert settings.api_port == 9123
    assert settings.resolved_temporal_address == "temporal.internal:7233"
    assert settings.rate_limits["OPENAI_API_KEY"].requests_per_minute == 60
    assert settings.environ["OPENAI_API_KEY"] == "sk-from-dotenv-7f3a"
    assert settings.environ["OPENAI_BASE_URL"] == "http://127.0.0.1:9/v1"
    assert dict(os.environ) == before  # nothing a child process would inherit
    assert "sk-from-dotenv" not in repr(settings.environ) and "sk-from-dotenv" not in repr(settings)


def test_the_real_environment_wins_over_the_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / ".env").write_text("PAPERCLIP_API_PORT=9123\nOPENAI_API_KEY=sk-file\nPAPERCLIP_TASK_QUEUE=from-file\n")
    monkeypatch.setenv("PAPERCLIP_API_PORT", "9200")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")

    settings = Settings()

    assert (settings.api_port, settings.task_queue) == (9200, "from-file")
    assert settings.environ["OPENAI_API_KEY"] == "sk-env"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-rotated")  # the environment is read live, as before
    assert settings.environ["OPENAI_API_KEY"] == "sk-rotated"


def test_the_homes_file_is_read_and_the_current_directorys_wins(project: Path, tmp_path: Path) -> None:
    (tmp_path / "home" / ".env").write_text("PAPERCLIP_API_PORT=9001\nPAPERCLIP_TASK_QUEUE=home-queue\n")
    assert (Settings().api_port, Settings().task_queue) == (9001, "home-queue")

    (project / ".env").write_text("PAPERCLIP_API_PORT=9002\n")
    assert (Settings().api_port, Settings().task_queue) == (9002, "home-queue")


def test_paperclip_env_file_names_the_one_file_and_empty_reads_none(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".env").write_text("PAPERCLIP_API_PORT=9002\n")
    named = tmp_path / "deploy.env"
    named.write_text("PAPERCLIP_API_PORT=9003\n")

    monkeypatch.setenv(ENV_FILE_VARIABLE, str(named))
    assert Settings().api_port == 9003
    monkeypatch.setenv(ENV_FILE_VARIABLE, "")
    assert Settings().api_port == 8000 and "PAPERCLIP_API_PORT" not in Settings().environ
    monkeypatch.setenv(ENV_FILE_VARIABLE, str(tmp_path / "missing.env"))
    with pytest.raises(EnvFileError, match=r"PAPERCLIP_ENV_FILE=.*missing\.env is not a file"):
        Settings()


def test_a_bad_value_in_the_file_is_named_as_a_setting(project: Path) -> None:
    (project / ".env").write_text("PAPERCLIP_API_PORT=many\n")
    with pytest.raises(Exception, match="api_port"):
        Settings()


def test_a_malformed_env_file_stops_a_command_with_one_line(tmp_path: Path) -> None:
    """The line is named but not shown: a key pasted on a line of its own is no setting, but a secret."""
    (tmp_path / ".env").write_text("PAPERCLIP_API_PORT=9001\nsk-pasted-secret-0c1d\n")
    env = {**os.environ, "PAPERCLIP_HOME": str(tmp_path)}
    env.pop(ENV_FILE_VARIABLE, None)
    done = subprocess.run(
        [sys.executable, "-m", "cli", "worker"], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"paperclip: invalid setting: {tmp_path / '.env'}, line 2: not NAME=value, `export NAME=value` or a # comment\n"
    )


def test_the_env_file_may_name_the_secrets_dir_and_wins_over_its_files(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "PAPERCLIP_DATABASE_URL").write_text("postgresql://from-secret/db\n")
    (folder / "PAPERCLIP_TASK_QUEUE").write_text("from-secret\n")
    monkeypatch.delenv("PAPERCLIP_SECRETS_DIR", raising=False)
    monkeypatch.delenv("PAPERCLIP_DATABASE_URL", raising=False)
    (project / ".env").write_text(f"PAPERCLIP_SECRETS_DIR={folder}\nPAPERCLIP_TASK_QUEUE=from-dotenv\n")

    settings = Settings()

    assert (settings.database_url, settings.task_queue) == ("postgresql://from-secret/db", "from-dotenv")
