"""Every patch id the workflows ask about is one of `workflows.patches`, and every one there is asked."""

from pathlib import Path

from tests.histories.patches import code_patch_ids
from workflows import patches

ROOT = Path(__file__).parent.parent.parent


def declared() -> dict[str, str]:
    return {name: value for name, value in vars(patches).items() if name.isupper() and isinstance(value, str)}


def test_every_patch_id_the_workflows_ask_about_is_declared_in_one_module() -> None:
    in_code = code_patch_ids(ROOT / "workflows")
    assert set(in_code) == set(declared().values())


def test_no_module_but_patches_defines_a_patch_id() -> None:
    ids = set(declared().values())
    for path in (ROOT / "workflows").rglob("*.py"):
        if path.name == "patches.py":
            continue
        text = path.read_text()
        assert not any(f'= "{patch_id}"' in text for patch_id in ids), path
