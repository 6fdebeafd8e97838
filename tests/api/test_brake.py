"""The emergency brake over real HTTP: `POST /api/pause-all` holds every company of the caller's
scope before its tasks' next turn, `POST /api/resume-all` lifts only what the brake paused; an
owner brakes its teams' companies only, operators and viewers may not."""

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.conftest import assert_error
from tests.api.helpers import bind_fake_key, create_company
from tests.fakes import FakeModelServer


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with FakeModelServer(latency=0.2) as fake:
        fake.work_turns = 1_000  # the tasks keep working, a turn every 0.2 s, until stopped
        yield fake


def worker(server: FakeModelServer) -> list[dict[str, Any]]:
    model = {"provider": "openai", "model": "gpt-4o-mini", "base_url": server.base_url_openai}
    return [{"name": "ceo", "role": "ceo", "model": model | {"credential": "fake-key"}, "max_turns": 1_000}]


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def until(done: Any, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not done():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_the_brake_holds_every_company_before_its_next_turn_and_lifting_it_resumes_them(
    api: httpx.AsyncClient, server: FakeModelServer
) -> None:
    await bind_fake_key(api, server.base_url)  # the deployment's credential `fake-key`, bound to the fake
    companies = sorted([(await create_company(api, agents=worker(server)))["id"] for _ in range(3)])
    by_hand = (await create_company(api))["id"]
    await ok(await api.post(f"/api/companies/{by_hand}/pause", json={"reason": "audit"}))
    for company in companies:
        task = {"title": f"Work for {company}", "assignee": "ceo"}
        await ok(await api.post(f"/api/companies/{company}/tasks", json=task), 201)

    def turns() -> dict[str, int]:
        return {company: server.calls_for(f"Work for {company}") for company in companies}

    await until(lambda: all(n >= 2 for n in turns().values()))
    report = await ok(await api.post("/api/pause-all", json={"reason": "incident 42"}))
    at_brake = turns()
    assert report == {
        "action": "pause",
        "changed": companies,
        "unchanged": {by_hand: "the company is already paused"},
        "failed": {},
        "unknown": [],
    }
    # Each task holds before its next turn: only the call in flight when the brake came may end.
    await asyncio.sleep(1.5)  # seven turns' time
    held = turns()
    assert all(held[c] <= at_brake[c] + 1 for c in companies), (at_brake, held)
    await asyncio.sleep(1.0)
    assert turns() == held  # no new turn started
    for company in companies:
        snapshot = await ok(await api.get(f"/api/companies/{company}"))
        assert snapshot["paused"] is True and snapshot["pause_reason"] == "brake"
        assert [t["status"] for t in snapshot["tasks"]] == ["running"]  # held, not cancelled
        log = await ok(await api.get(f"/api/companies/{company}/activity", params={"kind": "company.paused"}))
        assert [e["summary"] for e in log["data"]] == ["company paused: incident 42"]

    again = await ok(await api.post("/api/pause-all"))
    assert again["changed"] == [] and sorted(again["unchanged"]) == sorted([*companies, by_hand])

    lifted = await ok(await api.post("/api/resume-all"))
    assert lifted["changed"] == companies and lifted["failed"] == {} and lifted["unknown"] == []
    assert lifted["unchanged"] == {by_hand: "the company was paused by hand, not by the emergency brake"}
    await until(lambda: all(turns()[c] >= held[c] + 2 for c in companies))
    assert (await ok(await api.get(f"/api/companies/{by_hand}")))["paused"] is True
    for company in companies:
        snapshot = await ok(await api.get(f"/api/companies/{company}"))
        assert snapshot["paused"] is False and snapshot["pause_reason"] is None


async def test_an_owner_brakes_its_teams_companies_only_and_operators_and_viewers_may_not(
    api: httpx.AsyncClient,
) -> None:
    for team in ("red", "blue"):
        await ok(await api.post("/api/teams", json={"name": team}), 201)
    keys = {}
    for user, team, role in (("olga", "red", "owner"), ("oscar", "red", "operator"), ("vera", "red", "viewer")):
        await ok(await api.put(f"/api/teams/{team}/members", json={"user": user, "role": role}))
        token = (await ok(await api.post("/api/tokens", json={"user": user}), 201))["token"]
        keys[user] = {"Authorization": f"Bearer {token}"}
    red = sorted([(await create_company(api, team="red"))["id"] for _ in range(2)])
    blue = (await create_company(api, team="blue"))["id"]

    for user in ("oscar", "vera"):
        for path in ("/api/pause-all", "/api/resume-all"):
            assert_error(await api.post(path, headers=keys[user]), 403, "forbidden")
    error = assert_error(await api.post("/api/pause-all", headers=keys["oscar"]), 403)
    assert error["message"] == "only the board or a team's owner pulls the emergency brake"

    report = await ok(await api.post("/api/pause-all", headers=keys["olga"]))
    assert report["changed"] == red and report["unchanged"] == {}
    assert (await ok(await api.get(f"/api/companies/{blue}")))["paused"] is False
    for company in red:
        snapshot = await ok(await api.get(f"/api/companies/{company}", headers=keys["olga"]))
        assert snapshot["paused"] is True
        log = await ok(await api.get(f"/api/companies/{company}/activity", params={"kind": "company.paused"}))
        assert [e["actor"] for e in log["data"]] == ["olga"]

    lifted = await ok(await api.post("/api/resume-all", headers=keys["olga"]))
    assert lifted["changed"] == red
    # The board's resume-all finds nothing the brake holds.
    board = await ok(await api.post("/api/resume-all"))
    assert board["changed"] == [] and set(board["unchanged"]) == {*red, blue}
    assert set(board["unchanged"].values()) == {"the company is not paused"}
