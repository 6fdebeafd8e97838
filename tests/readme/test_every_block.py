"""Every ```bash block of the README runs as written (tests/readme/blocks.py says how), but for
the few in SKIP, each with its reason.

The blocks that need only a running stack run in the README's order on one stack, the one
*Run it* starts (`paperclip up --demo`): they build on each other as a reader's would (the demo's
`acme`, a task an earlier block made). A block that starts a stack of its own runs in a home of its
own, with the blocks after it under its heading.
"""

from pathlib import Path

import pytest

from tests.readme.blocks import ROOT, Block, blocks, session

pytestmark = pytest.mark.long

SKIP = {
    "The two commands #1": "`scripts/test` runs the whole test suite (25 minutes), this test among it; "
    "`scripts/up --demo` is *Run it*'s `paperclip up --demo` once installed",
    "An agent that edits a repository #1": "run by tests/readme/test_walkthroughs.py",
    "Walk-through: a project from plan to review #1": "run by tests/browser/test_walkthrough_project.py",
    "Goals and approvals #3": "needs a tool call waiting for approval (AP-7), which only an agent with an `ask` tool "
    "working in a repository makes; *An agent that edits a repository* approves such calls",
    "Endpoints and keys #1": "needs an OpenAI-compatible server (Ollama) at localhost:11434",
}
TIMEOUT = 120
"""Seconds a block may take (the longest waits for a few simulated tasks)."""


def stacks() -> list[list[Block]]:
    """The blocks to run, by the stack they run on: the first stack's (the shared one), then each
    block that starts a stack of its own with those after it under its heading."""
    groups: list[list[Block]] = []
    shared: list[Block] = []
    for block in blocks():
        if block.id in SKIP:
            continue
        if block.starts_stack and not shared:
            shared.append(block)
        elif block.starts_stack:
            groups.append([block])
        elif groups and groups[-1][0].heading == block.heading:
            groups[-1].append(block)
        else:
            shared.append(block)
    return [shared, *groups]


def run_all(group: list[Block], home: Path) -> None:
    """Run the group's blocks in order on one stack; fail naming every block that failed."""
    failed = []
    with session(home) as shell:
        for block in group:
            ran = shell.run(block.text, timeout=TIMEOUT)
            if ran.code:
                failed.append(f"--- {block.id} (README line {block.line}) exited {ran.code}:\n{ran.output}")
        if failed and shell.up_log.exists():
            failed.append(f"--- paperclip up:\n{shell.up_log.read_text()[-3000:]}")
    assert not failed, "\n".join(failed)


def test_every_skipped_block_exists_and_says_why() -> None:
    ids = {block.id for block in blocks()}
    assert set(SKIP) <= ids, f"skipped blocks the README no longer has: {set(SKIP) - ids}"
    assert all(reason.strip() for reason in SKIP.values())
    # A block run by another test is named there by its heading, so that test runs it.
    for block_id, reason in SKIP.items():
        if reason.startswith("run by "):
            heading = block_id.rsplit(" #", 1)[0]
            assert f'"{heading}"' in (ROOT / reason.removeprefix("run by ")).read_text()


def test_the_blocks_on_the_shared_stack(tmp_path) -> None:
    shared = stacks()[0]
    assert shared[0].id == "Run it #1" and "paperclip up --demo" in shared[0].text
    run_all(shared, tmp_path / "home")


@pytest.mark.parametrize("group", stacks()[1:], ids=lambda group: group[0].id)
def test_the_blocks_on_a_stack_of_their_own(group: list[Block], tmp_path) -> None:
    run_all(group, tmp_path / "home")
