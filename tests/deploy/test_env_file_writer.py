"""`update_env_file`: a variable set or removed, every other line as it was, values read back
exactly as written (quotes, backslashes, spaces), the file readable by its owner alone, and a file
with a line it cannot read left untouched."""

import stat
from pathlib import Path

import pytest

from paperclip.envfile import EnvFileError, read_env_file, update_env_file


def test_a_change_keeps_every_other_line_and_reads_back_exactly(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("# keys\nFOO=bar # why\nexport OPENAI_API_KEY=old\nGONE='x'\nOPENAI_API_KEY=dup")
    tricky = 'sk-\'q\\z "$HOME" #not-a-comment'
    update_env_file(path, {"OPENAI_API_KEY": tricky, "NEW": "a b", "GONE": None, "ABSENT": None})
    assert read_env_file(path) == {"FOO": "bar", "OPENAI_API_KEY": tricky, "NEW": "a b"}
    assert path.read_text().startswith("# keys\nFOO=bar # why\nOPENAI_API_KEY=")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_new_file_and_its_folder_are_made_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "home" / ".env"
    update_env_file(path, {"PAPERCLIP_HOME": str(tmp_path / "home")})
    assert read_env_file(path) == {"PAPERCLIP_HOME": str(tmp_path / "home")}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and list(path.parent.iterdir()) == [path]


def test_a_file_with_a_line_it_cannot_read_is_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("FOO=bar\nsk-pasted-on-its-own\n")
    with pytest.raises(EnvFileError, match="line 2"):
        update_env_file(path, {"FOO": "baz"})
    assert path.read_text() == "FOO=bar\nsk-pasted-on-its-own\n"
    with pytest.raises(EnvFileError):
        update_env_file(tmp_path / "other", {"BAD NAME": "x"})
    with pytest.raises(EnvFileError):
        update_env_file(tmp_path / "other", {"FOO": "two\nlines"})
