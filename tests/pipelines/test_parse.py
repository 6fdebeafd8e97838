"""`paperclip.pipelines.parse`: the guide's document as written, and each problem at its line."""

import textwrap

import pytest

from paperclip.models.pipelines import PipelineInputSpec
from paperclip.pipelines import PipelineInvalid, PipelineProblem, builtin_text, digest, parse

GUIDE = """\
# workflows/code-review.yaml
workflow:
  name: "full-code-review"
  steps:
    - agent: linter
      task: "Run linting on changed files"
      output: "lint_results"
    - agent: security
      task: "Review lint results for security issues"
      input: "lint_results"
      output: "security_findings"
    - agent: reviewer
      task: "Comprehensive code review"
      input: ["security_findings", "git_diff"]
      output: "review_comments"
    - agent: summarizer
      task: "Create PR review summary"
      input: "review_comments"
      output: "pr_comment"
"""
"""The users' guide's pipeline (Advanced Usage, Custom Agent Workflows), its indentation restored."""

AGENTS = ["linter", "security", "reviewer", "summarizer"]


def problems(text: str, **kwargs: object) -> list[PipelineProblem]:
    with pytest.raises(PipelineInvalid) as caught:
        parse(textwrap.dedent(text), **kwargs)  # type: ignore[arg-type]
    return caught.value.problems


def only(text: str, **kwargs: object) -> PipelineProblem:
    found = problems(text, **kwargs)
    assert len(found) == 1, found
    return found[0]


def test_the_guides_pipeline_validates_as_written() -> None:
    spec = parse(GUIDE, agents=AGENTS)
    assert spec.name == "full-code-review"
    assert [s.agent for s in spec.steps] == AGENTS
    assert [s.id for s in spec.steps] == ["lint_results", "security_findings", "review_comments", "pr_comment"]
    assert [s.input for s in spec.steps] == [
        [],
        ["lint_results"],
        ["security_findings", "git_diff"],
        ["review_comments"],
    ]
    # git_diff is read and no step outputs it: it is the run's input, a string
    assert spec.inputs == [PipelineInputSpec(name="git_diff", type="string", required=True)]


@pytest.mark.parametrize("wrap", ["pipeline", None])
def test_pipeline_key_and_a_bare_document_mean_the_same(wrap: str | None) -> None:
    body = GUIDE.split("workflow:\n", 1)[1]
    text = f"{wrap}:\n{body}" if wrap else textwrap.dedent(body)
    assert parse(text, agents=AGENTS) == parse(GUIDE, agents=AGENTS)


def test_declared_inputs_win_over_implied_ones_and_ids_default_to_agent_and_place() -> None:
    spec = parse(
        textwrap.dedent("""\
        name: triage
        inputs:
          - {name: count, type: integer, required: false, default: 3}
        steps:
          - {agent: linter, task: "Look at ${inputs.count} issues in ${repo}", input: [count, repo]}
          - {agent: linter, task: "Again: ${steps.linter-1.output}", needs: [linter-1]}
        """),
        agents=AGENTS,
    )
    assert [s.id for s in spec.steps] == ["linter-1", "linter-2"]
    assert spec.inputs == [
        PipelineInputSpec(name="count", type="integer", required=False, default=3),
        PipelineInputSpec(name="repo"),
    ]


def test_agents_are_not_checked_without_a_company_and_templates_are_the_built_ins() -> None:
    spec = parse("name: p\nsteps:\n  - {agent: anyone, task: t}\n  - {template: coder, task: t, approval: true}\n")
    assert spec.steps[0].agent == "anyone"
    assert spec.steps[1].template == "coder" and spec.steps[1].approval is not None and spec.steps[1].id == "coder-2"


def test_the_built_in_code_review_pipeline_validates_against_its_template_agents() -> None:
    text = builtin_text("code-review")
    assert text is not None
    spec = parse(text, agents=AGENTS)
    assert spec.name == "code-review" and [s.agent for s in spec.steps] == AGENTS
    assert [i.name for i in spec.inputs] == ["git_diff", "changed_files"]
    assert builtin_text("nope") is None


def test_digest_is_the_sha256_of_the_content() -> None:
    assert digest(GUIDE) == digest(GUIDE) and len(digest(GUIDE)) == 64
    assert digest(GUIDE) != digest(GUIDE + "\n")


