"""The documents of a task on its detail page, run with AppTest against the real API (dev server,
SQLite store): read the latest and an earlier revision, save an edit, a save someone else's
overtook refused with the text kept, restore an earlier revision."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from paperclip.models import RecordInput
from paperclip.settings import Settings, get_settings
from paperclip.store import Store
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.store.factories import task_record
from tests.ui.helpers import APP


@pytest.fixture
async def company(
    api: httpx.AsyncClient,  # noqa: F811
    store: Store,  # noqa: F811
    settings: Settings,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[str]:
    """A company with task ACME-1 whose plan has two revisions; the dashboard points at the API
    and sends the board token of its home."""
    company = (await create_company(api))["id"]
    store.record(RecordInput(tasks=[task_record("ACME-1", company_id=company, title="Launch")]))
    for base, body in enumerate(["# Plan\n\nfirst draft", "# Plan\n\nsecond draft"]):
        saved = await api.put(plan_path(company), json={"body": body, "base_revision": base})
        assert saved.status_code == 200, saved.text
    monkeypatch.setenv("PAPERCLIP_API_URL", str(api.base_url))
    monkeypatch.setenv("PAPERCLIP_HOME", str(settings.home_dir))
    monkeypatch.delenv("PAPERCLIP_API_KEY", raising=False)
    get_settings.cache_clear()
    yield company
    get_settings.cache_clear()


def plan_path(company: str) -> str:
    return f"/api/companies/{company}/tasks/ACME-1/documents/plan"


async def run(app: AppTest) -> AppTest:
    """Run the page off the event loop, which serves the API it calls."""
    await asyncio.to_thread(app.run)
    assert not app.exception, app.exception
    return app


async def open_task(company: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    app.query_params["company"] = company
    app.query_params["task"] = "ACME-1"
    app.switch_page("app_pages/task_detail.py")
    return await run(app)


def editor_key(company: str) -> str:
    return f"detail_doc_body:{company}:ACME-1:plan"


def texts(app: AppTest, kind: str) -> list[str]:
    return [str(element.value) for element in app.get(kind)]


async def test_the_latest_revision_is_shown_and_an_edit_saved(company: str, api: httpx.AsyncClient) -> None:  # noqa: F811
    app = await open_task(company)

    assert app.selectbox(key="detail_doc_picker").value == "plan"
    assert "Revision 2 of 2 · board" in texts(app, "caption")
    assert "# Plan\n\nsecond draft" in texts(app, "markdown")
    assert app.text_area(key=editor_key(company)).value == "# Plan\n\nsecond draft"

    app.text_area(key=editor_key(company)).input("# Plan\n\nthird draft")
    next(b for b in app.button if b.label == "Save as revision 3").click()
    await run(app)

    latest = (await api.get(plan_path(company))).json()
    assert (latest["revision"], latest["body"], latest["author"]) == (3, "# Plan\n\nthird draft", "board")
    assert "Saved plan as revision 3." in texts(app, "success")
    assert "Revision 3 of 3 · board" in texts(app, "caption")


async def test_a_save_overtaken_by_another_is_refused_and_the_text_kept(
    company: str,
    api: httpx.AsyncClient,  # noqa: F811
) -> None:
    app = await open_task(company)
    other = await api.put(plan_path(company), json={"body": "someone else's plan", "base_revision": 2})
    assert other.status_code == 200, other.text

    app.text_area(key=editor_key(company)).input("my plan")
    next(b for b in app.button if b.label == "Save as revision 3").click()
    await run(app)

    assert any("Cannot save plan: document 'plan' is at revision 3 (by board), not 2" in e for e in texts(app, "error"))
    assert any("Revision 3 was saved after you began editing revision 2" in w for w in texts(app, "warning"))
    assert app.text_area(key=editor_key(company)).value == "my plan"
    assert (await api.get(plan_path(company))).json()["body"] == "someone else's plan"

    app.button(key="detail_doc_reload").click()
    await run(app)
    assert app.text_area(key=editor_key(company)).value == "someone else's plan"


async def test_an_earlier_revision_is_read_and_restored(company: str, api: httpx.AsyncClient) -> None:  # noqa: F811
    app = await open_task(company)
    app.selectbox(key=f"detail_doc_revision:{company}:ACME-1:plan").set_value(1)
    await run(app)
    assert "# Plan\n\nfirst draft" in texts(app, "markdown")
    assert "Revision 1 of 2 · board" in texts(app, "caption")

    app.button(key="detail_doc_restore").click()
    await run(app)

    latest = (await api.get(plan_path(company))).json()
    assert (latest["revision"], latest["body"], latest["restored_from"]) == (3, "# Plan\n\nfirst draft", 1)
    assert "Restored revision 1 of plan as revision 3." in texts(app, "success")
