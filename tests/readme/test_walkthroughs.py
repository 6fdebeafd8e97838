"""The README's walk-throughs run as written, in bash, on a fresh `paperclip up` (the real stack
on free ports, the offline simulated model): each test runs one block and checks what it left."""

import subprocess

import pytest

from tests.readme.blocks import run

pytestmark = pytest.mark.long


def git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout


def test_an_agent_that_edits_a_repository(tmp_path) -> None:
    ran = run("An agent that edits a repository", tmp_path / "home")
    assert ran.code == 0, ran.output + ran.up_log.read_text()
    assert "AP-1 tool_call (task ACME-1): " in ran.output and "ACME-1: done" in ran.output
    # The pushed branch holds the agent's commit, and the history names both approved calls.
    assert "engineer: Add slugify_helper with its test" in ran.output
    origin = ran.home / "repos" / "origin.git"
    assert "slugify_helper.py" in git("-C", str(origin), "show", "--stat", "paperclip/acme/ACME-1")
