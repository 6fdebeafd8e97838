"""`paperclip migrate` as a one-shot job: two started together migrate once, under the store's
lock (a PostgreSQL advisory lock, SQLite's write lock), and both end at head without error."""

import os
import subprocess
import sys
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from paperclip.doctor import schema_revisions
from paperclip.doctor.schema import head_revision
from paperclip.settings import Settings
from paperclip.store import Store

ROOT = Path(__file__).parent.parent.parent


def start_migrate(database: str, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PAPERCLIP_DATABASE_URL": database, "PAPERCLIP_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "migrate"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_two_migrate_jobs_at_once_migrate_once_and_end_at_head(database: str, tmp_path: Path) -> None:
    jobs = [start_migrate(database, tmp_path / name) for name in ("a", "b")]
    outputs = [job.communicate(timeout=120) for job in jobs]

    assert [job.returncode for job in jobs] == [0, 0], outputs
    said = sorted(out.strip() for out, _ in outputs)
    head = head_revision()
    assert said == [f"store schema already at revision {head}", f"store schema migrated from empty to revision {head}"]
    store = Store(database)
    try:
        assert schema_revisions(store).current == head
    finally:
        store.dispose()


def test_a_store_that_does_not_answer_is_one_line_and_exit_one(tmp_path: Path) -> None:
    job = start_migrate("postgresql://nobody@127.0.0.1:1/none", tmp_path)
    out, err = job.communicate(timeout=60)
    assert job.returncode == 1 and out == ""
    assert err.startswith("error: the store was not migrated: OperationalError:") and len(err.splitlines()) == 1


async def test_the_api_migrates_at_start_unless_told_not_to(dev_env: WorkflowEnvironment, tmp_path: Path) -> None:
    for migrate_on_start, expected in ((False, None), (True, head_revision())):
        url = f"sqlite:///{tmp_path / f'{migrate_on_start}.db'}"
        settings = Settings(home=tmp_path, database_url=url, migrate_on_start=migrate_on_start)
        app = create_app(settings, client=dev_env.client)
        async with app.router.lifespan_context(app):
            store = Store(url)
            assert schema_revisions(store).current == expected
            store.dispose()
