"""Dependencies between a company's tasks: a task `blocked_by` others waits queued until they are
done, and is given the results of those it names as `inputs` when it starts."""

from pydantic import BaseModel, Field

INPUT_EXCERPT = 4_000
"""Characters of an input's result a dependant's assignment quotes; the rest is read by reference
(`read_task`)."""


class InputResult(BaseModel):
    """An input of a task as it starts: the task it waited on, by reference, and its result."""

    identifier: str
    title: str = ""
    result: str | None = None
    """The start of its result (at most `INPUT_EXCERPT` characters); None when the company no
    longer carries it (the store does: `read_task`)."""
    size: int = 0
    """Its whole result's length, in characters."""


class AddBlockerInput(BaseModel):
    """Update of a company: `identifier` (queued, not started) also waits for `blocked_by`."""

    identifier: str
    blocked_by: str
    input: bool = False
    """`blocked_by`'s result is also given to it when it starts."""
    actor: str = "board"
    within: list[str] | None = None
    """The agents whose tasks `actor` may hold back (an agent's own subtree of the org chart, set by
    its task workflow); None: any (the board)."""


class AddBlockerCall(BaseModel):
    """The `add_blocker` activity's input: an agent's tool call, for the company's update."""

    company_id: str
    request: AddBlockerInput


class AddBlockerAnswer(BaseModel):
    """What the company answered: the dependant's blockers now, or why it refused."""

    ok: bool
    message: str = ""
    blocked_by: list[str] = Field(default_factory=list)


class NewBlocker(BaseModel):
    """Body of `POST …/tasks/{id}/blockers`: the board makes a queued task also wait for another."""

    blocked_by: str = Field(min_length=1, max_length=200)
    input: bool = False
    """Also give it that task's result when it starts."""
