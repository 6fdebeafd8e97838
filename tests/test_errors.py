"""The product's errors share one root and say what kind they are."""

import importlib
import pkgutil
import re

import pytest

from paperclip.errors import InvalidInput, PaperclipError


def test_an_error_has_a_kind_and_its_message() -> None:
    err = PaperclipError("the store is gone", kind="unavailable")
    assert (err.kind, err.message, str(err)) == ("unavailable", "the store is gone", "the store is gone")
    assert PaperclipError().kind == "internal" and PaperclipError().message == ""


def test_bad_input_is_also_a_value_error() -> None:
    with pytest.raises(ValueError) as caught:
        raise InvalidInput("a name must be a slug")
    assert isinstance(caught.value, PaperclipError) and caught.value.kind == "invalid_input"


FOREIGN_ROOTS = {
    "api.errors._BodyTooLarge": "Starlette's own HTTP exception, answered by its handler",
    "api.temporal_bounds.NoAnswer": "the SDK's RPC timeout, which the API's Temporal handler answers",
    "cli.supervisor._Stop": "the supervisor's signal handler unwinding its own loop",
    "paperclip.envfile.EnvFileError": "pydantic-settings' SettingsError, which a settings source raises",
}
"""Exception classes that must extend another library's exception instead (and why)."""


def _exception_classes() -> dict[str, type]:
    """Every exception class the product's packages define, by `module.Name`."""
    found: dict[str, type] = {}
    for package in PACKAGES:
        root = importlib.import_module(package)
        names = [m.name for m in pkgutil.walk_packages(root.__path__, f"{package}.")]
        modules = [root, *(importlib.import_module(n) for n in names if not SCRIPTS.search(n))]
        for module in modules:
            for name, value in vars(module).items():
                if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == module.__name__:
                    found[f"{module.__name__}.{name}"] = value
    return found


PACKAGES = ["paperclip", "cli", "api", "workers", "workflows", "activities", "ui"]
SCRIPTS = re.compile(r"\.migrations\b|__main__$|^ui\.app(_pages)?\b")
"""Modules that run when imported (migrations, entry points, the dashboard's pages): no errors there."""


def test_every_error_the_product_defines_is_a_paperclip_error_with_a_kind() -> None:
    classes = _exception_classes()
    assert len(classes) > 20 and "paperclip.keys.KeyRefused" in classes
    strays = sorted(name for name, cls in classes.items() if not issubclass(cls, PaperclipError))
    assert strays == sorted(FOREIGN_ROOTS)
    kinds = {name: cls.kind for name, cls in classes.items() if issubclass(cls, PaperclipError)}
    assert all(kind.islower() and " " not in kind for kind in kinds.values()), kinds
