"""The dashboard in a real browser against the whole running product: the board creates a task,
approves the CEO's plan, watches the task reach done and reads its trace; every page opens on a
live company without an error, and each is photographed (`PAPERCLIP_SCREENSHOTS=docs/screenshots`
refreshes the README's pictures)."""

import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import Stack
from ui.figures import compact

pytestmark = pytest.mark.long

SIMULATED = {"provider": "simulated", "model": "simulated"}
PAGES = {
    "": "overview",
    "org_chart": "org chart",
    "task_board": "task board",
    "projects": "projects",
    "agents": "agents",
    "costs": "costs",
    "approvals": "approvals",
    "activity": "activity",
}
"""URL path (the first page's is the root) → what the page's title says (case aside)."""


@pytest.fixture(scope="module")
def initech(stack: Stack) -> str:
    """A company whose CEO needs the board's approval for its plan before it delegates."""
    body = {
        "name": "Initech",
        "prefix": "INI",
        "goals": ["Ship the beta"],
        "require_strategy_approval": True,
        "agents": [
            {"name": "ceo", "role": "ceo", "title": "CEO", "model": SIMULATED},
            {"name": "eng", "role": "engineer", "title": "Engineer", "reports_to": "ceo", "model": SIMULATED},
        ],
    }
    response = httpx.post(f"{stack.api}/api/companies", json=body, headers=stack.board, timeout=30)
    assert response.status_code == 201, response.text
    return "initech"


