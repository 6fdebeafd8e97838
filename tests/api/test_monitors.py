"""The pull-request reviewer end to end: real Temporal, the real workers, the fake model server
behind the reviewing agents and the fake GitHub behind the monitor.

Polling: each open pull request into the branch gets exactly one review (posted as a COMMENT on
its head, its body the summarizer's output), a poll that finds nothing new starts nothing, and
a new head gets one more. Webhook: a signed `pull_request` delivery starts one review, its
redelivery and a second delivery of the same head none, a bad signature is a 401, other actions
and branches are skipped. A failed run posts nothing; a head the pull request moved on from is
superseded. The token is in no workflow history and no agent's prompt; the reviewing agents
have no tool that writes. Bad monitors are readable 4xx; only the board or an owner adds one."""

import json

import httpx
import pytest
from temporalio.client import Client
from temporalio.service import RPCError

from paperclip.constants import monitor_schedule_id
from paperclip.github.models import ReviewResult
from paperclip.github.reviews import marker
from tests.api.conftest import assert_error
from tests.api.helpers import company_body
from tests.api.reviewer import SHA_A, SHA_B, SHA_C, World, delivery_body, world  # noqa: F401
from tests.api.test_hooks import github_headers

WRITE_TOOLS = {"write_file", "edit_file", "run_command", "git", "create_pull_request", "http_fetch"}

pytestmark = pytest.mark.long


def tools_seen(world: World) -> set[str]:  # noqa: F811
    names = set()
    for body in world.model.requests:
        for tool in body.get("tools") or []:
            names.add(tool.get("function", {}).get("name") or tool.get("name"))
    return names


async def test_polling_reviews_each_new_head_once_and_posts_the_summary(world: World) -> None:  # noqa: F811
    gh = world.github
    gh.add_pull(1, SHA_A, ["src/upload.py", "tests/test_upload.py", "README.md"])
    gh.add_pull(2, SHA_B, ["src/retry.py"])
    gh.add_pull(3, SHA_C, ["docs/x.md"], base="develop")  # another branch
    gh.add_pull(4, SHA_C, ["src/wip.py"], draft=True)  # a draft: not yet
    made = await world.add_monitor()
    assert made["credential"] == "github-token" and made["mode"] == "poll" and made["secret"] is None

    reviews = {r["number"]: r for r in await world.settled(2)}  # the first poll runs at once
    assert set(reviews) == {1, 2} and all(r["state"] == "posted" for r in reviews.values())
    for number, sha in ((1, SHA_A), (2, SHA_B)):
        [posted] = gh.reviews[number]
        summary = await world.summary_of(reviews[number])
        assert posted["body"] == f"{summary.strip()}\n\n{marker(reviews[number]['run_id'])}"
        assert posted["commit_id"] == sha and posted["state"] == "COMMENTED"
        assert reviews[number]["review_id"] == posted["id"] and reviews[number]["review_url"] == posted["html_url"]
    assert [r.json()["event"] for r in gh.posted()] == ["COMMENT", "COMMENT"]
    # The steps had the diff and the file list, as untrusted input of the run.
    run = (await world.api.get(f"/api/companies/{world.company}/pipeline-runs/{reviews[1]['run_id']}")).json()
    brief = (await world.api.get(f"/api/companies/{world.company}/tasks/{run['steps'][0]['task']}")).json()["brief"]
    assert "diff --git a/src/upload.py b/src/upload.py" in brief and "tests/test_upload.py" in brief

    nothing_new = await world.poll_once()
    assert nothing_new.pulls == [] and nothing_new.started == 0
    gh.pulls[1].head_sha = SHA_C  # a push to the pull request
    again = await world.poll_once()
    assert [(p.number, p.head_sha) for p in again.pulls] == [(1, SHA_C)] and again.started == 1
    newest = await world.settled(3)
    assert {(r["number"], r["head_sha"]) for r in newest} == {(1, SHA_A), (2, SHA_B), (1, SHA_C)}
    assert [r["commit_id"] for r in gh.reviews[1]] == [SHA_A, SHA_C] and len(gh.reviews[2]) == 1
    runs = (await world.api.get(f"/api/companies/{world.company}/pipelines/code-review/runs")).json()
    assert sorted(r["run_id"] for r in runs["data"]) == sorted(r["run_id"] for r in newest)  # listed like any run

    # The token reached the fake GitHub only: in no history, no prompt; no agent could write.
    token = gh.token
    assert all(r.headers["authorization"] == f"Bearer {token}" for r in gh.received)
    assert token not in await world.histories()
    assert world.model.requests and token not in json.dumps(world.model.requests)
    assert all(token not in value for _, value in world.model.keys_seen())
    seen = tools_seen(world)
    assert seen and not seen & WRITE_TOOLS, seen


