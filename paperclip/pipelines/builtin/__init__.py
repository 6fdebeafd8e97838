"""The pipeline documents shipped with the product, by name (`code-review`)."""

from importlib import resources

BUILTINS = ("code-review",)
"""The names of the built-in documents (`paperclip pipeline add code-review --company C`)."""


def builtin_text(name: str) -> str | None:
    """The text of the built-in document `name`, or None when there is none of that name."""
    if name not in BUILTINS:
        return None
    return resources.files(__name__).joinpath(f"{name}.yaml").read_text("utf-8")
