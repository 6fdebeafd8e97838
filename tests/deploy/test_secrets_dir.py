"""Settings read from files (`PAPERCLIP_SECRETS_DIR`), as Kubernetes mounts a secret: one file a
key, reached through its `..data` symlinks. The environment wins; a file that leads out of the
folder is not read; a folder that is not there stops the process with one line."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperclip.settings import Settings
from tests.deploy.files import ROOT, mount_like_kubernetes

KEY = base64.b64encode(b"k" * 32).decode()


def test_settings_come_from_the_files_of_the_secrets_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = mount_like_kubernetes(
        tmp_path / "secrets",
        {
            "PAPERCLIP_SECRET_KEY": f"{KEY}\n",
            "PAPERCLIP_DATABASE_URL": "postgresql://paperclip:pw@db/paperclip\n",
            "TEMPORAL_ADDRESS": "temporal-frontend:7233",
            "PAPERCLIP_RATE_LIMITS": '{"OPENAI_API_KEY": {"requests_per_minute": 60}}',
        },
    )
    monkeypatch.setenv("PAPERCLIP_SECRETS_DIR", str(folder))
    for name in ("PAPERCLIP_SECRET_KEY", "PAPERCLIP_DATABASE_URL", "TEMPORAL_ADDRESS", "PAPERCLIP_RATE_LIMITS"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.secret_key == KEY  # the trailing newline of the file trimmed
    assert settings.resolved_database_url == "postgresql://paperclip:pw@db/paperclip"
    assert settings.resolved_temporal_address == "temporal-frontend:7233"
    assert settings.rate_limits["OPENAI_API_KEY"].requests_per_minute == 60
    assert settings.secrets_dir == folder


def test_the_environment_wins_over_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = mount_like_kubernetes(tmp_path / "secrets", {"PAPERCLIP_DATABASE_URL": "postgresql://from-file/db"})
    monkeypatch.setenv("PAPERCLIP_SECRETS_DIR", str(folder))
    monkeypatch.setenv("PAPERCLIP_DATABASE_URL", "postgresql://from-env/db")
    assert Settings().database_url == "postgresql://from-env/db"


def test_without_a_secrets_dir_no_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mount_like_kubernetes(tmp_path / "secrets", {"PAPERCLIP_DATABASE_URL": "postgresql://from-file/db"})
    monkeypatch.chdir(tmp_path / "secrets")
    monkeypatch.delenv("PAPERCLIP_SECRETS_DIR", raising=False)
    monkeypatch.delenv("PAPERCLIP_DATABASE_URL", raising=False)
    assert Settings().database_url is None


def test_a_file_linking_out_of_the_folder_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "elsewhere"
    outside.write_text("postgresql://outside/db")
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "PAPERCLIP_DATABASE_URL").symlink_to(outside)
    monkeypatch.setenv("PAPERCLIP_SECRETS_DIR", str(folder))
    monkeypatch.delenv("PAPERCLIP_DATABASE_URL", raising=False)
    with pytest.warns(UserWarning, match="resolves outside"):
        assert Settings().database_url is None


def test_a_secrets_dir_that_is_not_a_folder_stops_a_command_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "PAPERCLIP_SECRETS_DIR": str(tmp_path / "missing"), "PAPERCLIP_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "worker"], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 2
    assert done.stderr == f"paperclip: invalid setting: PAPERCLIP_SECRETS_DIR={tmp_path / 'missing'} is not a folder\n"
