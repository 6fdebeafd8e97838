"""`api.recent`: readers of one company share one query at a time; a change forgets it."""

import asyncio

import httpx
import pytest

from api import services
from api.recent import Kept, Recent
from api.routes.tasks import finished
from paperclip.models import TaskStatus, Trace
from tests.api.helpers import create_company, wait_for_task


async def test_concurrent_readers_share_one_making_and_a_forgotten_company_is_made_again() -> None:
    made = 0

    async def make() -> int:
        nonlocal made
        made += 1
        await asyncio.sleep(0.05)
        return made

    recent = Recent(ttl=60)
    assert await asyncio.gather(*(recent.get(("acme", "snapshot"), make) for _ in range(20))) == [1] * 20
    assert await recent.get(("acme", "snapshot"), make) == 1  # within the ttl
    recent.forget("globex")
    assert await recent.get(("acme", "snapshot"), make) == 1
    recent.forget("acme")
    assert await recent.get(("acme", "snapshot"), make) == 2


async def test_a_value_expires_and_a_failure_is_not_kept() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("Temporal is down")
        return "snapshot"

    recent = Recent(ttl=0.05)
    with pytest.raises(RuntimeError):
        await recent.get(("acme",), flaky)
    assert await recent.get(("acme",), flaky) == "snapshot"
    await asyncio.sleep(0.06)
    assert await recent.get(("acme",), flaky) == "snapshot" and calls == 3


def test_kept_answers_go_least_recently_read_first_past_their_size() -> None:
    kept = Kept(max_bytes=100)
    for key in "abcd":
        kept.put(key, key.encode() * 25)  # 100 bytes in all
    assert kept.get("a") == b"a" * 25  # read: now the most recent
    kept.put("e", b"e" * 25)  # 125 bytes: the least recently read ("b") goes
    assert [kept.get(key) is not None for key in "abcde"] == [True, False, True, True, True]
    kept.put("huge", b"h" * 26)  # more than a quarter of the room: never kept
    assert kept.get("huge") is None


async def test_a_finished_tasks_trace_is_rebuilt_once_and_a_running_ones_each_time(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    build = services.get_trace

    async def counting(**kwargs):
        built.append(kwargs["identifier"])
        return await build(**kwargs)

    monkeypatch.setattr(services, "get_trace", counting)
    company = (await create_company(api))["id"]
    await api.post(f"/api/companies/{company}/tasks", json={"title": "Build it", "assignee": "ceo"})
    await wait_for_task(api, company, "ACME-1")
    url = f"/api/companies/{company}/tasks/ACME-1/trace"
    first = await api.get(url)
    await asyncio.sleep(0.6)  # past the half second readers share
    again, markdown = await api.get(url), await api.get(url, params={"format": "md"})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["status"] == "done" and markdown.text.startswith("# Trace of ACME-1")
    assert built == ["ACME-1", "ACME-1"]  # JSON once, Markdown once


def test_only_a_trace_ended_with_all_its_subtasks_is_finished() -> None:
    def trace(status: TaskStatus | None, *children: Trace) -> Trace:
        return Trace(company_id="acme", identifier="ACME-1", workflow_id="w", status=status, children=list(children))

    assert finished(trace(TaskStatus.DONE, trace(TaskStatus.FAILED), trace(TaskStatus.CANCELLED)))
    assert not finished(trace(None))
    assert not finished(trace(TaskStatus.DONE, trace(TaskStatus.DONE, trace(None))))
