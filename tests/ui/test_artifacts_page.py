"""Work products in the dashboard, run with AppTest against a real HTTP server that answers like
the API: the artifacts page (newest first, links only for pull requests and URLs, filtered by
kind through the API, its tasks linked) and the task detail page's "Work products" section."""

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from paperclip.models.work_products import WorkProduct, WorkProductKind
from tests.cli.fake_api import FakeApi, company_json
from tests.ui.helpers import APP, T0, dashboard_api
from tests.ui.test_task_detail_page import DETAIL, TASK, TRACE

BASE = "/api/companies/acme"
SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
PR = "https://github.com/acme/widgets/pull/3"


def product(id: int, task: str, kind: WorkProductKind, value: str, **fields: str) -> WorkProduct:
    return WorkProduct(
        id=id, company_id="acme", task=task, kind=kind, value=value, created_at=T0, recorded_by="git", **fields
    )


PRODUCTS = [
    product(3, "ACME-2", WorkProductKind.PULL_REQUEST, PR, title="**Bold** ![x](http://evil/p.png)"),
    product(2, "ACME-1", WorkProductKind.FILE, "docs/notes.md"),
    product(1, "ACME-1", WorkProductKind.COMMIT, SHA, title="Add the parser"),
]


def listed(products: list[WorkProduct]) -> dict[str, object]:
    return {"data": [p.model_dump(mode="json") for p in products], "count": len(products)}


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    fake = FakeApi(
        routes={
            "GET /api/companies": (200, {"data": [company_json()], "count": 1}),
            f"GET {BASE}/work-products": (200, listed(PRODUCTS)),
            "GET /api/companies/acme/tasks": (200, {"data": [], "count": 0, "total": 0}),
            f"GET {TASK}": (200, DETAIL.model_dump(mode="json")),
            f"GET {TASK}/trace": (200, TRACE.model_dump(mode="json")),
            f"GET {TASK}/work-products": (200, listed(PRODUCTS[1:])),
        }
    )
    with dashboard_api(fake, monkeypatch) as api:
        yield api


def open_page(page: str, **params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    for name, value in params.items():
        app.query_params[name] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def asked(fake: FakeApi, path: str) -> list[dict[str, list[str]]]:
    """The query of each GET of `path`."""
    return [parse_qs(urlsplit(p).query) for m, p, _ in fake.received if m == "GET" and urlsplit(p).path == path]


def test_the_artifacts_page_lists_products_newest_first_with_links_and_their_tasks(fake_api: FakeApi) -> None:
    app = open_page("app_pages/artifacts.py")
    table = app.dataframe[0].value
    assert list(table["task"]) == ["ACME-2", "ACME-1", "ACME-1"]
    assert list(table["kind"]) == ["pull_request", "file", "commit"]
    assert list(table["value"]) == [PR, "docs/notes.md", SHA]
    assert list(table["link"].fillna("")) == [PR, "", ""]  # only a pull request or a URL is a link
    assert table["title"][0] == "**Bold** ![x](http://evil/p.png)"  # text in a cell, not Markdown
    links = [(link.label, link.proto.query_string) for link in app.get("page_link")]
    assert ("ACME-2", "company=acme&task=ACME-2") in links and ("ACME-1", "company=acme&task=ACME-1") in links
    assert asked(fake_api, f"{BASE}/work-products")[-1] == {"limit": ["100"]}


def test_the_kind_filter_is_the_apis_and_the_urls(fake_api: FakeApi) -> None:
    app = open_page("app_pages/artifacts.py", kind="pull_request")
    assert app.selectbox(key="artifacts_kind").value == "pull_request"
    assert asked(fake_api, f"{BASE}/work-products")[-1] == {"kind": ["pull_request"], "limit": ["100"]}
    fake_api.routes[f"GET {BASE}/work-products"] = (200, listed([]))
    app.selectbox(key="artifacts_kind").select("url").run()
    assert app.query_params["kind"] == "url"
    assert asked(fake_api, f"{BASE}/work-products")[-1] == {"kind": ["url"], "limit": ["100"]}
    assert app.info[0].value.startswith("No work products yet")


def test_the_apis_refusal_is_shown(fake_api: FakeApi) -> None:
    gone = {"code": "not_found", "message": "company 'acme' not found", "details": None}
    fake_api.routes[f"GET {BASE}/work-products"] = (404, {"error": gone})
    app = open_page("app_pages/artifacts.py")
    assert app.error[0].value == "Cannot load the work products: company 'acme' not found (404 not_found)"


def test_the_task_detail_page_shows_the_tasks_work_products(fake_api: FakeApi) -> None:
    app = open_page("app_pages/task_detail.py", task="ACME-1")
    assert "**Work products**" in [m.value for m in app.markdown]
    table = app.dataframe[0].value
    assert list(table["kind"]) == ["file", "commit"] and list(table["title"]) == ["", "Add the parser"]
    assert "task" not in table.columns
