"""`attach_file` through the real `run_tool` activity: a workspace file becomes an attachment of
the calling task, once per call; nothing outside the workspace, and nothing active, is attached."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from activities.tools.activity import ToolActivities
from paperclip.attachments import DiskStorage
from paperclip.models import WorkspaceRef
from paperclip.settings import Settings
from paperclip.store import Store
from tests.activities.tools.helpers import COMPANY, SESSION, call, plain_workspace, worker_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return worker_settings(tmp_path / "home", attachments_max_bytes=1_000)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    s.migrate()
    yield s
    s.dispose()


@pytest.fixture
def acts(store: Store, settings: Settings) -> ToolActivities:
    return ToolActivities(store, settings=settings)


@pytest.fixture
def ws(settings: Settings) -> WorkspaceRef:
    return plain_workspace(settings)


async def test_a_workspace_file_is_attached_to_the_task_once_per_call(
    acts: ToolActivities, ws: WorkspaceRef, store: Store, settings: Settings
) -> None:
    (Path(ws.path) / "out").mkdir()
    (Path(ws.path) / "out" / "sales.csv").write_text("month,total\njan,3\n")
    done = await call(acts, ws, "attach_file", call_id="c1", path="out/sales.csv")
    assert not done.error, done.content
    assert done.content.startswith("attached out/sales.csv to ACME-1 as sales.csv (text/csv, 18 bytes): att-")
    again = await call(acts, ws, "attach_file", call_id="c1", path="out/sales.csv")  # a retried activity
    assert again.content == done.content
    [kept] = store.list_attachments(COMPANY, SESSION.task)
    assert (kept.filename, kept.uploaded_by, kept.content_type) == ("sales.csv", SESSION.agent, "text/csv")
    disk = DiskStorage(settings.home_dir / "attachments")
    assert disk.ids() == [kept.id] and disk.get(kept.id) == b"month,total\njan,3\n"
    named = await call(acts, ws, "attach_file", call_id="c2", path="out/sales.csv", name="Q1 report.csv")
    assert "as Q1 report.csv" in named.content and len(store.list_attachments(COMPANY, SESSION.task)) == 2


async def test_nothing_outside_the_workspace_nor_active_nor_too_large_is_attached(
    acts: ToolActivities, ws: WorkspaceRef, store: Store, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the worker's secret\n")
    os.symlink(secret, Path(ws.path) / "link.txt")
    (Path(ws.path) / "page.html").write_text("<html><script>steal()</script></html>")
    (Path(ws.path) / "big.txt").write_text("x" * 1_001)
    for path, message in [
        (str(secret), "not an absolute one"),
        ("../../../secret.txt", "'..' is refused"),
        ("link.txt", "symbolic link"),
        ("page.html", "active content is not attached"),
        ("big.txt", "more than the 1,000 a tool reads"),
        ("missing.txt", "no such file"),
    ]:
        result = await call(acts, ws, "attach_file", call_id=f"c-{path}", path=path)
        assert result.error and message in result.content, (path, result.content)
    assert store.list_attachments(COMPANY) == []
