"""YAML text to data that remembers where each of its values was written.

PyYAML composes the text into nodes that carry their marks (line, column); the data is built
from the same nodes, and every value's path (`("steps", 2, "input", 1)`) is mapped to the place
of its node, so a problem found later in the data — by pydantic or by a check of ours — can
name the line and column of what it is about.
"""

from dataclasses import dataclass, field
from typing import Any

import yaml

from paperclip.pipelines.errors import PipelineInvalid, PipelineProblem

Path = tuple[str | int, ...]
Place = tuple[int, int]
"""A 1-based line and column."""

MAX_NODES = 20_000
"""The most values a document may hold once its aliases are expanded: a few anchors can stand for
billions of values, which nothing should walk."""


@dataclass
class Located:
    """A document's data, and where each value (and each mapping key) was written."""

    data: Any
    values: dict[Path, Place] = field(default_factory=dict)
    keys: dict[Path, Place] = field(default_factory=dict)
    """Where the key that names a mapping's entry was written, by the entry's path."""
    twice: list[tuple[Path, str]] = field(default_factory=list)
    """Keys given twice in a mapping (YAML keeps the last), each with what to say of it."""

    def place(self, path: Path, *, key: bool = False) -> Place:
        """The place of `path`'s value (its key with `key`), or of its nearest ancestor written."""
        for end in range(len(path), -1, -1):
            found = (self.keys if key and end == len(path) else self.values).get(path[:end])
            if found is not None:
                return found
        return (1, 1)


def _place(node: yaml.Node) -> Place:
    return node.start_mark.line + 1, node.start_mark.column + 1


def field_name(path: Path) -> str:
    """`("steps", 2, "input", 1)` → `steps[2].input[1]`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def load(text: str) -> Located:
    """The data of a one-document YAML `text`, with the places of its values.

    Raises:
        PipelineInvalid: the text is not YAML (the line and column of the error), holds more
            than one document, or expands to more than `MAX_NODES` values.
    """
    try:  # the reader refuses characters YAML does not allow as it is made
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as error:
        raise PipelineInvalid(
            [PipelineProblem(line=0, column=0, field="", message=f"invalid YAML: {str(error).splitlines()[0]}")]
        ) from None
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        reason = getattr(error, "problem", None) or str(error)
        raise PipelineInvalid(
            [PipelineProblem(line=line, column=column, field="", message=f"invalid YAML: {reason}")]
        ) from None
    except RecursionError:
        raise PipelineInvalid(
            [PipelineProblem(line=0, column=0, field="", message="invalid YAML: nested too deeply")]
        ) from None
    finally:
        loader.dispose()
    located = Located(data=data)
    if node is not None:
        _Walk(loader, located).visit(node, ())
    return located


class _Walk:
    def __init__(self, loader: yaml.SafeLoader, located: Located) -> None:
        self.loader = loader
        self.located = located
        self.count = 0
        self.open: set[int] = set()

    def visit(self, node: yaml.Node, path: Path) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            raise PipelineInvalid(
                [
                    PipelineProblem(
                        line=0, column=0, field="", message=f"more than {MAX_NODES} values (aliases expanded)"
                    )
                ]
            )
        self.located.values.setdefault(path, _place(node))
        if id(node) in self.open:  # an alias of a node that holds it: the data is cyclic
            line, column = _place(node)
            problem = PipelineProblem(
                line=line, column=column, field=field_name(path), message="a value cannot hold itself"
            )
            raise PipelineInvalid([problem])
        self.open.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, Place] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                entry = (*path, key)
                if key in seen:
                    message = f"given twice (first on line {seen[key][0]}): YAML keeps only the last"
                    self.located.twice.append((entry, message))
                    self.located.keys[entry] = _place(key_node)  # the problem is at the repeat
                seen.setdefault(key, _place(key_node))
                self.located.keys.setdefault(entry, _place(key_node))
                self.visit(value_node, entry)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.visit(item, (*path, index))
        self.open.discard(id(node))
