"""The files an agent declares as work products, checked on the host that holds its workspace.

The path was checked for its shape already (`paperclip.models.work_products`: relative, no
`..`); here it must name a regular file whose real path, links followed, is inside the
workspace: a link out of it (to `/etc/passwd`, to the worker's home) is refused like `..` is.
"""

import os
from pathlib import Path

from paperclip.models.work_products import DeclaredProduct, WorkProductKind


def refused_files(workspace: Path, products: list[DeclaredProduct]) -> str:
    """Why the declared files cannot be kept (one line per file), or "" when each is a file in `workspace`."""
    top = os.path.realpath(workspace).rstrip(os.sep) + os.sep
    problems: list[str] = []
    for product in products:
        if product.kind is not WorkProductKind.FILE:
            continue
        real = os.path.realpath(workspace / product.value)
        if not real.startswith(top):
            problems.append(f"{product.value}: not inside your workspace")
        elif not os.path.isfile(real):
            problems.append(f"{product.value}: no such file in your workspace")
    return "; ".join(problems)
