"""The pipelines page in a real browser against the whole running product: a company's pipeline
is listed; a run started from its form without a required input shows the API's refusal; one
started with it (two quick clicks: one run) appears with its step graph, which turns green as its steps finish on the
simulated model; and a step links to its task's trace."""

import httpx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import Stack
from tests.browser.test_dashboard import SIMULATED, metric, settled

pytestmark = pytest.mark.long

PIPELINE = """\
workflow:
  name: brief
  description: Draft a note, then polish it.
  inputs:
    - name: topic
      description: What the note is about.
    - name: words
      type: integer
      required: false
      default: 120
  steps:
    - id: draft
      agent: writer
      task: "Draft a note of ${inputs.words} words on ${inputs.topic}"
    - id: polish
      agent: writer
      task: "Polish this note: ${steps.draft.output}"
      needs: [draft]
"""
DONE_FILL = "#86efac"


@pytest.fixture(scope="module")
def company(stack: Stack) -> str:
    body = {
        "name": "Pipeco",
        "prefix": "PIP",
        "goals": ["Write notes"],
        "agents": [
            {"name": "ceo", "role": "ceo", "title": "CEO", "model": SIMULATED},
            {"name": "writer", "role": "general", "title": "Writer", "reports_to": "ceo", "model": SIMULATED},
        ],
    }
    created = httpx.post(f"{stack.api}/api/companies", json=body, headers=stack.board, timeout=30)
    assert created.status_code == 201, created.text
    added = httpx.post(
        f"{stack.api}/api/companies/pipeco/pipelines",
        content=PIPELINE,
        headers=stack.board | {"Content-Type": "application/yaml"},
        timeout=30,
    )
    assert added.status_code == 201, added.text
    return "pipeco"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def settled_quietly(page) -> None:
    """Wait until Streamlit has finished running the page (whatever it shows)."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached")


def test_a_run_started_from_the_form_shows_its_graph_and_links_to_its_steps_traces(
    stack: Stack, company: str, page
) -> None:
    page.goto(f"{stack.dashboard}/pipelines?company={company}")
    page.locator("h1").filter(has_text="Pipelines").first.wait_for()
    settled(page)
    page.get_by_text("Start a run").first.click()
    settled(page)  # the form is drawn (a click during the rerun could be lost)
    picker = page.locator(".st-key-pipelines_pick")
    assert "brief" in picker.inner_text() + (picker.locator("input").first.input_value() or "")
    assert page.locator(".st-key-pipelines_input_brief_words input").input_value() == "120"  # the default

    # Without the required topic the API refuses, and the page says what it said.
    start = page.get_by_role("button", name="Start run")
    refusal = page.get_by_text("input 'topic' is required by pipeline brief")
    for _ in range(4):  # on a loaded machine a click may land mid-rerun; a refused run may be asked again
        start.click()
        try:
            refusal.wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            settled_quietly(page)
    refusal.wait_for()
    assert "400" in page.locator('[data-testid="stAlertContentError"]').inner_text()

    page.locator(".st-key-pipelines_input_brief_topic textarea").fill("the launch")
    # Two clicks in quick succession (the second while the first's rerun runs) send one key:
    # one run, whichever of "Started run" and "was started … already" the last rerun says.
    start.click()
    page.wait_for_timeout(150)
    start.click(force=True)
    # (what the form says after each click is the page tests' in tests/ui: here, what the API has)
    runs = stack.wait_for(f"/api/companies/{company}/pipelines/brief/runs", lambda body: body["count"] >= 1)
    run = runs["data"][0]  # type: ignore[index]
    stack.wait_for(f"/api/companies/{company}/pipeline-runs/{run['run_id']}", lambda b: b["status"] == "done", 120)
    runs = httpx.get(f"{stack.api}/api/companies/{company}/pipelines/brief/runs", headers=stack.board, timeout=10)
    assert runs.json()["count"] == 1, runs.text

    # The run's graph: one box per step, both green once done (the page refreshes while it runs).
    page.goto(f"{stack.dashboard}/pipelines?company={company}&pipeline=brief&run={run['run_id']}")
    graph = page.locator('[data-testid="stGraphVizChart"]').first
    nodes = graph.locator("g.node")
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=\"stGraphVizChart\"]')[0]?.querySelectorAll('g.node').length === 2"
    )
    settled(page)
    assert [n.locator("text").all_text_contents() for n in nodes.all()] == [
        ["draft", "writer", "done"],
        ["polish", "writer", "done"],
    ]
    assert [n.locator("path, polygon").first.get_attribute("fill") for n in nodes.all()] == [DONE_FILL] * 2
    assert graph.locator("g.edge").count() == 1
    assert metric(page, "Status") == "done"

    # A step links to its task's trace on the task detail page.
    task = httpx.get(
        f"{stack.api}/api/companies/{company}/pipeline-runs/{run['run_id']}", headers=stack.board, timeout=10
    ).json()["steps"][0]["task"]
    page.get_by_role("link", name=f"draft: {task}'s trace").click()
    page.locator("h1").filter(has_text="Task detail").first.wait_for()
    page.get_by_text("Workflow in the Temporal Web UI").wait_for()
    assert f"task={task}" in page.url
    settled(page)
    said = "\n".join(page.locator('[data-testid="stChatMessage"]').all_inner_texts())
    assert "[simulated]" in said  # its conversation
