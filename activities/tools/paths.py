"""Paths a tool is given, confined to the task's workspace.

A path is relative to the workspace's top: an absolute one, a `..`, or a NUL is refused before
anything is opened. The path is then opened one component at a time, each folder with
`O_NOFOLLOW | O_DIRECTORY` relative to the one before (`dir_fd`) and the file itself with
`O_NOFOLLOW`: no symbolic link is ever followed, so a link cannot lead outside, not even one a
concurrent command puts in place between a check and the open (there is no separate check to
race). The price: a link inside the workspace that points inside it is refused too; the model
reads the real path with `list_files` and uses that.

Writes never touch `.git` (any case): its hooks and config would run code outside the tools'
confinement, and a worktree's `.git` file says where its repository is.
"""

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from activities.tools.base import ToolFailed

DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
"""`O_NONBLOCK`: opening a FIFO a command left behind must not hang the worker."""


def parts_of(path: str) -> list[str]:
    """The components of a workspace path (`.` and empty ones dropped; `[]` is the top).

    Raises:
        ToolFailed: absolute, with a `..`, or with a NUL.
    """
    if "\0" in path:
        raise ToolFailed(f"{path!r}: a path holds no NUL character")
    if path.startswith(("/", "\\")) or path.startswith("~"):
        raise ToolFailed(f"{path}: give a path relative to the workspace's top, not an absolute one")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ToolFailed(f"{path}: '..' is refused: every path stays inside the workspace")
    return parts


def is_git(parts: list[str]) -> bool:
    """Whether the path is `.git` or inside it (any case: `.GIT` is `.git` to git on some systems)."""
    return any(p.lower() == ".git" for p in parts)


def _refusal(dir_fd: int, name: str, shown: str, err: OSError) -> ToolFailed:
    """Why opening `name` under `dir_fd` failed, for the model."""
    try:
        mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISLNK(mode):
        return ToolFailed(f"{shown} is a symbolic link: refused (tools never follow links); use the path it points to")
    if err.errno == errno.ENOENT:
        return ToolFailed(f"{shown}: no such file or folder")
    if err.errno == errno.ENOTDIR or (mode is not None and not stat.S_ISDIR(mode)):
        return ToolFailed(f"{shown} is not a folder")
    if err.errno == errno.EISDIR:
        return ToolFailed(f"{shown} is a folder, not a file")
    return ToolFailed(f"{shown}: {os.strerror(err.errno or 0)}")


def open_top(workspace: Path) -> int:
    """A descriptor of the workspace's top folder (the activity checked where it is)."""
    return os.open(workspace, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


@contextmanager
def folder(workspace: Path, parts: list[str], *, make: bool = False) -> Iterator[int]:
    """A descriptor of the folder `parts` of the workspace, walked without following links.

    Args:
        make: make the missing folders on the way (mode 0755 before the umask).

    Raises:
        ToolFailed: a component is a link, a file, or missing (and not `make`).
    """
    fd = open_top(workspace)
    try:
        for i, name in enumerate(parts):
            shown = "/".join(parts[: i + 1])
            try:
                child = os.open(name, DIRECTORY_FLAGS, dir_fd=fd)
            except FileNotFoundError as err:
                if not make:
                    raise _refusal(fd, name, shown, err) from None
                try:
                    os.mkdir(name, 0o755, dir_fd=fd)
                except FileExistsError:
                    pass  # made meanwhile: opened below, without following it if it is a link
                try:
                    child = os.open(name, DIRECTORY_FLAGS, dir_fd=fd)
                except OSError as again:
                    raise _refusal(fd, name, shown, again) from None
            except OSError as err:
                raise _refusal(fd, name, shown, err) from None
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def read_bytes(workspace: Path, path: str, *, limit: int) -> bytes:
    """The content of a workspace file, at most `limit` bytes.

    Raises:
        ToolFailed: the path is refused, is not a regular file, or is larger than `limit`.
    """
    parts = parts_of(path)
    if not parts:
        raise ToolFailed("give the path of a file, not the workspace's top")
    with folder(workspace, parts[:-1]) as parent:
        try:
            fd = os.open(parts[-1], os.O_RDONLY | FILE_FLAGS, dir_fd=parent)
        except OSError as err:
            raise _refusal(parent, parts[-1], path, err) from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise ToolFailed(f"{path} is a folder, not a file: list it with list_files")
        if not stat.S_ISREG(info.st_mode):
            raise ToolFailed(f"{path} is not a regular file")
        if info.st_size > limit:
            raise ToolFailed(f"{path} is {info.st_size:,} bytes: more than the {limit:,} a tool reads")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise ToolFailed(f"{path} is more than the {limit:,} bytes a tool reads")
    return data


def write_bytes(workspace: Path, path: str, data: bytes) -> bool:
    """Write a workspace file whole, making its folders; True when it is new.

    The content goes to a new file beside it that then replaces it (`rename` within the folder's
    descriptor): a reader never sees half of it, and a link in its place is replaced, not followed.

    Raises:
        ToolFailed: the path is refused (`.git`, a link on the way, a folder in its place).
    """
    parts = parts_of(path)
    if not parts:
        raise ToolFailed("give the path of a file, not the workspace's top")
    if is_git(parts):
        raise ToolFailed(f"{path}: tools do not write inside .git; use the git tool")
    name = parts[-1]
    with folder(workspace, parts[:-1], make=True) as parent:
        try:
            old = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            old = None
        if old is not None and stat.S_ISDIR(old.st_mode):
            raise ToolFailed(f"{path} is a folder, not a file")
        mode = stat.S_IMODE(old.st_mode) if old is not None and stat.S_ISREG(old.st_mode) else 0o644
        temporary = f".{name}.paperclip-{os.getpid()}-{os.urandom(4).hex()}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | FILE_FLAGS, mode, dir_fd=parent)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                os.fchmod(file.fileno(), mode)  # the umask may have narrowed it
            os.rename(temporary, name, src_dir_fd=parent, dst_dir_fd=parent)
        except BaseException:
            try:
                os.unlink(temporary, dir_fd=parent)
            except OSError:
                pass
            raise
    return old is None