async def test_a_signed_delivery_starts_one_review_and_repeats_start_none(world: World) -> None:  # noqa: F811
    gh = world.github
    gh.add_pull(42, SHA_A, ["src/upload.py"])
    made = await world.add_monitor(mode="webhook")
    assert made["hook_path"] == f"/api/hooks/{world.company}/myapp" and len(made["secret"]) == 64
    secret, door = made["secret"], made["hook_path"]
    body = json.dumps(delivery_body(gh, 42, SHA_A)).encode()
    headers = github_headers(secret, body, delivery="d-1")
    first = await world.api.post(door, content=body, headers=headers)
    assert first.status_code == 200, first.text
    review_id = first.json()["review"]
    assert review_id == f"review:{world.company}:myorg/myapp#42@{SHA_A}"
    [review] = await world.settled(1)
    assert review["state"] == "posted" and len(gh.reviews[42]) == 1
    done = await world.client.get_workflow_handle(review_id, result_type=ReviewResult).result()
    assert done.state is not None and done.state.value == "posted" and done.review_id == gh.reviews[42][0]["id"]

    replay = await world.api.post(door, content=body, headers=headers)
    assert replay.json()["duplicate"] is True
    reopened = json.dumps(delivery_body(gh, 42, SHA_A, action="reopened")).encode()
    second = await world.api.post(door, content=reopened, headers=github_headers(secret, reopened, delivery="d-2"))
    assert second.json()["review"] == review_id
    result = await world.client.get_workflow_handle(review_id, result_type=ReviewResult).result()
    assert result.state is None and "reviewed by run" in result.note
    assert len(gh.reviews[42]) == 1 and len(await world.reviews()) == 1

    bad = await world.api.post(door, content=body, headers=github_headers("0" * 64, body, delivery="d-3"))
    assert_error(bad, 401, "bad_signature")
    for skipped in (
        delivery_body(gh, 42, SHA_B, action="closed"),
        delivery_body(gh, 42, SHA_B, base="develop"),
        delivery_body(gh, 42, SHA_B, action="labeled"),
    ):
        raw = json.dumps(skipped).encode()
        answer = await world.api.post(door, content=raw, headers=github_headers(secret, raw))
        assert answer.json()["skipped"] is True, answer.text
    push = json.dumps({"ref": "refs/heads/main"}).encode()
    assert (await world.api.post(door, content=push, headers=github_headers(secret, push, event="push"))).json()[
        "skipped"
    ]
    assert len(gh.posted()) == 1 and len(await world.reviews()) == 1


async def test_bad_monitors_are_refused_readably_and_removing_one_stops_it(world: World) -> None:  # noqa: F811
    api, path = world.api, world.path()
    base = {"name": "myapp", "repo": "myorg/myapp", "branch": "main", "api_url": world.github_url}
    bad_repo = assert_error(await api.post(path, json=base | {"repo": "not-a-repo"}), 422)
    assert "repo" in bad_repo["message"] or "repo" in json.dumps(bad_repo["details"])
    nowhere = assert_error(await api.post(path, json=base | {"api_url": "https://github.example.com/api/v3"}), 422)
    assert nowhere["message"].startswith("no credential is bound to https://github.example.com/api/v3")
    wrong = assert_error(await api.post(path, json=base | {"credential": "fake-key"}), 422)
    assert wrong["message"].startswith("credential 'fake-key' is bound to")
    unknown = assert_error(await api.post(path, json=base | {"pipeline": "nope"}), 422)
    assert f"company '{world.company}' has no pipeline 'nope'" in unknown["message"]
    assert_error(await api.post("/api/companies/nobody/monitors", json=base), 404)

    await world.add_monitor()
    assert_error(await api.post(path, json=base), 409, "conflict")
    listed = (await api.get(path)).json()
    assert listed["count"] == 1 and listed["data"][0]["repo"] == "myorg/myapp"
    assert (await api.delete(world.path("/myapp"))).status_code == 204
    assert_error(await api.get(world.path("/myapp")), 404)
    assert_error(await api.delete(world.path("/myapp")), 404)
    await assert_schedule_gone(world.client, world.company, "myapp")


