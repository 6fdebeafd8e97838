"""`${…}` in a task's text: found, refused when malformed, and filled in by `render`."""

import pytest

from paperclip.pipelines import MalformedReference, ReferenceKind, references, render


def test_the_three_forms_are_found_and_a_double_dollar_is_literal() -> None:
    found, malformed = references("Diff ${inputs.git_diff}; lint ${steps.lint.output}; ${pr} and $${not_one}")
    assert [(r.kind, r.name, r.text) for r in found] == [
        (ReferenceKind.INPUT, "git_diff", "${inputs.git_diff}"),
        (ReferenceKind.STEP, "lint", "${steps.lint.output}"),
        (ReferenceKind.NAME, "pr", "${pr}"),
    ]
    assert malformed == []


@pytest.mark.parametrize("text", ["${steps.lint}", "${Inputs.x}", "${}", "${a b}", "unclosed ${inputs.x"])
def test_anything_else_after_a_dollar_brace_is_malformed(text: str) -> None:
    found, malformed = references(text)
    assert found == [] and len(malformed) == 1 and "is not a reference" in str(malformed[0])


def test_render_fills_each_reference_and_unescapes() -> None:
    text = "Review ${inputs.repo} given ${steps.lint.output} (${ note }) — cost $${price}"
    filled = render(text, lambda ref: f"<{ref.kind.value}:{ref.name}>")
    assert filled == "Review <input:repo> given <step:lint> (<name:note>) — cost ${price}"
    with pytest.raises(MalformedReference):
        render("${steps.x}", lambda ref: "")
