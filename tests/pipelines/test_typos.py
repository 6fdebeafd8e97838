"""A misspelt name a step reads is a problem at its line with its likely meaning; a name far from
every declared input and output stays what the guide makes it, an implied run input."""

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from paperclip.models.pipelines import PipelineInputSpec
from paperclip.pipelines import PipelineInvalid, PipelineProblem, builtin_text, parse


def problems(text: str) -> list[PipelineProblem]:
    with pytest.raises(PipelineInvalid) as caught:
        parse(textwrap.dedent(text))
    return caught.value.problems


def test_an_input_name_close_to_an_output_is_a_typo_at_its_line() -> None:
    [found] = problems("""\
    name: p
    steps:
      - {agent: linter, task: lint, output: lint_results}
      - agent: security
        task: review
        input: [lint_result]
    """)
    assert (found.line, found.column, found.field) == (6, 13, "steps[1].input[0]")
    assert "'lint_result' is neither a declared input nor a step's output (did you mean 'lint_results'?)" in (
        found.message
    )
    assert "declare 'lint_result' in `inputs`" in found.message


def test_an_input_name_close_to_a_declared_input_is_a_typo() -> None:
    [found] = problems("""\
    name: p
    inputs:
      - name: git_diff
    steps:
      - {agent: linter, task: lint, input: gitdiff}
    """)
    assert (found.line, found.field) == (5, "steps[0].input[0]") and "did you mean 'git_diff'?" in found.message


def test_a_far_off_undeclared_name_stays_an_implied_input() -> None:
    spec = parse(
        textwrap.dedent("""\
        name: p
        inputs:
          - name: git_diff
        steps:
          - {agent: linter, task: "lint ${repository}", input: [git_diff, repository], output: lint_results}
        """)
    )
    assert spec.inputs == [PipelineInputSpec(name="git_diff"), PipelineInputSpec(name="repository")]


def test_declaring_the_close_name_accepts_it() -> None:
    spec = parse(
        textwrap.dedent("""\
        name: p
        inputs: [{name: repo}, {name: repos}]
        steps:
          - {agent: linter, task: t, input: [repo, repos]}
        """)
    )
    assert [i.name for i in spec.inputs] == ["repo", "repos"]


def test_a_misspelt_reference_in_a_task_names_its_likely_meaning() -> None:
    found = problems("""\
    name: p
    inputs: [{name: git_diff}]
    steps:
      - {agent: linter, task: lint, output: lint_results}
      - agent: security
        task: "Look at ${lint_reslts} and ${inputs.git_dif}"
        input: [lint_results]
    """)
    assert {(p.line, p.field) for p in found} == {(6, "steps[1].task")}
    messages = " | ".join(p.message for p in found)
    assert "${lint_reslts} names nothing (did you mean 'lint_results'?)" in messages
    assert "${inputs.git_dif}: no run input 'git_dif' (did you mean 'git_diff'?)" in messages


def test_a_misspelt_input_in_when_names_its_likely_meaning() -> None:
    [found] = problems("""\
    name: p
    inputs: [{name: strict, type: boolean}]
    steps:
      - {agent: linter, task: lint, when: "inputs.strct"}
    """)
    assert found.field == "steps[0].when" and "no run input 'strct' (did you mean 'strict'?)" in found.message


def test_the_guides_form_and_the_builtin_pipeline_still_validate() -> None:
    text = builtin_text("code-review")
    assert text is not None
    assert [i.name for i in parse(text).inputs] == ["git_diff", "changed_files"]
    guide = """\
    workflow:
      name: full-code-review
      steps:
        - {agent: linter, task: lint, output: lint_results}
        - {agent: security, task: sec, input: lint_results, output: security_findings}
        - {agent: reviewer, task: review, input: [security_findings, git_diff], output: review_comments}
        - {agent: summarizer, task: summary, input: review_comments, output: pr_comment}
    """
    assert [i.name for i in parse(textwrap.dedent(guide)).inputs] == ["git_diff"]


def test_pipeline_validate_prints_the_typo_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "review.yaml"
    path.write_text(
        "name: review\nsteps:\n  - {agent: linter, task: lint, output: lint_results}\n"
        "  - {agent: security, task: sec, input: [lint_result, git_diff]}\n"
    )
    result = CliRunner().invoke(app, ["pipeline", "validate", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"error: {path}: invalid pipeline (1 problem)"
    assert lines[1].startswith(f"  {path}:4:42: steps[1].input[0]: 'lint_result' is neither")
    assert "did you mean 'lint_results'?" in lines[1]
