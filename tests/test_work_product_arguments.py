"""`complete_task`'s `work_products`, as the model is shown them and as its call is checked: one
plain schema (no `$ref`), the kinds as an enum; hostile values (a path out of the workspace, a
`file://` or `javascript:` URL, a URL carrying a password, too many) refused with a message."""

import json

import pytest

from paperclip.tools import ToolArgumentsError, arguments_of
from paperclip.tools.complete_task import CompleteTaskArguments, complete_task_tool


def test_the_schema_is_one_plain_object_with_the_kinds_as_an_enum() -> None:
    parameters = complete_task_tool().parameters
    assert "$ref" not in json.dumps(parameters) and "$defs" not in parameters
    item = parameters["properties"]["work_products"]["items"]
    assert item["properties"]["kind"]["enum"] == ["commit", "branch", "pull_request", "file", "document", "url"]
    assert item["required"] == ["kind", "value"] and parameters["required"] == ["result"]


def test_declared_products_are_checked_and_a_file_path_made_clean() -> None:
    products = [
        {"kind": "file", "value": "./docs//notes.md"},
        {"kind": "url", "value": "https://example.com/r", "title": "Report"},
        {"kind": "commit", "value": "ABCDEF1"},
    ]
    args = arguments_of("complete_task", {"result": "Done.", "work_products": products})
    assert isinstance(args, CompleteTaskArguments)
    assert [(p.kind.value, p.value) for p in args.work_products] == [
        ("file", "docs/notes.md"),
        ("url", "https://example.com/r"),
        ("commit", "abcdef1"),
    ]
    assert arguments_of("complete_task", {"result": "Done."}).work_products == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("product", "said"),
    [
        ({"kind": "file", "value": "../../etc/passwd"}, "without '..'"),
        ({"kind": "file", "value": "/etc/passwd"}, "without '..'"),
        ({"kind": "file", "value": "file:///etc/passwd"}, "relative to the task's workspace"),
        ({"kind": "file", "value": ".git/config"}, "git's own folder"),
        ({"kind": "url", "value": "file:///etc/passwd"}, "not an http(s) URL"),
        ({"kind": "url", "value": "javascript:alert(1)"}, "not an http(s) URL"),
        ({"kind": "pull_request", "value": "https://bot:s3cret@github.com/a/b/pull/1"}, "user or password"),
        ({"kind": "commit", "value": "HEAD~1"}, "not a commit hash"),
        ({"kind": "branch", "value": "--upload-pack=x"}, "not a branch name"),
        ({"kind": "secret", "value": "x"}, "work_products.0.kind"),
    ],
)
def test_hostile_products_are_refused_with_a_message(product: dict[str, str], said: str) -> None:
    with pytest.raises(ToolArgumentsError, match="invalid arguments for complete_task") as refused:
        arguments_of("complete_task", {"result": "Done.", "work_products": [product]})
    assert said in str(refused.value)


def test_at_most_twenty_products() -> None:
    many = [{"kind": "url", "value": f"https://example.com/{n}"} for n in range(21)]
    with pytest.raises(ToolArgumentsError, match="at most 20"):
        arguments_of("complete_task", {"result": "Done.", "work_products": many})
