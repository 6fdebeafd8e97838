"""The README's blocks as tests/readme/blocks.py finds and rewrites them (no stack: fast)."""

from tests.readme.blocks import blocks, files, script
from tests.readme.test_every_block import SKIP, stacks


def test_every_block_is_found_once_under_its_heading() -> None:
    found = blocks()
    ids = [block.id for block in found]
    assert len(ids) == len(set(ids)) and len(ids) >= 30
    assert ids[:2] == ["The two commands #1", "Run it #1"]
    assert found[1].starts_stack and not found[2].starts_stack


def test_every_block_is_run_or_skipped_for_a_reason() -> None:
    ran = [block.id for group in stacks() for block in group]
    assert sorted(ran + list(SKIP)) == sorted(block.id for block in blocks())
    assert len(SKIP) <= 6, "keep the skip list short"


def test_the_steps_the_test_stands_in_for_are_rewritten() -> None:
    text = script(
        "pip install -e . && paperclip up   # terminal 1\n"
        "python -m tests.fakes.github_demo --port 9876   # terminal 2, in the checkout\n"
        "curl -s localhost:8000/api/health 127.0.0.1:9876/x\n"
    )
    assert "pip install" not in text
    assert 'exec env  paperclip up  > "$UP_LOG" 2>&1) & echo $! > "$UP_PID"; ready' in text
    assert '(cd "$CHECKOUT" && exec python -m tests.fakes.github_demo --port ${FAKE_GITHUB_PORT} >' in text
    assert "curl -s localhost:${PAPERCLIP_API_PORT}/api/health 127.0.0.1:${FAKE_GITHUB_PORT}/x" in text


def test_a_file_the_readme_shows_is_saved_where_its_first_line_says() -> None:
    assert "full-code-review" in files()["workflows/code-review.yaml"]
