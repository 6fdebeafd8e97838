"""Custom templates from files and directories, and the message each kind of mistake gets."""

import os
from pathlib import Path

import pytest

from paperclip.templates import TemplateInvalid, TemplateKind, TemplateNotFound, load_registry

AGENT = """\
kind: agent
name: {name}
description: Writes release notes.
role: {role}
title: Release Note Writer
capabilities: Release notes from merged changes.
system_prompt: Write release notes, then call complete_task with them.
reports_to: cto
"""

COMPANY = """\
kind: company
name: tiny-shop
description: A two-agent shop.
mission: Ship small things.
prefix: TINY
goals: [Ship one thing a week.]
agents:
  - name: boss
    template: ceo
  - name: tech
    template: cto
  - name: notes
    template: notes-writer
    reports_to: tech
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def problems(*paths: Path) -> list[str]:
    with pytest.raises(TemplateInvalid) as caught:
        load_registry(list(paths))
    return caught.value.problems


def test_a_directory_adds_agent_and_company_templates_next_to_the_built_ins(tmp_path: Path) -> None:
    write(tmp_path, "agents/notes-writer.yaml", AGENT.format(name="notes-writer", role="general"))
    write(tmp_path, "tiny-shop.yml", COMPANY)
    write(tmp_path, "README.md", "not a template")
    write(tmp_path, ".hidden/skip.yaml", "kind: nonsense")
    registry = load_registry([tmp_path])
    entry = registry.entry(TemplateKind.AGENT, "notes-writer")
    assert not entry.builtin and entry.source == str(tmp_path / "agents" / "notes-writer.yaml")
    assert registry.entry(TemplateKind.AGENT, "coder").builtin
    team = registry.company_agents(registry.company("tiny-shop"))
    assert [(s.name, s.reports_to, s.template) for s in team] == [
        ("boss", None, "ceo"),
        ("tech", "boss", "cto"),
        ("notes", "tech", "notes-writer"),
    ]


def test_a_single_file_and_the_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = write(tmp_path / "a", "notes.yaml", AGENT.format(name="notes-writer", role="general"))
    other = write(tmp_path / "b", "x.yaml", AGENT.format(name="other-writer", role="general"))
    assert "notes-writer" in load_registry([one]).agents
    monkeypatch.setenv("PAPERCLIP_TEMPLATES", f"{one}{os.pathsep}{other.parent}")
    assert {"notes-writer", "other-writer"} <= load_registry().agents.keys()


def test_the_name_defaults_to_the_file_name(tmp_path: Path) -> None:
    text = AGENT.format(name="x", role="general").replace("name: x\n", "")
    assert "quiet-writer" in load_registry([write(tmp_path, "quiet-writer.yaml", text)]).agents


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "kind: agent\nname: broken\ntools: [fs, git\ndescription: x\n")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:4:")
    assert "invalid YAML" in problem


def test_a_schema_error_names_the_file_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", AGENT.format(name="x-writer", role="boss"))
    [problem] = problems(path)
    assert problem.startswith(f"{path}: role: Input should be 'ceo', 'cto'")


def test_unknown_fields_are_errors_even_nested(tmp_path: Path) -> None:
    text = AGENT.format(name="x-writer", role="general") + "colour: red\nmodel:\n  provider: openai\n  modle: gpt\n"
    path = write(tmp_path, "x.yaml", text)
    assert sorted(problems(path)) == [
        f"{path}: colour: Extra inputs are not permitted",
        f"{path}: model.modle: Extra inputs are not permitted",
    ]


def test_missing_fields_and_a_bad_heartbeat_are_each_named(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "kind: agent\nname: x\nrole: qa\nheartbeat: {interval_seconds: 5}\n")
    found = problems(path)
    for field in ("description", "title", "capabilities", "system_prompt", "heartbeat.interval_seconds"):
        assert any(p.startswith(f"{path}: {field}: ") for p in found), (field, found)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a mapping of template fields, got an empty file"),
        ("- a\n- b\n", "expected a mapping of template fields, got a list"),
        ("name: x\n", "kind: must be 'agent' or 'company', got None"),
        ("kind: robot\n", "kind: must be 'agent' or 'company', got 'robot'"),
    ],
)
def test_a_file_that_is_not_a_template_says_why(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "x.yaml", text)
    assert problems(path) == [f"{path}: {message}"]


def test_a_duplicate_name_names_both_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", AGENT.format(name="notes-writer", role="general"))
    second = write(tmp_path, "b.yaml", AGENT.format(name="notes-writer", role="qa"))
    assert problems(tmp_path) == [f"agent template 'notes-writer' is defined twice: {first} and {second}"]


def test_a_custom_template_cannot_take_a_built_in_name(tmp_path: Path) -> None:
    path = write(tmp_path, "coder.yaml", AGENT.format(name="coder", role="engineer"))
    [problem] = problems(path)
    assert problem.startswith(f"{path}: name: agent template 'coder' is a built-in (built-in:agents/coder.yaml)")


def test_a_company_naming_an_unknown_agent_template_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "shop.yaml", COMPANY)
    assert problems(path) == [f"{path}: agents[2].template: unknown agent template 'notes-writer'"]


def test_a_company_naming_an_unknown_or_later_manager_says_so(tmp_path: Path) -> None:
    write(tmp_path, "notes.yaml", AGENT.format(name="notes-writer", role="general"))
    path = write(tmp_path, "shop.yaml", COMPANY.replace("reports_to: tech", "reports_to: nobody"))
    assert problems(tmp_path) == [f"{path}: agents[2].reports_to: 'nobody' is not an agent of this company"]
    text = COMPANY.replace("  - name: tech\n    template: cto\n", "") + "  - name: tech\n    template: cto\n"
    path.write_text(text)
    assert problems(tmp_path) == [
        f"{path}: agents[1].reports_to: 'tech' is listed after it: list managers before their reports"
    ]


def test_a_default_manager_role_missing_from_the_company_says_so(tmp_path: Path) -> None:
    text = COMPANY.replace("  - name: tech\n    template: cto\n", "  - name: dev\n    template: coder\n")
    text = text.replace("template: notes-writer\n    reports_to: tech", "template: summarizer")
    path = write(tmp_path, "shop.yaml", text)
    [problem] = problems(path)
    assert problem.startswith(f"{path}: agents[1].reports_to: template 'coder' reports to a cto by default")


def test_a_company_must_be_one_tree_with_one_ceo(tmp_path: Path) -> None:
    text = COMPANY.replace("template: notes-writer\n    reports_to: tech", "template: summarizer\n    reports_to: null")
    path = write(tmp_path, "shop.yaml", text)
    assert problems(path) == [f"{path}: agents: exactly one agent must have no manager, found boss, notes"]
    path.write_text(COMPANY.replace("template: notes-writer", "template: ceo"))
    assert problems(path) == [f"{path}: agents[2]: the company already has a CEO ('boss')"]


def test_bad_overrides_name_the_member_and_field(tmp_path: Path) -> None:
    text = COMPANY.replace(
        "template: notes-writer\n    reports_to: tech",
        "template: qa\n    overrides:\n      budget: {monthly_usd: -1}\n      shoe_size: 9",
    )
    path = write(tmp_path, "shop.yaml", text)
    [problem] = problems(path)
    assert problem == f"{path}: agents[2].overrides: unknown agent field(s): shoe_size"
    path.write_text(text.replace("      shoe_size: 9\n", ""))
    [problem] = problems(path)
    assert problem.startswith(f"{path}: agents[2].overrides.budget.monthly_usd: Input should be greater")


def test_a_missing_path_is_named(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope") == [f"PAPERCLIP_TEMPLATES: {tmp_path / 'nope'} does not exist"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "kind: [")
    write(tmp_path, "b.yaml", "kind: robot\n")
    write(tmp_path, "c.yaml", COMPANY)
    assert len(problems(tmp_path)) == 3


def test_an_unknown_template_lists_the_known_ones() -> None:
    registry = load_registry([])
    with pytest.raises(TemplateNotFound, match="no agent template 'wizard' \\(known: ceo, cmo, coder"):
        registry.agent("wizard")


def test_an_unknown_tool_is_named_with_the_known_ones(tmp_path: Path) -> None:
    text = AGENT.format(name="x-writer", role="general") + "tools: [read_file, shell, github__create_issue, time__*]\n"
    path = write(tmp_path, "x.yaml", text)
    [problem] = problems(path)
    assert problem.startswith(f"{path}: tools: unknown tool 'shell' (known tools: ")
    assert "read_file" in problem and "an MCP server's tool is named server__tool or server__*" in problem


def test_a_company_override_naming_an_unknown_tool_or_rule_is_refused(tmp_path: Path) -> None:
    company = COMPANY.replace(
        "    template: cto\n",
        "    template: cto\n    overrides:\n      tools: [web_search]\n"
        "      tool_policy: [{tool: diff, policy: allow}]\n",
    )
    write(tmp_path, "notes.yaml", AGENT.format(name="notes-writer", role="general"))
    path = write(tmp_path, "c.yaml", company)
    tools, rule, *_ = problems(tmp_path)  # then its reports: their manager did not join
    assert tools.startswith(f"{path}: agents[1].overrides: tools: unknown tool 'web_search' (known tools: ")
    assert rule.startswith(f"{path}: agents[1].overrides: tool_policy[0]: unknown tool 'diff' (known tools: ")
