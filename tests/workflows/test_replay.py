"""Recorded histories replay on today's workflow code: non-determinism is caught here, not in
a running company. Every patch id the workflows ask about is in some recorded history, so the
histories from before and after each change are both replayed (record them with
`python -m tests.histories.record`)."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

import tests.workflows.tool_stand_ins  # noqa: F401  (registers the tools the tool loop's histories call)
from tests.histories.patches import UnresolvedPatchId, code_patch_ids, recorded_patch_ids
from workers.main import WORKFLOWS

ROOT = Path(__file__).parent.parent.parent
HISTORIES = sorted((ROOT / "tests" / "histories").glob("*.json"))


def test_there_are_recorded_histories() -> None:
    names = {p.stem.split("-", 1)[1] for p in HISTORIES}
    assert {"company", "ACME-1", "ACME-1.1", "ACME-1.2"} <= names


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_recorded_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"


def test_every_patch_id_in_the_workflows_is_in_a_recorded_history() -> None:
    in_code = code_patch_ids(ROOT / "workflows")
    assert in_code, "no workflow.patched / workflow.deprecate_patch call found under workflows/"
    recorded = {p.name: recorded_patch_ids(p.read_text()) for p in HISTORIES}
    missing = {
        patch_id: where for patch_id, where in in_code.items() if not any(patch_id in ids for ids in recorded.values())
    }
    assert not missing, (
        f"no recorded history holds these patch ids (add a scenario to tests/histories/scenarios.py and "
        f"record it: python -m tests.histories.record <version> <scenario>): {missing}"
    )


def test_recorded_patch_ids_are_the_core_patch_markers_of_a_history() -> None:
    held = ROOT / "tests" / "histories" / "v4-held-ACME-1.json"
    assert recorded_patch_ids(held.read_text()) == {"budget-reservation", "credential-queues", "usage-before-hold"}
    assert recorded_patch_ids((ROOT / "tests" / "histories" / "v1-company.json").read_text()) == set()


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_patch_ids_are_found_as_literals_and_as_constants_of_the_module_or_imported(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "flows/__init__.py": 'SHARED = "from-the-package"\n',
            "flows/a.py": (
                "from temporalio import workflow\n"
                'NEW_THING: str = "new-thing"\n'
                "def run() -> None:\n"
                "    if workflow.patched(NEW_THING) and workflow.patched(id='keyword'):\n"
                '        workflow.deprecate_patch("old-thing")\n'
            ),
            "flows/sub/b.py": (
                "from temporalio import workflow\n"
                "from temporalio.workflow import patched\n"
                "with workflow.unsafe.imports_passed_through():\n"
                "    from flows.a import NEW_THING as THING\n"
                "    from .. import SHARED\n"
                "def run() -> None:\n"
                "    patched(THING) or workflow.patched(SHARED)\n"
            ),
        },
    )
    found = code_patch_ids(root / "flows")
    assert found == {
        "new-thing": ["flows/a.py:4", "flows/sub/b.py:7"],
        "keyword": ["flows/a.py:4"],
        "old-thing": ["flows/a.py:5"],
        "from-the-package": ["flows/sub/b.py:7"],
    }


@pytest.mark.parametrize(
    "call",
    ["workflow.patched(make_id())", "workflow.patched(UNKNOWN)", 'workflow.patched("a" + "b")', "workflow.patched()"],
)
def test_a_patch_id_that_cannot_be_resolved_fails_the_search(tmp_path: Path, call: str) -> None:
    root = write(tmp_path, {"flows/a.py": f"from temporalio import workflow\ndef run() -> None:\n    {call}\n"})
    with pytest.raises(UnresolvedPatchId, match="flows/a.py:3"):
        code_patch_ids(root / "flows")
