"""Work products over real HTTP: a task's products, and the company's newest first by kind (the
artifacts view); another team's company is a 404, like every route of a company."""

import httpx

from paperclip.models.work_products import DeclaredProduct, WorkProductKind
from paperclip.store import Store
from tests.api.conftest import assert_error
from tests.api.helpers import company_body
from tests.api.test_access import bearer, ok, people

__all__ = ["people"]  # the fixture, shared with the access tests

SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"


def products(store: Store, company: str) -> None:
    commit = DeclaredProduct(kind=WorkProductKind.COMMIT, value=SHA, title="Add the parser")
    branch = DeclaredProduct(kind=WorkProductKind.BRANCH, value="paperclip/acme/ACME-1")
    store.record_work_products(company, "ACME-1", [commit, branch], recorded_by="git", actor="cto")
    url = DeclaredProduct(kind=WorkProductKind.URL, value="https://example.com/report", title="The report")
    store.record_work_products(company, "ACME-2", [url], recorded_by="agent", actor="cmo")


async def test_a_tasks_products_and_the_artifacts_view_newest_first_by_kind(
    api: httpx.AsyncClient, store: Store
) -> None:
    company = (await ok(await api.post("/api/companies", json=company_body()), 201))["id"]
    products(store, company)
    mine = await ok(await api.get(f"/api/companies/{company}/tasks/ACME-1/work-products"))
    assert mine["count"] == 2
    assert [(p["kind"], p["value"], p["recorded_by"]) for p in mine["data"]] == [
        ("branch", "paperclip/acme/ACME-1", "git"),
        ("commit", SHA, "git"),
    ]
    every = await ok(await api.get(f"/api/companies/{company}/work-products"))
    assert [(p["task"], p["kind"]) for p in every["data"]] == [
        ("ACME-2", "url"),
        ("ACME-1", "branch"),
        ("ACME-1", "commit"),
    ]
    urls = await ok(await api.get(f"/api/companies/{company}/work-products", params={"kind": "url"}))
    assert [(p["value"], p["title"]) for p in urls["data"]] == [("https://example.com/report", "The report")]
    older = await ok(
        await api.get(f"/api/companies/{company}/work-products", params={"before": every["data"][0]["id"]})
    )
    assert [p["kind"] for p in older["data"]] == ["branch", "commit"]
    assert (await ok(await api.get(f"/api/companies/{company}/tasks/ACME-9/work-products")))["data"] == []
    # each product is on the activity log once, under the task it belongs to
    log = await ok(await api.get(f"/api/companies/{company}/activity", params={"kind": "work_product.recorded"}))
    assert sorted((e["task"], e["actor"], e["data"]["kind"]) for e in log["data"]) == [
        ("ACME-1", "cto", "branch"),
        ("ACME-1", "cto", "commit"),
        ("ACME-2", "cmo", "url"),
    ]
    assert_error(await api.get(f"/api/companies/{company}/work-products", params={"kind": "secrets"}), 422)
    assert_error(await api.get("/api/companies/no-such-company/work-products"), 404, "not_found")


async def test_another_teams_products_are_not_found(
    api: httpx.AsyncClient, store: Store, people: dict[str, str]
) -> None:
    alice, bob = bearer(people["alice"]), bearer(people["bob"])
    red = (await ok(await api.post("/api/companies", json=company_body(), headers=alice), 201))["id"]
    products(store, red)
    assert (await ok(await api.get(f"/api/companies/{red}/work-products", headers=alice)))["count"] == 3
    for path in (f"/api/companies/{red}/work-products", f"/api/companies/{red}/tasks/ACME-1/work-products"):
        assert_error(await api.get(path, headers=bob), 404, "not_found")
