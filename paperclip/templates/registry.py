"""Where templates come from: the built-ins shipped in the package, plus custom files.

Custom templates are YAML files named by `PAPERCLIP_TEMPLATES` (a file or a directory, several
joined with the path separator). Every problem is collected and reported together, each naming
its file and the line (YAML syntax) or field (schema). A custom template may not take the name of
a built-in one: a hire from `coder` always means the same thing, and a custom template picks its
own name instead.
"""

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from paperclip.errors import PaperclipError
from paperclip.models import AgentSpec, AgentState
from paperclip.org import OrgError, check_hire
from paperclip.templates.models import AgentTemplate, CompanyTemplate, Template, TemplateKind
from paperclip.tools.known import agent_tool_problems

ENV_VAR = "PAPERCLIP_TEMPLATES"
BUILTIN_PREFIX = "built-in:"
YAML_SUFFIXES = (".yaml", ".yml")


class TemplateError(PaperclipError):
    """The root of template errors; `str()` is readable on its own."""

    kind = "invalid_input"


class TemplateNotFound(TemplateError):
    """No template of this kind (`template_kind`) and name."""

    kind = "not_found"

    def __init__(self, kind: TemplateKind, name: str, known: Iterable[str]) -> None:
        names = ", ".join(sorted(known)) or "none"
        super().__init__(f"no {kind.value} template '{name}' (known: {names})")
        self.template_kind = kind
        self.name = name


class TemplateInvalid(TemplateError):
    """Templates that do not load or validate, or a template that cannot be used as asked.

    `problems` holds one line per problem, each naming its file and field.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Entry:
    template: Template
    source: str
    """Where it was read: `built-in:agents/coder.yaml` or a file path."""
    builtin: bool


@dataclass
class TemplateRegistry:
    """Agent and company templates by name, with where each came from."""

    agents: dict[str, Entry] = field(default_factory=dict)
    companies: dict[str, Entry] = field(default_factory=dict)

    def _table(self, kind: TemplateKind) -> dict[str, Entry]:
        return self.agents if kind is TemplateKind.AGENT else self.companies

    def entries(self) -> list[Entry]:
        """Every template, agents then companies, each sorted by name."""
        return [self.agents[n] for n in sorted(self.agents)] + [self.companies[n] for n in sorted(self.companies)]

    def entry(self, kind: TemplateKind, name: str) -> Entry:
        table = self._table(kind)
        if name not in table:
            raise TemplateNotFound(kind, name, table)
        return table[name]

    def agent(self, name: str) -> AgentTemplate:
        template = self.entry(TemplateKind.AGENT, name).template
        assert isinstance(template, AgentTemplate)
        return template

    def company(self, name: str) -> CompanyTemplate:
        template = self.entry(TemplateKind.COMPANY, name).template
        assert isinstance(template, CompanyTemplate)
        return template

    def company_agents(self, template: CompanyTemplate) -> list[AgentSpec]:
        """The founding team of a company template, managers first, as a valid org chart.

        Raises:
            TemplateInvalid: a member names an unknown agent template or manager, an override is
                invalid, or the chart is not one tree.
        """
        where = self.companies[template.name].source if template.name in self.companies else template.name
        specs, problems = _team(template, self.agents, where)
        if problems:
            raise TemplateInvalid(problems)
        return specs

    def add(self, entry: Entry, problems: list[str]) -> None:
        """Register `entry`, or add a problem when its name is taken."""
        table = self._table(TemplateKind(entry.template.kind))
        other = table.get(entry.template.name)
        if other is None:
            table[entry.template.name] = entry
        elif other.builtin and not entry.builtin:
            problems.append(
                f"{entry.source}: name: {entry.template.kind} template '{entry.template.name}' is a built-in"
                f" ({other.source}); give the custom template another name"
            )
        else:
            problems.append(
                f"{entry.template.kind} template '{entry.template.name}' is defined twice:"
                f" {other.source} and {entry.source}"
            )


# --------------------------------------------------------------------------- parsing


def _where(loc: tuple[Any, ...]) -> str:
    """`("agents", 2, "reports_to")` → `agents[2].reports_to`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validation_problems(source: str, error: ValidationError, *, under: str = "") -> list[str]:
    """One line per error: `file: field: message`, the field placed `under` a path when given."""
    problems = []
    for e in error.errors():
        field = ".".join(part for part in (under, _where(e["loc"]) if e["loc"] else "") if part) or "(top level)"
        problems.append(f"{source}: {field}: {str(e['msg']).removeprefix('Value error, ')}")
    return problems


