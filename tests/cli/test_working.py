"""Waits longer than a moment (`up`, backups, imports) show a spinner saying what they wait for,
on a terminal only: in a pipe the command's output is all there is."""

import io
import time

import pytest
from rich.console import Console

import cli.common
from cli.common import working


def test_a_terminal_sees_what_the_wait_is_for(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(cli.common, "err_console", Console(file=screen, force_terminal=True, width=80))
    with working("Backing up the store …"):
        time.sleep(0.3)  # a frame or two
    assert "Backing up the store …" in screen.getvalue()


def test_a_pipe_gets_nothing_of_it(monkeypatch: pytest.MonkeyPatch) -> None:
    piped = io.StringIO()
    monkeypatch.setattr(cli.common, "err_console", Console(file=piped, force_terminal=False, width=80))
    with working("Backing up the store …"):
        time.sleep(0.3)
    assert piped.getvalue() == ""
