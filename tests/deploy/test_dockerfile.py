"""The Dockerfile, checked as far as it can be without an engine to build it: stages from
python:3.11-slim, the default target non-root, the entrypoint it copies executable and wrapped by
an init that passes signals on, the variables it sets ours, what it copies let through by
.dockerignore, and the coding CLIs of the `agents` target at the versions the contract tests check."""

import fnmatch
import re
import shlex
import tomllib
from dataclasses import dataclass, field

from tests.cli_contract.npm import PINNED
from tests.deploy.files import ROOT, not_settings

DOCKERFILE = ROOT / "Dockerfile"


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)


def stages() -> list[Stage]:
    """The stages, each with its instructions (continuation lines joined, comments dropped)."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    args = {}
    found: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "ARG" and not found:
            name, _, default = rest.partition("=")
            args[name] = default
        elif keyword == "FROM":
            base, _, name = rest.partition(" AS ")
            found.append(Stage(re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], base), name.strip()))
        else:
            found[-1].instructions.append((keyword, rest))
    return found


def lineage(name: str) -> list[Stage]:
    """The stage `name` and the stages it is built on, itself first."""
    by_name = {s.name: s for s in stages()}
    chain = [by_name[name]]
    while chain[-1].base in by_name:
        chain.append(by_name[chain[-1].base])
    return chain


def last(name: str, keyword: str) -> str:
    """The value of the last `keyword` instruction in effect for the stage `name`."""
    for stage in lineage(name):
        for found, rest in reversed(stage.instructions):
            if found == keyword:
                return rest
    raise AssertionError(f"no {keyword} for {name}")


def default_target() -> str:
    return stages()[-1].name


def test_multi_stage_from_python_311_slim_and_the_default_target_is_the_small_one() -> None:
    all_stages = stages()
    assert [s.name for s in all_stages] == ["build", "runtime", "agents", "paperclip"]
    assert {s.base for s in all_stages} - {"build", "runtime"} == {"python:3.11-slim"}
    assert [s.name for s in lineage(default_target())] == ["paperclip", "runtime"]  # no Node, no npm
    runtime = " ".join(rest for _, rest in lineage("runtime")[0].instructions)
    assert "--from=build /opt/paperclip" in runtime and "pip install" not in runtime  # no build tools inside


def test_every_target_runs_as_a_numeric_non_root_user() -> None:
    for target in ("runtime", "agents", "paperclip"):
        user = last(target, "USER")
        uid = user.split(":")[0]
        assert uid.isdigit() and int(uid) != 0, (target, user)


def test_the_entrypoint_is_our_executable_script_under_an_init() -> None:
    entrypoint = shlex.split(last("paperclip", "ENTRYPOINT").replace('"', ""))
    entrypoint = [part.strip("[],") for part in entrypoint]
    assert entrypoint[:2] == ["/usr/bin/tini", "--"]  # signals passed on, orphans reaped
    copies = [rest for keyword, rest in lineage("runtime")[0].instructions if keyword == "COPY"]
    [copy] = [c for c in copies if c.endswith(" " + entrypoint[2])]
    assert "--chmod=0755" in copy
    source = ROOT / copy.split()[-2]
    assert source == ROOT / "docker" / "entrypoint.sh" and source.stat().st_mode & 0o111
    runtime_packages = next(rest for keyword, rest in lineage("runtime")[0].instructions if "apt-get install" in rest)
    assert {"tini", "git", "bubblewrap"} <= set(runtime_packages.split())


def test_the_variables_it_sets_are_our_settings() -> None:
    env = last("paperclip", "ENV")
    names = [pair.split("=")[0] for pair in env.split()]
    assert not_settings(names, allowed=frozenset({"PATH", "PYTHONUNBUFFERED"})) == []
    assert "PAPERCLIP_HOME=/var/lib/paperclip" in env.split() and "PAPERCLIP_HOST=0.0.0.0" in env.split()


def test_dockerignore_lets_through_what_the_build_copies_and_every_package() -> None:
    patterns = [p for p in (ROOT / ".dockerignore").read_text().splitlines() if p and not p.startswith("#")]

    def sent(path: str) -> bool:  # Docker's rule: the last matching pattern wins
        included = True
        for pattern in patterns:
            negated = pattern.startswith("!")
            bare = pattern.lstrip("!").rstrip("/")
            if fnmatch.fnmatch(path, bare) or path.startswith(bare + "/"):
                included = negated
        return included

    copied = [source for s in stages() for keyword, rest in s.instructions
              if keyword == "COPY" and "--from" not in rest
              for source in [t for t in rest.split() if not t.startswith("--")][:-1]]  # fmt: skip
    assert {"pyproject.toml", "README.md", "docker/entrypoint.sh"} <= set(copied)
    for source in copied:
        assert (ROOT / source).exists(), source
        assert sent(source.rstrip("/")), f"{source} is left out by .dockerignore"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]
    assert set(packages) <= set(copied)
    assert not sent("tests/conftest.py") and not sent(".env") and not sent(".venv/bin/python")


def test_the_agents_target_installs_the_coding_clis_the_contract_tests_check() -> None:
    versions = {rest.split("=")[0]: rest.split("=")[1] for keyword, rest in lineage("agents")[0].instructions
                if keyword == "ARG"}  # fmt: skip
    install = next(rest for keyword, rest in lineage("agents")[0].instructions if "npm install" in rest)
    specs = dict(re.findall(r'"(@?[^"@]+)@\$\{(\w+)\}"', install))
    assert {package: versions[arg] for package, arg in specs.items()} == {p.name: p.version for p in PINNED.values()}


def test_the_image_has_pg_dump_for_backups_and_the_otel_extra_for_tracing() -> None:
    runtime = next(rest for keyword, rest in lineage("runtime")[0].instructions if "apt-get install" in rest)
    assert "postgresql-client" in runtime.split()  # Debian's: pg_dump and pg_restore
    snapshot = (ROOT / "paperclip" / "backup" / "snapshot.py").read_text()
    assert '_pg_tool("pg_dump")' in snapshot and '_pg_tool("pg_restore")' in snapshot  # what the backup runs
    [install] = [
        rest for keyword, rest in lineage("build")[0].instructions if keyword == "RUN" and "pip install" in rest
    ]
    [extras] = [word for word in install.split() if word.startswith('".[')]
    assert "otel" in extras.strip('".[]').split(",")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert any(dep.startswith("opentelemetry-sdk") for dep in pyproject["project"]["optional-dependencies"]["otel"])