# ---------------------------------------------------------------------------- each problem, at its line


def test_invalid_yaml_names_its_line_and_column() -> None:
    found = only("""\
    workflow:
      name: x
      steps:
        - agent: linter
          task: "unterminated
    """)
    assert found.line == 6 and "invalid YAML" in found.message


def test_characters_yaml_does_not_allow_are_refused_not_raised() -> None:
    # PyYAML's reader refuses them as the loader is made, before any node (found by the API's fuzzing).
    [found] = problems("\u0082\u00dfx\u008ab\u00cc")
    assert "invalid YAML: unacceptable character #x0082" in found.message


def test_an_unknown_agent_is_named_at_its_line_with_a_hint() -> None:
    found = only(GUIDE.replace("agent: reviewer", "agent: reveiwer"), agents=AGENTS)
    assert (found.line, found.column, found.field) == (12, 14, "steps[2].agent")
    assert "unknown agent 'reveiwer' (did you mean 'reviewer'?)" in found.message


def test_an_unknown_template_is_named_at_its_line() -> None:
    found = only("""\
    name: p
    steps:
      - template: wizard
        task: t
    """)
    assert (found.line, found.field) == (3, "steps[0].template") and "unknown agent template 'wizard'" in found.message


def test_a_step_without_agent_or_template_or_with_both() -> None:
    found = problems("""\
    name: p
    steps:
      - task: t
      - {agent: a, template: coder, task: t}
    """)
    assert [(p.line, p.field) for p in found] == [(3, "steps[0]"), (4, "steps[1]")]
    assert "give `agent`" in found[0].message and "not both" in found[1].message


def test_duplicate_step_ids() -> None:
    found = only("""\
    name: p
    steps:
      - {id: lint, agent: a, task: t}
      - agent: a
        id: lint
        task: t
    """)
    assert (found.line, found.field) == (5, "steps[1].id") and "taken by steps[0]" in found.message


def test_needs_naming_an_unknown_step() -> None:
    found = only("""\
    name: p
    steps:
      - {id: lint, agent: a, task: t}
      - agent: a
        task: t
        needs: [lint, lnt]
    """)
    assert (found.line, found.column, found.field) == (6, 19, "steps[1].needs[1]")
    assert "no step 'lnt' (did you mean 'lint'?)" in found.message


def test_a_cycle_through_needs_and_input() -> None:
    found = only("""\
    name: p
    steps:
      - {id: a, agent: x, task: t, input: c_out, output: a_out}
      - {id: b, agent: x, task: t, needs: [a]}
      - {id: c, agent: x, task: t, needs: [b], output: c_out}
    """)
    assert (found.line, found.field) == (3, "steps[0]") and "a → c → b → a" in found.message


def test_a_step_reading_its_own_output_is_a_cycle() -> None:
    found = only("name: p\nsteps:\n  - {agent: x, task: t, input: out, output: out}\n")
    assert found.line == 3 and "waits on itself" in found.message


def test_an_input_naming_a_step_instead_of_its_output() -> None:
    found = only("""\
    name: p
    steps:
      - {id: lint, agent: x, task: t, output: lint_results}
      - agent: x
        task: t
        input: [lint]
    """)
    assert (found.line, found.field) == (6, "steps[1].input[0]") and "is a step, not an output" in found.message


def test_a_run_input_that_a_step_also_outputs() -> None:
    found = only("""\
    name: p
    inputs:
      - name: diff
    steps:
      - {agent: x, task: t, output: diff}
    """)
    assert (found.line, found.field) == (3, "inputs[0].name") and "also the output of step 'diff'" in found.message


def test_references_that_name_nothing() -> None:
    found = problems("""\
    name: p
    steps:
      - {id: one, agent: x, task: t, output: first}
      - id: two
        agent: x
        task: "${inputs.repo} ${steps.none.output} ${first} ${whatever} ${steps.one} ${steps.one.output}"
    """)
    assert {p.line for p in found} == {6}
    messages = " | ".join(p.message for p in found)
    assert "${inputs.repo}: no run input 'repo'" in messages
    assert "${steps.none.output}: no step 'none'" in messages
    assert "${first}: the output of step 'one': add 'first' to its input" in messages
    assert "${whatever} names nothing" in messages
    assert "'${steps.one}' is not a reference" in messages
    assert "${steps.one.output}: step 'one' may not have finished when 'two' starts: add it to needs" in messages
    assert len(found) == 6


