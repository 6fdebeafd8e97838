"""The workspace's files, walked by descriptor without following links, and globs over them."""

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from activities.tools.paths import open_top

MAX_WALKED = 200_000
"""Entries one call walks at most: a huge tree (a `node_modules`) is cut, and the answer says so."""


@dataclass(frozen=True)
class Entry:
    path: str
    """Relative to the workspace's top, `/`-separated."""
    kind: str
    """`file`, `folder`, `link` or `other`."""
    folder_fd: int
    """The descriptor of its folder, valid only while the walk is at it."""
    name: str


class Walk:
    """Every entry of a workspace but `.git`, in a stable order; `cut` is set when it stopped at
    `MAX_WALKED`."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.cut = False

    def __iter__(self) -> Iterator[Entry]:
        top = open_top(self.workspace)
        walked = 0
        try:
            # fwalk opens each folder relative to its parent's descriptor, without following links.
            for folder, folders, files, fd in os.fwalk(".", dir_fd=top, follow_symlinks=False):
                prefix = "" if folder == "." else folder.removeprefix("./") + "/"
                folders[:] = sorted(d for d in folders if d.lower() != ".git")
                for name in sorted([*folders, *(f for f in files if f.lower() != ".git")]):
                    walked += 1
                    if walked > MAX_WALKED:
                        self.cut = True
                        return
                    yield Entry(prefix + name, _kind(fd, name), fd, name)
        finally:
            os.close(top)


def _kind(folder_fd: int, name: str) -> str:
    try:
        mode = os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_mode
    except OSError:
        return "other"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "other"


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob over workspace paths as a regular expression matching the whole path: `*` and `?`
    stay within a folder, `**` spans folders (`**/x` matches `x` at the top too), `[abc]` and
    `[!abc]` are classes."""
    pattern = pattern.strip().rstrip("/") or "**"  # a folder's path has no trailing slash
    while pattern.startswith("./"):
        pattern = pattern[2:]
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end]
            negated = body.startswith("!")
            body = body[1:] if negated else body
            out.append("[" + ("^/" if negated else "") + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out))
