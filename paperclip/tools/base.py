"""What every tool is: a name, a description and one pydantic model of its arguments.

The model is written once and is three things: the JSON schema the model is shown (generated
from it), the check of the model's call (a call that does not fit is a tool error the model
reads, never coerced), and, where a person or an outside agent can do the same through the API,
that route's body.
"""

import copy
import functools
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, Field, StringConstraints, ValidationError

from paperclip.errors import InvalidInput
from paperclip.models import NOT_BLANK, ToolSpec

Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    Field(json_schema_extra={"pattern": NOT_BLANK}),
]
"""One line of text that says something (a title, a name): at most 300 characters."""
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100_000)]
"""Free text, possibly empty (a brief, details)."""
Report = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000),
    Field(json_schema_extra={"pattern": NOT_BLANK}),
]
"""Free text that says something (a task's result)."""
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000),
    Field(json_schema_extra={"pattern": NOT_BLANK}),
]
"""A few sentences that say something (why a task goes up)."""


class ToolArguments(BaseModel):
    """The arguments of one tool. Subclasses set `tool` (its name) and document each field with
    `Field(description=...)`: the description is what the model reads."""

    tool: ClassVar[str]

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        """The JSON schema of the arguments, as the model is shown it (no generated titles),
        made once per class (it takes milliseconds, and a workflow offers the tools every turn):
        a copy, to change freely."""
        return copy.deepcopy(_schema(cls))

    @classmethod
    def spec(cls, description: str, **enums: list[str]) -> ToolSpec:
        """The tool as offered for one turn; `enums` narrow fields to this turn's choices (the
        team one may delegate to, the kinds of approval one may ask for). Its parameters share
        their unchanged parts with the class's schema: read them, never change them."""
        schema = _schema(cls)
        properties = schema["properties"] | {
            field: schema["properties"][field] | {"enum": values} for field, values in enums.items()
        }
        return ToolSpec.model_construct(
            name=cls.tool, description=description, parameters=schema | {"properties": properties}
        )


class ToolArgumentsError(InvalidInput):
    """A call's arguments do not fit its tool; the message says what is wrong, for the model."""


def parse(arguments_type: type[ToolArguments], arguments: dict[str, Any]) -> ToolArguments:
    """The call's arguments, checked.

    Raises:
        ToolArgumentsError: they are not a JSON object, or do not fit the tool's model.
    """
    if "_raw" in arguments and len(arguments) == 1:  # the provider could not read them as an object
        raw = str(arguments["_raw"])[:200]
        raise ToolArgumentsError(f"the arguments of {arguments_type.tool} are not a JSON object: {raw!r}")
    try:
        return arguments_type.model_validate(arguments)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg'].removeprefix('Value error, ')}"
            for e in err.errors()
        )
        raise ToolArgumentsError(f"invalid arguments for {arguments_type.tool}: {problems}") from None


@functools.cache
def _schema(arguments_type: type[ToolArguments]) -> dict[str, Any]:
    schema: dict[str, Any] = _untitled(arguments_type.model_json_schema())
    return schema


def _untitled(schema: Any, *, names: bool = False) -> Any:
    """`schema` without the `title` pydantic adds to every node (a property *named* title stays)."""
    if isinstance(schema, list):
        return [_untitled(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if names:  # a `properties` mapping: its keys are field names, its values schemas
        return {name: _untitled(s) for name, s in schema.items()}
    return {k: _untitled(v, names=k in ("properties", "$defs")) for k, v in schema.items() if k != "title"}
