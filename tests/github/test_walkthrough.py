"""The README's walk-through stays true: the fake GitHub it serves (`python -m
tests.fakes.github_demo`) answers as GitHub does and says each review posted to it, and every
`paperclip` command the walk-through shows exists with the options it gives. (The review itself,
end to end, is tests/api/test_monitors.py's.)"""

import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer

from cli import app
from tests.fakes.github_demo import DIFF, HEAD_SHA

ROOT = Path(__file__).parents[2]
TOKEN = "ghp_walkthrough0123456789"


def walkthrough() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Walk-through: a review on every pull request")
    return text[start : text.index("\n## ", start + 1)]


def commands(section: str) -> list[list[str]]:
    """Each `paperclip …` command of the section's shell blocks, as words (continuations joined)."""
    found, shell = [], False
    lines = iter(section.splitlines())
    for line in lines:
        if line.startswith("```"):
            shell = line == "```bash"
            continue
        if not shell:
            continue
        while line.endswith("\\"):
            line = line[:-1] + next(lines)
        words = shlex.split(line, comments=True)
        while words and "=" in words[0] and not words[0].startswith("-"):  # VAR=value before it
            words = words[1:]
        if words[:1] == ["paperclip"]:
            found.append(words[1:])
    return found


@pytest.fixture
def demo() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.github_demo", "--token", TOKEN, "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("fake GitHub at http://127.0.0.1:"), first
        assert 'octocat/widgets, pull request #1 "Retry uploads on 503" into main (head a3c1e5f)' in first
        assert process.stdout.readline().startswith(f"reviews: curl -H 'Authorization: Bearer {TOKEN}' ")
        yield first.split()[3].rstrip(":"), process
    finally:
        process.terminate()
        process.wait(10)


def test_the_demo_serves_one_pull_request_and_says_each_review(demo: tuple[str, subprocess.Popen[str]]) -> None:
    url, process = demo
    pulls = f"{url}/repos/octocat/widgets/pulls"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(timeout=10) as http:
        assert http.get(pulls).status_code == 401
        assert http.get(pulls, headers={"Authorization": "Bearer ghp_wrong"}).status_code == 401
        [pull] = http.get(pulls, headers=auth, params={"state": "open", "base": "main"}).json()
        assert (pull["number"], pull["head"]["sha"], pull["base"]["ref"]) == (1, HEAD_SHA, "main")
        diff = http.get(f"{pulls}/1", headers=auth | {"Accept": "application/vnd.github.diff"})
        assert diff.text == DIFF and "def upload(" in diff.text
        files = http.get(f"{pulls}/1/files", headers=auth).json()
        assert [f["filename"] for f in files] == ["src/widgets/upload.py", "tests/test_upload.py"]
        assert http.get(f"{pulls}/1/reviews", headers=auth).json() == []
        body = {"commit_id": HEAD_SHA, "event": "COMMENT", "body": "Looks fine.\n\nMore below."}
        posted = http.post(f"{pulls}/1/reviews", headers=auth, json=body).json()
        [listed] = http.get(f"{pulls}/1/reviews", headers=auth).json()
    assert listed == posted and posted["state"] == "COMMENTED" and posted["body"] == body["body"]
    assert process.stdout is not None
    assert process.stdout.readline() == f"review {posted['id']} posted on #1 (a3c1e5f): Looks fine.\n"


def test_the_walkthrough_commands_exist_with_their_options() -> None:
    root: Any = typer.main.get_command(app)
    shown = commands(walkthrough())
    assert len(shown) >= 7, shown
    for words in shown:
        command, rest = root, list(words)
        while hasattr(command, "commands") and rest and rest[0] in command.commands:  # a group
            command = command.commands[rest.pop(0)]
        assert not hasattr(command, "commands"), f"paperclip {' '.join(words)}: no such command"
        known = {opt for param in command.params for opt in param.opts}
        used = {word.split("=")[0] for word in rest if word.startswith("--")}
        assert used <= known, f"paperclip {' '.join(words)}: unknown {sorted(used - known)}"
    named = {" ".join(w[:2]) for w in shown}
    assert {"run pipeline", "hook add", "monitor github", "monitor reviews", "credential add"} <= named