def test_when_that_jmespath_cannot_compile_or_that_names_nothing() -> None:
    found = problems("""\
    name: p
    steps:
      - {id: lint, agent: x, task: t}
      - agent: x
        task: t
        needs: [lint]
        when: "steps.lint.status == 'done' &&"
      - agent: x
        task: t
        needs: [lint]
        when: "steps.lint-x.status == 'done'"
      - agent: x
        task: t
        when: "steps.lnt.status == 'done' || inputs.nope"
    """)
    assert [(p.line, p.field) for p in found] == [
        (7, "steps[1].when"),
        (11, "steps[2].when"),
        (14, "steps[3].when"),
        (14, "steps[3].when"),
    ]
    assert "not a JMESPath expression: it ends too early" in found[0].message
    assert "quote a name with '-'" in found[1].message
    assert "no step 'lnt'" in found[2].message and "no run input 'nope'" in found[3].message


def test_a_when_over_inputs_and_earlier_steps_validates() -> None:
    parse("""\
name: p
inputs: [{name: strict, type: boolean}]
steps:
  - {id: lint, agent: x, task: t}
  - {agent: x, task: t, needs: [lint], when: "inputs.strict && steps.lint.status == 'done'"}
""")


def test_an_output_schema_that_is_not_a_json_schema_names_the_line_inside_it() -> None:
    found = problems("""\
    name: p
    steps:
      - agent: x
        task: t
        output_schema:
          type: object
          properties:
            score: {type: numbr}
      - agent: x
        task: t
        output_schema: {$ref: "https://example.com/schema.json"}
    """)
    assert [(p.line, p.field) for p in found] == [
        (8, "steps[0].output_schema.properties.score.type"),
        (11, "steps[1].output_schema.$ref"),
    ]
    assert "not a valid JSON schema" in found[0].message and "only references inside the schema" in found[1].message


def test_unknown_fields_and_keys_given_twice_are_problems_at_their_keys() -> None:
    found = problems("""\
    workflow:
      name: p
      steps:
        - agent: x
          task: t
          inptu: a
          task: u
    """)
    assert [(p.line, p.column, p.field) for p in found] == [(6, 7, "steps[0].inptu"), (7, 7, "steps[0].task")]
    assert "unknown field 'inptu' (did you mean 'input'?)" in found[0].message
    assert "given twice (first on line 5)" in found[1].message


def test_a_field_of_the_wrong_type_is_named_at_its_value() -> None:
    found = only("""\
    name: p
    steps:
      - agent: x
        task: t
        schema_tries: lots
    """)
    assert (found.line, found.column, found.field) == (5, 19, "steps[0].schema_tries")
    found = only("name: p\nsteps:\n  - agent: x\n")
    assert (found.line, found.field, found.message) == (3, "steps[0].task", "Field required")


def test_not_a_mapping_empty_and_wrapped_with_other_keys() -> None:
    assert only("").message.startswith("expected a mapping") and only("").line == 0
    assert only("- a\n- b\n").line == 1
    found = only("workflow:\n  name: p\nsteps: []\n")
    assert found.field == "workflow" and "holds the whole pipeline" in found.message


def test_a_document_whose_aliases_expand_beyond_reason_is_refused_without_walking_them() -> None:
    lines = ["a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
    for this, last in zip("bcdefgh", "abcdefg", strict=True):
        lines.append(f"{this}: &{this} [{', '.join([f'*{last}'] * 10)}]")
    assert "aliases expanded" in only("\n".join(lines)).message


def test_problems_are_ordered_by_line_and_the_message_lists_them() -> None:
    with pytest.raises(PipelineInvalid) as caught:
        parse(
            "name: p\nsteps:\n  - {agent: ghost, task: t}\n  - {agent: linter, task: t, needs: [nope]}\n", agents=AGENTS
        )
    assert [p.line for p in caught.value.problems] == [3, 4]
    assert str(caught.value).startswith(
        "invalid pipeline (2 problems): line 3, column 13: steps[0].agent: unknown agent"
    )
