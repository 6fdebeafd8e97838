"""`record_work_products` on the workspace's host: a retried activity keeps each product once; a
declared file must be a file inside the workspace (a link out of it, a folder, a missing file are
refused, and then nothing is kept); a workspace of another company is refused for good."""

from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.tools.activity import ToolActivities
from paperclip.models import SessionRef, WorkspaceRef
from paperclip.models.work_products import DeclaredProduct, RecordProductsInput, RecordProductsResult, WorkProductKind
from paperclip.store import Store
from tests.activities.tools.helpers import SESSION, plain_workspace, worker_settings

URL = DeclaredProduct(kind=WorkProductKind.URL, value="https://example.com/report")


def file(path: str) -> DeclaredProduct:
    return DeclaredProduct(kind=WorkProductKind.FILE, value=path)


@pytest.fixture
def acts(tmp_path: Path) -> ToolActivities:
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    return ToolActivities(store, settings=worker_settings(tmp_path / "home"))


async def record(
    acts: ToolActivities, products: list[DeclaredProduct], workspace: WorkspaceRef | None, session: SessionRef = SESSION
) -> RecordProductsResult:
    done: RecordProductsResult = await ActivityEnvironment().run(
        acts.record_work_products, RecordProductsInput(session=session, products=products, workspace=workspace)
    )
    return done


async def test_a_retried_recording_keeps_each_product_once(acts: ToolActivities) -> None:
    ws = plain_workspace(acts.settings)
    (Path(ws.path) / "docs").mkdir()
    (Path(ws.path) / "docs" / "notes.md").write_text("notes\n")
    assert (await record(acts, [URL, file("docs/notes.md")], ws)).recorded == 2
    assert await record(acts, [URL, file("./docs//notes.md")], ws) == RecordProductsResult(recorded=0)
    kept = acts.store.list_work_products("acme", task="ACME-1")
    assert sorted((p.kind.value, p.value, p.recorded_by) for p in kept) == [
        ("file", "docs/notes.md", "agent"),
        ("url", "https://example.com/report", "agent"),
    ]
    assert len(acts.store.list_activity("acme", kind="work_product.recorded")) == 2


async def test_a_file_that_is_not_a_file_inside_the_workspace_is_refused_and_nothing_is_kept(
    acts: ToolActivities, tmp_path: Path
) -> None:
    ws = plain_workspace(acts.settings)
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret\n")
    (Path(ws.path) / "out").symlink_to(secret)
    (Path(ws.path) / "home").symlink_to(acts.settings.home_dir)
    (Path(ws.path) / "folder").mkdir()
    for path, why in [
        ("out", "not inside your workspace"),
        ("home/paperclip.db", "not inside your workspace"),
        ("folder", "no such file"),
        ("missing.md", "no such file"),
    ]:
        done = await record(acts, [URL, file(path)], ws)
        assert done.recorded == 0 and f"{path}: {why}" in done.refused, done
    assert acts.store.list_work_products("acme") == []


async def test_without_a_file_no_workspace_is_needed_and_another_companys_workspace_is_refused(
    acts: ToolActivities,
) -> None:
    assert (await record(acts, [URL], None)).recorded == 1
    ws = plain_workspace(acts.settings)
    (Path(ws.path) / "a.txt").write_text("a\n")
    other = SessionRef(company_id="globex", task="GLOBEX-1", agent="dev")
    with pytest.raises(ApplicationError, match="not a workspace of company globex"):
        await record(acts, [file("a.txt")], ws, other)
    assert acts.store.list_work_products("globex") == []