@pytest.fixture
def page(browser, tmp_path: Path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def shots() -> Path | None:
    folder = os.environ.get("PAPERCLIP_SCREENSHOTS")
    return Path(folder) if folder else None


def settled(page) -> None:
    """Wait until Streamlit has finished running the page, then check it shows no error."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached")
    time.sleep(1)  # charts and tables draw after the script ends
    assert page.locator('[data-testid="stException"]').count() == 0, page.inner_text("body")[:2000]
    assert page.get_by_text("Page not found").count() == 0
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 0, errors.all_inner_texts()


def snap(page, name: str) -> None:
    folder = shots()
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_the_board_creates_a_task_approves_its_plan_and_reads_its_trace(stack: Stack, initech: str, page) -> None:
    page.goto(f"{stack.dashboard}/task_board?company={initech}")
    page.get_by_text("New task").first.click()
    # The board holds its live refresh while the form is open, so no refresh lands on the submit.
    page.get_by_text("Live refresh is paused while the new-task form is open.").wait_for()
    page.locator(".st-key-board_new_title input").fill("Ship the beta")
    page.locator(".st-key-board_new_brief textarea").fill("Everything the first customers need.")
    page.get_by_role("button", name="Create and assign").click()
    page.get_by_text("Created INI-1 and assigned it to ceo").wait_for()

    # The CEO asks the board to approve its plan; the board approves it from the approvals page.
    page.goto(f"{stack.dashboard}/approvals?company={initech}")
    approve = page.locator(".st-key-approve_AP-1 button")
    approve.wait_for()
    page.get_by_text("Plan for: Ship the beta").wait_for()
    page.locator(".st-key-note_AP-1 textarea").fill("Good plan: go ahead")
    approve.click()
    page.get_by_text("AP-1 approved").wait_for()
    approval = httpx.get(f"{stack.api}/api/companies/{initech}/approvals/AP-1", headers=stack.board, timeout=10).json()
    assert (approval["status"], approval["note"]) == ("approved", "Good plan: go ahead")

    # Then it delegates to the engineer, and the task reaches done on the detail page, live.
    page.goto(f"{stack.dashboard}/task_detail?company={initech}&task=INI-1")
    page.get_by_text("Workflow in the Temporal Web UI").wait_for()
    deadline = time.monotonic() + 90
    while metric(page, "Status") != "done":
        assert time.monotonic() < deadline, f"INI-1 is {metric(page, 'Status')} after 90 s"
        time.sleep(1)
    settled(page)
    chat = page.locator('[data-testid="stChatMessage"]')
    said = "\n".join(chat.all_inner_texts())
    assert "Plan for: Ship the beta" in said  # the approval request
    assert "delegate_task" in said and "INI-1.1" in said  # the delegation
    assert "[simulated] Done: Ship the beta" in said  # the result
    link = page.get_by_role("link", name="Workflow in the Temporal Web UI")
    assert link.get_attribute("href").endswith("/workflows/task:initech:INI-1")
    snap(page, "task_detail")

    # The replay slider steps back through the trace: fewer messages at its first step.
    events = chat.count()
    slider = page.get_by_role("slider")
    slider.focus()
    slider.press("Home")
    assert events > 1
    # The page is rebuilt element by element (fewer messages for a moment, then stale ones
    # dropped): wait for the first step's single message, not merely fewer.
    page.wait_for_function("document.querySelectorAll('[data-testid=\"stChatMessage\"]').length === 1", timeout=30_000)
    settled(page)
    assert chat.count() == 1


def test_every_page_opens_on_a_live_company(stack: Stack, initech: str, page) -> None:
    stack.wait_for("/api/companies/acme/tasks", lambda body: all(t["status"] == "done" for t in body["data"]))
    for path, title in PAGES.items():
        page.goto(f"{stack.dashboard}/{path}?company=acme")
        page.locator("h1").filter(has_text=title.capitalize()).first.wait_for()
        settled(page)
        picked = page.locator(".st-key-company_picker")
        assert "Acme Robotics (acme)" in picked.inner_text() + (picked.locator("input").first.input_value() or ""), (
            picked.inner_html()[:1500]
        )
        snap(page, path or "overview")
        if path == "costs":  # this month's prompt cache, as the API sums it
            month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0).isoformat()
            usage = httpx.get(
                f"{stack.api}/api/companies/acme/costs", params={"since": month}, headers=stack.board, timeout=10
            ).json()["total"]["usage"]
            read, written = usage["cached_input_tokens"], usage["cache_write_tokens"]
            assert metric(page, "Prompt cache") == f"{compact(read)} / {compact(written)}"
    entries = re.search(r"Page 1, newest first, (\d+) entries", page.inner_text("body"))
    assert entries is not None and int(entries.group(1)) >= 10  # the demo's creation, delegations and results


def test_the_board_approves_several_plans_at_once(stack: Stack, initech: str, page) -> None:
    for title in ("Write the docs", "Fix the login"):
        body = {"title": title, "assignee": "ceo"}
        created = httpx.post(f"{stack.api}/api/companies/{initech}/tasks", json=body, headers=stack.board, timeout=30)
        assert created.status_code == 201, created.text
    pending = stack.wait_for(
        f"/api/companies/{initech}/approvals?status=pending", lambda body: len(body["data"]) >= 2, timeout=90
    )
    ids = sorted(approval["id"] for approval in pending["data"])  # type: ignore[index]

    page.goto(f"{stack.dashboard}/approvals?company={initech}")
    for approval_id in ids:
        page.locator(f".st-key-pick_{approval_id} label").click()
    page.locator(".st-key-approve_selected button").click()
    page.get_by_text(f"Approved {', '.join(ids)}").wait_for()
    settled(page)
    snap(page, "approvals_batch")
    for approval_id in ids:
        approval = httpx.get(
            f"{stack.api}/api/companies/{initech}/approvals/{approval_id}", headers=stack.board, timeout=10
        ).json()
        assert approval["status"] == "approved", approval


EVERY_PAGE = {
    **PAGES,
    "task_detail": "task detail",
    "pipelines": "pipelines",
    "artifacts": "artifacts",
}
"""Every page of the dashboard but the log-in form (URL path → its title)."""
RAW_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\+00:00")
CLIPPED = """() => {
    const boxes = [
        ...document.querySelectorAll('[data-testid="stMetricValue"], [data-testid="stMetricDelta"]'),
        ...document.querySelectorAll('[class*="st-key-board_card_"] [data-testid="stMarkdownContainer"]'),
    ];
    const clipped = [];
    for (const box of boxes) {
        for (const el of [box, ...box.querySelectorAll('*')]) {
            if (el.scrollWidth > el.clientWidth + 1) { clipped.push(box.innerText.trim()); break; }
        }
    }
    return clipped;
}"""
TABLE_CELLS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"] td, [data-testid="stDataFrame"] th')]
    .map((cell) => cell.textContent)"""
"""The tables' cells as drawn (the grid paints a canvas; its accessible table holds the same text)."""
EMPTY_CHARTS = """() => {
    // A chart draws something when one of its bars has an area, or one of its lines a length
    // (bars of $0 have none: the empty axes the reader must not be shown).
    const drawn = (chart) => [...chart.querySelectorAll('.mark-rect path, .mark-rect rect, .mark-line path')]
        .some((mark) => {
            const box = mark.getBBox();
            const line = mark.closest('.mark-line');
            return line ? box.width > 0.5 || box.height > 0.5 : box.width > 0.5 && box.height > 0.5;
        });
    return [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .filter((chart) => !drawn(chart))
        .map((chart) => chart.closest('[data-testid="stVerticalBlock"]').innerText.slice(0, 120));
}"""


def test_no_page_clips_a_figure_shows_a_raw_time_or_draws_an_empty_chart(stack: Stack, initech: str, page) -> None:
    stack.wait_for("/api/companies/acme/tasks", lambda body: all(t["status"] == "done" for t in body["data"]))
    # A token budget is a budget: the overview says so, never "no budget".
    budget = {"monthly_usd": None, "monthly_tokens": 1_000_000}
    put = httpx.put(f"{stack.api}/api/companies/acme/budgets/company", json=budget, headers=stack.board, timeout=10)
    assert put.status_code == 200, put.text
    for path, title in EVERY_PAGE.items():
        query = "company=acme" + ("&task=ACME-1" if path == "task_detail" else "")
        page.goto(f"{stack.dashboard}/{path}?{query}")
        page.locator("h1").filter(has_text=title.capitalize()).first.wait_for()
        settled(page)
        cells = page.evaluate(TABLE_CELLS)
        text = page.inner_text("body")
        shown = "\n".join([text, *cells])
        raw = [line for line in shown.splitlines() if RAW_TIME.search(line)]
        assert not raw, f"{title}: raw ISO times {raw[:3]}"
        assert page.evaluate(CLIPPED) == [], f"{title}: clipped figures"
        assert page.evaluate(EMPTY_CHARTS) == [], f"{title}: a chart with nothing drawn"
        if path == "":
            assert "no budget" not in text
            assert re.search(r"\d+% of 1,000,000 tokens", text), text[:1500]
        if path == "task_board":
            cards = page.locator('[class*="st-key-board_card_"]').all_inner_texts()
            assert len(cards) >= 3 and all(" ago" in card for card in cards), cards  # each says how old it is
        if path == "activity":  # its table's times read how long ago, the exact UTC time beside them
            assert any(cell.endswith(" ago") for cell in cells), cells[:20]
            assert any(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", cell) for cell in cells), cells[:20]
        if path == "costs":  # the simulated model costs nothing: a sentence, not empty axes
            assert "No spend yet — the simulated model costs nothing" in text
