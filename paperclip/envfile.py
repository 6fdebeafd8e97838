"""The `.env` file: settings and the deployment's provider keys, read without entering the
process environment.

Every process the product starts for an agent (a CLI turn, a tool's subprocess, a `process`
agent) and every child of the supervisor inherits the process environment, so a value put there
would reach code the deployment does not trust. The file's variables are therefore kept beside
it, in `Settings.environ`, and read from there only: `PAPERCLIP_*` by the settings, the provider
keys (`PAPERCLIP_ENV_CREDENTIALS`) and `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL` by the keyring.

Where it is looked for: `PAPERCLIP_ENV_FILE` when the environment sets it (a path; empty: no file
at all), else `$PAPERCLIP_HOME/.env` and `./.env` (the current directory's wins over the home's).
The real environment wins over either.
"""

import io
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from dotenv.parser import parse_stream
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsError

ENV_FILE_VARIABLE = "PAPERCLIP_ENV_FILE"
NAME = ".env"
DEFAULT_HOME = "~/.paperclip"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class EnvFileError(SettingsError):
    """A `.env` file that cannot be read, or a line of it that is not `NAME=value`."""


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of one file (`NAME=value`, `export NAME=value`, quotes, `#` comments); no
    `${…}` is expanded, so a value is exactly what the file says.

    Raises:
        EnvFileError: naming the file and the first line that is not an assignment.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise EnvFileError(f"{path}: cannot be read ({err})") from None
    found: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        name, value = binding.key, binding.value
        if name is None and not binding.error:
            continue  # a comment or a blank line
        if binding.error or name is None or value is None or not _NAME.fullmatch(name):
            # The line itself is not shown: it may be a key pasted on a line of its own.
            line = binding.original.line
            raise EnvFileError(f"{path}, line {line}: not NAME=value, `export NAME=value` or a # comment")
        found[name] = value
    return found


def env_files(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The `.env` files to read, the one that wins last: `PAPERCLIP_ENV_FILE`, else those of
    `$PAPERCLIP_HOME` and of the current directory that exist.

    Raises:
        EnvFileError: `PAPERCLIP_ENV_FILE` names no file (a mistyped path would quietly leave
            every key unset).
    """
    environ = os.environ if environ is None else environ
    if ENV_FILE_VARIABLE in environ:
        named = environ[ENV_FILE_VARIABLE].strip()
        if not named:
            return []
        path = Path(named).expanduser()
        if not path.is_file():
            raise EnvFileError(f"{ENV_FILE_VARIABLE}={named} is not a file")
        return [path]
    here = Path.cwd() / NAME
    local = read_env_file(here) if here.is_file() else {}
    home = Path(environ.get("PAPERCLIP_HOME") or local.get("PAPERCLIP_HOME") or DEFAULT_HOME).expanduser()
    files = [home / NAME] if (home / NAME).is_file() else []
    if here.is_file() and not (files and files[0].resolve() == here.resolve()):
        files.append(here)
    return files


def file_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every variable of the `.env` files, the later file's winning (see `env_files`)."""
    found: dict[str, str] = {}
    for path in env_files(environ):
        found.update(read_env_file(path))
    return found


class DeploymentEnviron(Mapping[str, str]):
    """The process environment with the `.env` file's variables beneath it: a variable the
    environment sets wins, and the environment is read live. Never a child process's
    environment; its `repr` names no value."""

    def __init__(self, file: Mapping[str, str], process: Mapping[str, str] | None = None) -> None:
        self._file = file
        self._process = os.environ if process is None else process

    def __getitem__(self, name: str) -> str:
        if name in self._process:
            return self._process[name]
        return self._file[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._process
        yield from (name for name in self._file if name not in self._process)

    def __len__(self) -> int:
        return len(set(self._process) | set(self._file))

    def __repr__(self) -> str:
        return f"DeploymentEnviron(file={sorted(self._file)})"


class EnvFileSource(EnvSettingsSource):
    """The settings' fields from the `.env` file's variables, as the environment source reads
    them from the environment (same names, prefix and parsing)."""

    def __init__(self, settings_cls: type[BaseSettings], variables: Mapping[str, str]) -> None:
        self._variables = variables
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        if self.case_sensitive:
            return dict(self._variables)
        return {name.lower(): value for name, value in self._variables.items()}


def home_env_file(home: Path) -> Path:
    """The `.env` file of a home folder (`$PAPERCLIP_HOME/.env`), where `paperclip onboard` and
    `paperclip storage configure` write."""
    return home.expanduser() / NAME


def _quoted(value: str) -> str:
    """`value` as the file holds it: bare when that reads back the same, else in single quotes
    (which expand nothing; only `\\` and `'` are escaped)."""
    if re.fullmatch(r"[A-Za-z0-9_./:@+,=-]*", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def update_env_file(path: Path, changes: Mapping[str, str | None]) -> None:
    """Set (a string) or remove (None) variables of a `.env` file, keeping every other line as it
    was (comments, order, quoting); a new variable goes at the end. The file is replaced whole,
    mode 0600 (it holds keys), its folder made if missing.

    Raises:
        EnvFileError: the existing file cannot be read or has a line that is not an assignment
            (it is left as it is rather than rewritten around a line this cannot read).
    """
    for name, value in changes.items():
        if not _NAME.fullmatch(name) or (value is not None and ("\n" in value or "\r" in value)):
            raise EnvFileError(f"{name}: not a variable name, or a value of more than one line")
    text = ""
    if path.exists():
        read_env_file(path)  # every line must read before any is rewritten
        text = path.read_text(encoding="utf-8")
    lines: list[str] = []
    written: set[str] = set()
    for binding in parse_stream(io.StringIO(text)):
        key = binding.key
        if key is None or key not in changes:
            lines.append(binding.original.string)
            continue
        new = changes[key]
        if new is not None and key not in written:  # a later duplicate would win: it goes
            lines.append(f"{key}={_quoted(new)}\n")
        written.add(key)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    lines += [
        f"{name}={_quoted(value)}\n" for name, value in changes.items() if value is not None and name not in written
    ]
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write("".join(lines))
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
