"""The product's errors share one root and say what kind they are."""

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
