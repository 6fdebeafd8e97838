"""A task's documents on the dashboard in a real browser, against the whole product (`paperclip
up --demo`): the board writes a plan on a task, then edits it, and the API has both revisions."""

import httpx

from tests.browser.conftest import Stack
from tests.browser.test_dashboard import page, settled  # noqa: F401 — the browser page fixture


def test_the_board_writes_and_edits_a_tasks_plan(stack: Stack, page) -> None:  # noqa: F811
    body = {"title": "Build the robot arm", "assignee": "ceo"}
    created = httpx.post(f"{stack.api}/api/companies/acme/tasks", json=body, headers=stack.board, timeout=30)
    assert created.status_code == 201, created.text
    task = created.json()["identifier"]
    plan = f"{stack.api}/api/companies/acme/tasks/{task}/documents/plan"
    page.goto(f"{stack.dashboard}/task_detail?company=acme&task={task}")
    page.get_by_text("Documents").first.wait_for()
    settled(page)

    page.locator(".st-key-detail_doc_new_key input").fill("plan")
    page.locator(".st-key-detail_doc_new_key input").press("Enter")
    settled(page)
    page.get_by_label("Markdown").fill("# Plan\n\nShip the robot arm.")
    page.get_by_role("button", name="Save new document").click()
    page.get_by_text("Saved plan as revision 1.").wait_for()
    settled(page)
    first = httpx.get(plan, headers=stack.board, timeout=10).json()
    assert (first["revision"], first["body"], first["author"]) == (1, "# Plan\n\nShip the robot arm.", "board")

    page.get_by_label("Markdown").fill("# Plan\n\nShip the robot arm, tested.")
    page.get_by_role("button", name="Save as revision 2").click()
    page.get_by_text("Saved plan as revision 2.").wait_for()
    settled(page)
    second = httpx.get(plan, headers=stack.board, timeout=10).json()
    assert (second["revision"], second["body"]) == (2, "# Plan\n\nShip the robot arm, tested.")
    assert "Ship the robot arm, tested." in page.inner_text("body")


def test_the_board_uploads_a_file_to_a_task_and_a_refused_one_is_said(stack: Stack, page, tmp_path) -> None:  # noqa: F811
    body = {"title": "Collect the specs", "assignee": "ceo"}
    created = httpx.post(f"{stack.api}/api/companies/acme/tasks", json=body, headers=stack.board, timeout=30)
    assert created.status_code == 201, created.text
    task = created.json()["identifier"]
    page.goto(f"{stack.dashboard}/task_detail?company=acme&task={task}")
    page.get_by_text("Attachments").first.wait_for()
    settled(page)

    notes = tmp_path / "specs.txt"
    notes.write_text("arm reach: 1.2 m\n")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(notes))
    page.get_by_role("button", name="Upload", exact=True).click()
    page.get_by_text("Attached specs.txt (17 bytes).").wait_for()
    settled(page)
    listed = httpx.get(f"{stack.api}/api/companies/acme/tasks/{task}/attachments", headers=stack.board, timeout=10)
    assert [(f["filename"], f["size"], f["uploaded_by"]) for f in listed.json()["data"]] == [("specs.txt", 17, "board")]
    assert page.get_by_role("button", name="specs.txt · text/plain · 17 bytes · by board").is_visible()

    fake = tmp_path / "photo.png"
    fake.write_text("not a picture")  # declared a PNG by its name, text inside: the API refuses it
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(fake))
    page.get_by_role("button", name="Upload", exact=True).click()
    page.get_by_text("photo.png was not attached").wait_for()
    listed = httpx.get(f"{stack.api}/api/companies/acme/tasks/{task}/attachments", headers=stack.board, timeout=10)
    assert len(listed.json()["data"]) == 1
