"""Patch ids: those the workflow code asks about, and those a recorded history holds.

The replay test checks the first against the second (every id is replayed somewhere); the
recorder checks each scenario recorded the ids it is there for.
"""

import ast
import base64
import json
from pathlib import Path

PATCH_CALLS = frozenset({"patched", "deprecate_patch"})
"""The `temporalio.workflow` functions that take a patch id."""


class UnresolvedPatchId(Exception):
    """A patch call whose id is neither a string literal nor a module-level string constant."""


def recorded_patch_ids(history_json: str) -> set[str]:
    """The ids of the `core_patch` markers in a history (`WorkflowHistory.to_json` form)."""
    ids: set[str] = set()
    for event in json.loads(history_json)["events"]:
        marker = event.get("markerRecordedEventAttributes")
        if marker is None or marker.get("markerName") != "core_patch":
            continue
        for payload in marker["details"]["patch-data"]["payloads"]:
            ids.add(json.loads(base64.b64decode(payload["data"]))["id"])
    return ids


def _module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level `NAME = "text"` (or `NAME: str = "text"`) assignments."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.update({t.id: value.value for t in targets if isinstance(t, ast.Name)})
    return found


def _imports(tree: ast.Module, package: str) -> dict[str, tuple[str, str]]:
    """`from module import NAME [as alias]` anywhere in a module of `package` (also inside a
    `with`, relative ones too): alias → (module, NAME)."""
    found: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
        module = ".".join([*base, *([node.module] if node.module else [])])
        found.update({alias.asname or alias.name: (module, alias.name) for alias in node.names})
    return found


def _is_patch_call(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr in PATCH_CALLS and isinstance(func.value, ast.Name) and func.value.id == "workflow"
    return isinstance(func, ast.Name) and func.id in PATCH_CALLS


def code_patch_ids(root: Path) -> dict[str, list[str]]:
    """Every patch id the workflows under `root` (a package folder) ask about → where (`file:line`).

    Finds calls `workflow.patched(X)` / `workflow.deprecate_patch(X)` (or the bare functions)
    and resolves X: a string literal, a module-level string constant of that module, or one
    imported from another module under `root`.

    Raises:
        UnresolvedPatchId: X is anything else (an expression, an unknown name): a check that
            skipped it could not promise every id is covered.
    """
    trees = {_module_name(root, p): (p, ast.parse(p.read_text(), str(p))) for p in sorted(root.rglob("*.py"))}
    constants = {module: _constants(tree) for module, (_, tree) in trees.items()}

    def package(module: str) -> str:
        path = trees[module][0]
        return module if path.name == "__init__.py" else module.rpartition(".")[0]

    def resolve(module: str, name: str, seen: frozenset[tuple[str, str]] = frozenset()) -> str | None:
        if (module, name) in seen or module not in trees:
            return None
        if name in constants[module]:
            return constants[module][name]
        source = _imports(trees[module][1], package(module)).get(name)
        return None if source is None else resolve(*source, seen | {(module, name)})

    found: dict[str, list[str]] = {}
    for module, (path, tree) in trees.items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _is_patch_call(node)):
                continue
            where = f"{path.relative_to(root.parent)}:{node.lineno}"
            arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "id"), None)
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                patch_id: str | None = arg.value
            elif isinstance(arg, ast.Name):
                patch_id = resolve(module, arg.id)
            else:
                patch_id = None
            if patch_id is None:
                raise UnresolvedPatchId(f"{where}: cannot resolve the patch id {ast.unparse(node)}")
            found.setdefault(patch_id, []).append(where)
    return found
