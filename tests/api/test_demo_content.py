"""The demo company on the offline model, through the API, the workers and a real Temporal
server: every task's result is whole text a newcomer can read (complete sentences, every word a
word of the simulated model's templates or of the task), labelled simulated, and the same on
every run."""

import re
import uuid
from pathlib import Path
from typing import Any

import httpx

import activities.providers.simulated_text as simulated_text
from activities.providers.simulated import LABEL
from paperclip.demo import demo_company
from tests.api.helpers import wait_for_task

TEMPLATES = Path(simulated_text.__file__).read_text()


async def run_demo(api: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """Create the demo company (a fresh id), assign its first task; its tasks once all are done."""
    demo = demo_company({})
    company = f"demo-{uuid.uuid4().hex[:8]}"
    created = await api.post("/api/companies", json={**demo.create_body(), "id": company})
    assert created.status_code == 201, created.text
    task = await api.post(f"/api/companies/{company}/tasks", json=demo.first_task.model_dump(mode="json"))
    assert task.status_code == 201, task.text
    first = await wait_for_task(api, company, task.json()["identifier"])
    tasks = {first["identifier"]: first}
    for sub in first["subtasks"]:
        tasks[sub["identifier"]] = await wait_for_task(api, company, sub["identifier"])
    return tasks


def words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]+", text)}


async def test_the_demo_writes_whole_labelled_text_and_the_same_on_every_run(api: httpx.AsyncClient) -> None:
    demo = demo_company({})
    first, second = await run_demo(api), await run_demo(api)

    assert len(first) == 3 and all(t["status"] == "done" for t in first.values())
    known = words(TEMPLATES) | words(demo.model_dump_json()) | words(" ".join(first))
    for identifier, task in first.items():
        result = task["result"]
        assert result.startswith(f"{LABEL} Done: "), result
        assert result.rstrip()[-1] in '.!?"', result  # ends a sentence
        assert words(result) <= known, (identifier, words(result) - known)  # no word cut short
        assert "…" not in result and len(result) > 200, result  # whole, and more than a placeholder
    by_agent = {t["assignee"]: t["result"] for t in first.values()}
    assert "Technical" in by_agent["cto"] and "Estimate:" in by_agent["cto"]  # the engineering part
    assert 'tagline "' in by_agent["cmo"] and "Post: " in by_agent["cmo"]  # the marketing part
    assert "Acme Picker" in by_agent["cmo"]  # the product, named by the company's goal
    # The CEO's summary quotes each part's first line whole.
    for identifier, task in first.items():
        if task["assignee"] != "ceo":
            gist = task["result"].split("\n")[0].split(". ", 1)[1]
            assert f"({identifier}): {gist}" in by_agent["ceo"], (gist, by_agent["ceo"])
    # Deterministic: the second run wrote the same texts.
    assert [t["result"] for t in first.values()] == [t["result"] for t in second.values()]