def parse_template(text: str, source: str, *, default_name: str | None = None) -> Template:
    """One template from YAML text read from `source` (named in errors).

    Raises:
        TemplateInvalid: the YAML does not parse (file and line), is not a mapping, has no
            valid `kind`, or does not fit the template's schema (file and field).
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        reason = getattr(error, "problem", None) or str(error)
        raise TemplateInvalid([f"{source}{at}: invalid YAML: {reason}"]) from None
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise TemplateInvalid([f"{source}: expected a mapping of template fields, got {got}"])
    kind = data.get("kind")
    model: type[AgentTemplate] | type[CompanyTemplate]
    if kind == TemplateKind.AGENT:
        model = AgentTemplate
    elif kind == TemplateKind.COMPANY:
        model = CompanyTemplate
    else:
        raise TemplateInvalid([f"{source}: kind: must be 'agent' or 'company', got {kind!r}"])
    if default_name is not None:
        data.setdefault("name", default_name)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise TemplateInvalid(validation_problems(source, error)) from None


def _team(template: CompanyTemplate, agents: Mapping[str, Entry], source: str) -> tuple[list[AgentSpec], list[str]]:
    """Build a company template's team, collecting every problem."""
    problems: list[str] = []
    chart: dict[str, AgentState] = {}
    specs: list[AgentSpec] = []
    roots: list[str] = []
    for index, member in enumerate(template.agents):
        at = f"{source}: agents[{index}]"
        entry = agents.get(member.template)
        if entry is None:
            problems.append(f"{at}.template: unknown agent template '{member.template}'")
            continue
        agent_template = entry.template
        assert isinstance(agent_template, AgentTemplate)
        manager = member.reports_to
        if "reports_to" not in member.model_fields_set and agent_template.reports_to is not None:
            role = agent_template.reports_to
            manager = next((s.name for s in specs if s.role == role), None)
            if manager is None:
                problems.append(
                    f"{at}.reports_to: template '{member.template}' reports to a {role.value} by default,"
                    " and no agent listed before it has that role: set reports_to"
                )
                continue
        elif manager is not None and manager not in chart:
            later = any(m.name == manager for m in template.agents[index + 1 :])
            problems.append(
                f"{at}.reports_to: '{manager}' is "
                + ("listed after it: list managers before their reports" if later else "not an agent of this company")
            )
            continue
        try:
            spec = agent_template.to_agent_spec(member.name, reports_to=manager, overrides=member.overrides)
        except ValidationError as error:
            problems.extend(validation_problems(source, error, under=f"agents[{index}].overrides"))
            continue
        except ValueError as error:
            problems.append(f"{at}.overrides: {error}")
            continue
        named = agent_tool_problems(spec)  # the tools and rules its overrides give it
        if named:
            problems.extend(f"{at}.overrides: {problem}" for problem in named)
            continue
        try:
            check_hire(chart, spec)
        except OrgError as error:
            problems.append(f"{at}: {error}")
            continue
        chart[spec.name] = AgentState(spec=spec)
        specs.append(spec)
        if manager is None:
            roots.append(spec.name)
    if not problems and len(roots) != 1:
        problems.append(f"{source}: agents: exactly one agent must have no manager, found {', '.join(roots)}")
    return specs, problems


# --------------------------------------------------------------------------- loading


def _builtin_files() -> Iterator[tuple[str, str, str]]:
    """(source, stem, text) of every built-in template file."""
    root = resources.files("paperclip.templates")
    for folder in ("agents", "companies"):
        for item in sorted(root.joinpath(folder).iterdir(), key=lambda i: i.name):
            if item.name.endswith(YAML_SUFFIXES):
                yield f"{BUILTIN_PREFIX}{folder}/{item.name}", item.name.rsplit(".", 1)[0], item.read_text("utf-8")


def _custom_files(paths: Iterable[Path], problems: list[str]) -> Iterator[tuple[str, str, str]]:
    for path in paths:
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in YAML_SUFFIXES and p.is_file() and not any(s.startswith(".") for s in p.parts)
            )
        elif path.is_file():
            files = [path]
        else:
            problems.append(f"{ENV_VAR}: {path} does not exist")
            continue
        for file in files:
            try:
                yield str(file), file.stem, file.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as error:
                problems.append(f"{file}: cannot read: {error}")


def _load(files: Iterable[tuple[str, str, str]], registry: TemplateRegistry, *, builtin: bool) -> list[str]:
    problems: list[str] = []
    for source, stem, text in files:
        try:
            template = parse_template(text, source, default_name=stem)
        except TemplateInvalid as error:
            problems.extend(error.problems)
            continue
        registry.add(Entry(template=template, source=source, builtin=builtin), problems)
    return problems


def _check_companies(registry: TemplateRegistry) -> list[str]:
    problems: list[str] = []
    for entry in registry.companies.values():
        assert isinstance(entry.template, CompanyTemplate)
        problems.extend(_team(entry.template, registry.agents, entry.source)[1])
    return problems


@lru_cache(maxsize=1)
def builtin_registry() -> TemplateRegistry:
    """The templates shipped in the package (read once)."""
    registry = TemplateRegistry()
    problems = _load(_builtin_files(), registry, builtin=True)
    problems += _check_companies(registry)
    if problems:
        raise TemplateInvalid(problems)
    return registry


def custom_paths(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The paths `PAPERCLIP_TEMPLATES` names in the environment or the `.env` file (none when unset)."""
    if environ is None:
        from paperclip.settings import get_settings

        environ = get_settings().environ
    value = environ.get(ENV_VAR, "")
    return [Path(part).expanduser() for part in value.split(os.pathsep) if part.strip()]


def load_registry(paths: Iterable[Path] | None = None) -> TemplateRegistry:
    """Built-in templates plus the custom ones under `paths` (default: `PAPERCLIP_TEMPLATES`).

    Custom files are read on every call, so an edit shows without a restart.

    Raises:
        TemplateInvalid: every problem found, each naming its file and line or field.
    """
    builtins = builtin_registry()
    registry = TemplateRegistry(agents=dict(builtins.agents), companies=dict(builtins.companies))
    problems: list[str] = []
    files = list(_custom_files(custom_paths() if paths is None else paths, problems))
    problems += _load(files, registry, builtin=False)
    problems += _check_companies(
        TemplateRegistry(
            agents=registry.agents, companies={n: e for n, e in registry.companies.items() if not e.builtin}
        )
    )
    if problems:
        raise TemplateInvalid(problems)
    return registry
