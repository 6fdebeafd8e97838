from temporalio.testing import ActivityEnvironment

from activities.store import StoreActivities
from paperclip.models import RecordInput
from paperclip.store import Store
from tests.store.factories import activity_entry, task_record


async def test_record_activity_writes_the_batch(store: Store) -> None:
    batch = RecordInput(activity=[activity_entry("a1", task="ACME-1")], tasks=[task_record("ACME-1")])
    activities = StoreActivities(store)

    await ActivityEnvironment().run(activities.record, batch)
    await ActivityEnvironment().run(activities.record, batch)

    assert [entry for _, entry in store.list_activity("acme")] == batch.activity
    assert store.list_tasks("acme") == batch.tasks
