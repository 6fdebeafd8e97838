"""A backup of a running embedded stack restores into a fresh `PAPERCLIP_HOME` with its companies,
conversations, costs and credentials, and Temporal's state of the same moment."""

from pathlib import Path

from paperclip.backup import list_backups, read_key_file
from paperclip.backup.snapshot import migration_head
from paperclip.constants import company_workflow_id
from paperclip.devserver import wait_until_ready
from paperclip.secrets import SecretBox, load_key
from paperclip.store import Store
from paperclip.temporal import connect
from tests.api.helpers import bind_fake_key, create_company, wait_for_task
from tests.backup.conftest import Stack, dev_server, paperclip, stack_settings


def snapshot_of(store: Store, company: str) -> dict[str, object]:
    """What must come back: the company, its conversation, its costs, the credential (sealed)."""
    credential = store.get_credential(None, "fake-key")
    assert credential is not None and credential.sealed is not None
    return {
        "companies": [c.id for c in store.list_companies()],
        "messages": [(m.role, m.content) for m in store.list_messages(company, "ACME-1")],
        "costs": [(c.task, c.seq, c.cost_usd, c.usage) for c in store.list_cost_events(company)],
        "credential": (credential.sealed, credential.urls),
    }


async def test_a_backup_of_a_running_stack_restores_into_a_fresh_home(stack: Stack, tmp_path: Path) -> None:
    home = stack.settings.home_dir
    company = (await create_company(stack.api))["id"]
    await bind_fake_key(stack.api, "https://llm.example/v1", key="sk-kept-secret")
    await stack.api.post(f"/api/companies/{company}/tasks", json={"title": "Launch", "assignee": "ceo"})
    await wait_for_task(stack.api, company, "ACME-1")
    before = snapshot_of(stack.store, company)
    assert before["messages"] and before["costs"]

    made = paperclip(home, "backup", "create")  # while the stack runs
    assert made.returncode == 0, made.stderr
    head = migration_head(stack.settings.resolved_database_url)
    assert f"store (sqlite, {head}) + temporal" in made.stdout
    exported = paperclip(home, "backup", "export-key", "--out", str(tmp_path / "keys.env"))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "keys.env").stat().st_mode & 0o777 == 0o600
    keys = read_key_file(tmp_path / "keys.env")
    [entry] = list_backups(home / "backups", keys.backup)
    archive = entry.path
    assert keys.secret is not None and keys.secret not in archive.read_bytes()
    assert b"sk-kept-secret" not in archive.read_bytes() and b"Launch" not in archive.read_bytes()

    fresh = tmp_path / "fresh"
    restored = paperclip(fresh, "backup", "restore", str(archive), "--key-file", str(tmp_path / "keys.env"))
    assert restored.returncode == 0, restored.stderr

    store = Store(f"sqlite:///{fresh / 'paperclip.db'}")
    try:
        assert snapshot_of(store, company) == before
        sealed = store.get_credential(None, "fake-key")
        assert sealed is not None and sealed.sealed is not None
        assert SecretBox(load_key(fresh)).open(sealed.bucket, sealed.sealed) == "sk-kept-secret"
    finally:
        store.dispose()

    # Temporal's file of the same moment: a dev server started on it knows the company and its task.
    settings = stack_settings(fresh)
    with dev_server(settings):
        await wait_until_ready(settings, timeout=60)
        client = await connect(settings)
        described = await client.get_workflow_handle(company_workflow_id(company)).describe()
        assert described.status is not None and described.status.name == "RUNNING"
        tasks = [w.id async for w in client.list_workflows(f"WorkflowId STARTS_WITH 'task:{company}:'")]
        assert f"task:{company}:ACME-1" in tasks


async def test_a_home_with_a_store_is_not_overwritten_without_force(stack: Stack, tmp_path: Path) -> None:
    home = stack.settings.home_dir
    assert paperclip(home, "backup", "create").returncode == 0
    [archive] = sorted((home / "backups").iterdir())
    refused = paperclip(home, "backup", "restore", str(archive))
    assert refused.returncode == 1
    assert "already holds a store" in refused.stderr and "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
