"""Search over real HTTP: a company's messages and task titles, every company the caller may see,
and never another team's."""

import httpx

from paperclip.store import Store
from tests.api.conftest import assert_error
from tests.api.helpers import company_body, create_company, wait_for_task
from tests.api.test_access import bearer, ok, people  # noqa: F401 — the teams fixture
from tests.store.test_search import say


def hits(body: dict[str, object]) -> list[tuple[str, str, str]]:
    data = body["data"]
    assert isinstance(data, list) and body["count"] == len(data)
    return [(hit["company_id"], hit["kind"], hit["task"]) for hit in data]


async def test_a_task_and_its_conversation_are_found_once_it_ran(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    task = {"title": "Design the zephyr booster", "brief": "Keep the quasar nozzle light", "assignee": "cto"}
    await ok(await api.post(f"/api/companies/{company}/tasks", json=task), 201)
    await wait_for_task(api, company, "ACME-1")

    by_title = await ok(await api.get(f"/api/companies/{company}/search", params={"q": "boosters zephyr"}))
    by_brief = await ok(await api.get(f"/api/companies/{company}/search", params={"q": "quasar", "kind": "message"}))

    assert hits(by_title)[0] == (company, "task", "ACME-1")
    title_hit = by_title["data"][0]
    assert title_hit["agent"] == "cto" and title_hit["snippet"] == "Design the zephyr booster"
    assert [title_hit["snippet"][a:b] for a, b in title_hit["marks"]] == ["zephyr", "booster"]
    assert hits(by_brief) == [(company, "message", "ACME-1")]
    assert by_brief["data"][0]["title"] == "Design the zephyr booster" and by_brief["data"][0]["seq"] == 1


async def test_a_blank_query_is_refused_and_odd_input_finds_nothing(api: httpx.AsyncClient, store: Store) -> None:
    company = (await create_company(api))["id"]
    say(store, "ACME-1", 1, "Rocket plans", company=company)

    for path in ("/api/search", f"/api/companies/{company}/search"):
        for blank in ("", "   "):
            error = assert_error(await api.get(path, params={"q": blank}), 400, "invalid_input")
            assert error["message"] == "q: say what to search for"
        assert_error(await api.get(path), 422, "invalid_input")
        assert_error(await api.get(path, params={"q": "rocket", "limit": 0}), 422, "invalid_input")
        for odd in ('"', "*", "NEAR(", "'", '"" AND (', "\\"):
            assert hits(await ok(await api.get(path, params={"q": odd}))) == [], odd
        assert hits(await ok(await api.get(path, params={"q": 'rocket* "plans'}))) == [(company, "message", "ACME-1")]
    assert_error(await api.get("/api/companies/no-such-co/search", params={"q": "rocket"}), 404, "not_found")


async def test_another_teams_companies_are_never_searched(
    api: httpx.AsyncClient,
    store: Store,
    people: dict[str, str],  # noqa: F811
) -> None:
    alice, bob = bearer(people["alice"]), bearer(people["bob"])
    red = (await ok(await api.post("/api/companies", json=company_body(), headers=alice), 201))["id"]
    blue = (await ok(await api.post("/api/companies", json=company_body(), headers=bob), 201))["id"]
    board_only = (await create_company(api))["id"]
    for company in (red, blue, board_only):
        say(store, "ACME-1", 1, f"The secret rocket plans of {company}", company=company)

    bobs = await ok(await api.get("/api/search", params={"q": "secret rocket"}, headers=bob))
    refused = await api.get(f"/api/companies/{red}/search", params={"q": "secret rocket"}, headers=bob)
    alices = await ok(await api.get("/api/search", params={"q": "rocket"}, headers=alice))
    boards = await ok(await api.get("/api/search", params={"q": "rocket", "kind": "message"}))

    assert hits(bobs) == [(blue, "message", "ACME-1")]
    assert f"company '{red}' not found" in assert_error(refused, 404, "not_found")["message"]
    assert hits(alices) == [(red, "message", "ACME-1")]
    assert {company for company, _, _ in hits(boards)} == {red, blue, board_only}
