"""The `read_task` activity on the store (SQLite and PostgreSQL): a task with its subtasks and its
latest comments, trusted only when it is the reader's own with no one else's comments, capped."""

from temporalio.testing import ActivityEnvironment

from activities.store import StoreActivities
from paperclip.models import INLINE_LIMIT, ActivityEntry, RecordInput, TaskStatus
from paperclip.store import Store
from paperclip.tools.read_task import COMMENTS_SHOWN, SUBTASKS_SHOWN, UNTRUSTED_NOTE, ReadTaskInput, TaskReading
from tests.store.factories import activity_entry, task_record


def comment(n: int, actor: str, task: str = "ACME-1") -> ActivityEntry:
    return activity_entry(
        f"c{n}", minutes=n, kind="comment.posted", actor=actor, task=task, summary=f"{actor} on {task}: note {n}"
    )


async def read(store: Store, identifier: str, reader: str = "dev", *, own: bool = False) -> TaskReading:
    input = ReadTaskInput(company_id="acme", identifier=identifier, reader=reader, own=own)
    reading: TaskReading = await ActivityEnvironment().run(StoreActivities(store).read_task, input)
    return reading


async def test_a_task_reads_with_its_subtasks_and_newest_comments_first(store: Store) -> None:
    parent = task_record(
        "ACME-1", title="Ship it", assignee="dev", brief="Ship the release.", status=TaskStatus.RUNNING
    )
    children = [
        task_record(f"ACME-1.{n}", parent="ACME-1", assignee="ana", title=f"Part {n}", status=TaskStatus.DONE)
        for n in (1, 2)
    ]
    other = task_record("ACME-2", assignee="ben", result="It works.", status=TaskStatus.DONE)
    notes = [comment(n, "dev" if n % 2 else "board") for n in range(1, COMMENTS_SHOWN + 3)]
    store.record(RecordInput(tasks=[parent, *children, other], activity=[*notes, comment(99, "ben", "ACME-2")]))

    reading = await read(store, "ACME-1", own=True)
    assert reading.found and reading.untrusted  # the board's comments are not the reader's
    lines = reading.text.splitlines()
    assert lines[:4] == [
        "ACME-1: Ship it",
        "status: running · assignee: dev · priority: medium",
        UNTRUSTED_NOTE,
        "brief:",
    ]
    assert "- ACME-1.1 [done] Part 1 (ana)\n- ACME-1.2 [done] Part 2 (ana)" in reading.text
    shown = [line for line in lines if " on ACME-1: note " in line]
    assert len(shown) == COMMENTS_SHOWN and shown[0].endswith(f"note {COMMENTS_SHOWN + 2}")
    assert "result:" not in reading.text and "ACME-2" not in reading.text

    theirs = await read(store, "ACME-2")
    assert theirs.untrusted and "result:\nIt works." in theirs.text and "ben on ACME-2: note 99" in theirs.text
    assert (await read(store, "ACME-3")) == TaskReading(found=False)
    store.record(RecordInput(tasks=[task_record("OTH-1", company_id="other", brief="Their secret plan.")]))
    assert (await read(store, "OTH-1")) == TaskReading(found=False)  # another company's task is not there
    assert (await read(store, "ACME-1", reader="x")).found  # any agent of the company reads it


async def test_its_own_task_with_its_own_comments_only_is_trusted(store: Store) -> None:
    store.record(RecordInput(tasks=[task_record("ACME-1", assignee="dev")], activity=[comment(1, "dev")]))
    reading = await read(store, "ACME-1", own=True)
    assert reading.found and not reading.untrusted and UNTRUSTED_NOTE not in reading.text
    assert (await read(store, "ACME-1", own=False)).untrusted


async def test_long_texts_and_many_subtasks_stay_under_the_inline_limit(store: Store) -> None:
    big = task_record("ACME-1", brief="b" * 100_000, result="r" * 100_000, status=TaskStatus.DONE)
    children = [task_record(f"ACME-1.{n}", parent="ACME-1", title="t" * 300) for n in range(SUBTASKS_SHOWN + 5)]
    store.record(RecordInput(tasks=[big, *children]))
    reading = await read(store, "ACME-1")
    assert len(reading.text) <= INLINE_LIMIT
    assert "more characters]" in reading.text and f"subtasks (the first {SUBTASKS_SHOWN}):" in reading.text