async def assert_schedule_gone(client: Client, company: str, name: str) -> None:
    with pytest.raises(RPCError):
        await client.get_schedule_handle(monitor_schedule_id(company, name)).describe()


STRICT = """\
name: strict-review
inputs:
  - name: git_diff
steps:
  - agent: summarizer
    task: Give the verdict on the change as JSON.
    input: [git_diff]
    output: verdict
    output_schema: {type: object, required: [verdict]}
    schema_tries: 1
"""


async def test_a_failed_run_posts_nothing_and_a_head_moved_on_from_is_superseded(world: World) -> None:  # noqa: F811
    gh = world.github
    added = await world.api.post(
        f"/api/companies/{world.company}/pipelines", content=STRICT, headers={"Content-Type": "application/yaml"}
    )
    assert added.status_code == 201, added.text
    gh.add_pull(5, SHA_A, ["src/a.py"])
    await world.add_monitor(pipeline="strict-review")  # its one step answers no JSON: the run fails
    [failed] = await world.settled(1)
    assert failed["state"] == "failed" and failed["run_id"] in failed["error"] and "failed" in failed["error"]
    assert gh.posted() == [] and failed["review_id"] is None

    made = await world.add_monitor(name="hooked", mode="webhook")
    stale = json.dumps(delivery_body(gh, 5, SHA_B, action="synchronize")).encode()  # GitHub is at SHA_A now
    answer = await world.api.post(made["hook_path"], content=stale, headers=github_headers(made["secret"], stale))
    result = await world.client.get_workflow_handle(answer.json()["review"], result_type=ReviewResult).result()
    assert result.state is not None and result.state.value == "superseded"
    assert {(r["number"], r["head_sha"], r["state"]) for r in await world.reviews("hooked")} == {
        (5, SHA_A, "failed"),
        (5, SHA_B, "superseded"),
    }
    assert gh.posted() == []


async def test_only_the_board_or_an_owner_adds_a_monitor_and_other_teams_see_none(api: httpx.AsyncClient) -> None:
    for team in ("red", "blue"):
        assert (await api.post("/api/teams", json={"name": team})).status_code == 201
    keys = {}
    for user, team, role in (("olga", "red", "owner"), ("alice", "red", "operator"), ("bob", "blue", "owner")):
        assert (await api.put(f"/api/teams/{team}/members", json={"user": user, "role": role})).status_code == 200
        token = (await api.post("/api/tokens", json={"user": user, "label": "test"})).json()["token"]
        keys[user] = {"Authorization": f"Bearer {token}"}
    company = (await api.post("/api/companies", json=company_body(team="red"))).json()["id"]
    url = f"/api/companies/{company}/monitors"
    body = {"name": "myapp", "repo": "myorg/myapp", "branch": "main"}
    refused = assert_error(await api.post(url, json=body, headers=keys["alice"]), 403, "forbidden")
    assert "only the board or an owner of the company's team adds a monitor (alice is not)" in refused["message"]
    # An owner passes that check, and meets the next: the company has no code-review pipeline.
    missing = assert_error(await api.post(url, json=body, headers=keys["olga"]), 422, "invalid_input")
    assert "has no pipeline 'code-review'" in missing["message"]
    assert (await api.get(url, headers=keys["alice"])).json()["count"] == 0
    assert_error(await api.get(url, headers=keys["bob"]), 404, "not_found")
    assert_error(await api.delete(f"{url}/myapp", headers=keys["alice"]), 403, "forbidden")
