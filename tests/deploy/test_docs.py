"""docs/deploy.md says what is true of the files and the CLI: every `paperclip …` command in its
code blocks is one the CLI has, options and all; its account of how the manifests are checked
names the renderer the tests use and the kustomize features it renders; the way from the
embedded stack to a cluster is there, with the commands it needs, and README links it."""

import re
import shlex

import pytest
from typer.testing import CliRunner

from cli import app
from tests.deploy.files import ROOT
from tests.deploy.kustomize import KNOWN

DOC = ROOT / "docs" / "deploy.md"
SHELL_ENDS = {"&&", "||", "|", ";", ">", ">>", "2>&1"}


def section(title: str) -> str:
    """The text of the `## title` section of docs/deploy.md."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", DOC.read_text(), re.S | re.M)
    assert found, f"docs/deploy.md has no section {title!r}"
    return found[1]


def anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


def commands(text: str) -> list[list[str]]:
    """The arguments of each `paperclip` command in the shell code blocks of `text` (after an
    environment assignment, `docker compose exec api`, `kubectl exec … --`; up to `&&`, a pipe or
    a redirection), backslash-continued lines joined."""
    found = []
    for block in re.findall(r"^```(?:bash|sh)\n(.*?)^```", text, re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            starts = [i for i, word in enumerate(words) if word == "paperclip" and runs_it(words[:i])]
            if not starts:
                continue  # `paperclip` as a name: an image's, a deployment's
            argv = words[starts[0] + 1 :]
            for index, word in enumerate(argv):
                if word in SHELL_ENDS:
                    argv = argv[:index]
                    break
            found.append(argv)
    return found


def runs_it(before: list[str]) -> bool:
    """Whether the words `before` a `paperclip` leave it the command: nothing, environment
    assignments, or a container's `exec SERVICE` / `exec … --`."""
    while before and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", before[0]):
        before = before[1:]
    return not before or before[-1] == "--" or (len(before) >= 2 and before[-2] == "exec")


def accepted(argv: list[str]) -> tuple[int, str]:
    """The real CLI asked for the command's help with its arguments and options given: exit 0
    when it has the command and every option (an unknown one is refused before `--help`)."""
    result = CliRunner().invoke(app, [*argv, "--help"])
    return result.exit_code, result.output


DOC_COMMANDS = commands(DOC.read_text())


@pytest.mark.parametrize("argv", DOC_COMMANDS, ids=" ".join)
def test_every_paperclip_command_in_the_deploy_docs_is_one_the_cli_has(argv: list[str]) -> None:
    code, output = accepted(argv)
    assert code == 0, output


def test_the_check_refuses_a_command_or_option_the_cli_lacks() -> None:
    assert accepted(["company", "export", "acme", "--outptu", "a.json"])[0] != 0
    assert accepted(["company", "move", "acme"])[0] != 0


def test_the_docs_say_how_the_manifests_are_rendered_for_the_tests() -> None:
    checked = section("How the files are checked")
    assert "tests/deploy/kustomize.py" in checked
    assert not re.search(r"rendered by `kubectl kustomize`", checked)
    for feature in KNOWN - {"apiVersion", "kind"}:
        assert f"`{feature}`" in checked, feature


def test_the_way_from_the_embedded_stack_to_a_cluster_is_documented_and_linked() -> None:
    title = "From the embedded stack to a cluster"
    moving = section(title)
    argv = commands(moving)
    for needed in (["company", "export"], ["company", "import"], ["migrate"]):
        assert any(a[: len(needed)] == needed for a in argv) or f"`paperclip {' '.join(needed)}`" in moving, needed
    for word in ("PAPERCLIP_DATABASE_URL", "temporal.db", "PAPERCLIP_HOME", "attachments", "work products"):
        assert word in moving, word
    readme = (ROOT / "README.md").read_text()
    assert f"docs/deploy.md#{anchor(title)}" in readme
