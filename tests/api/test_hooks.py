"""Incoming webhooks over real HTTP, on SQLite and PostgreSQL: a company's hooks made (the secret
shown once), listed and removed; GitHub's signed `pull_request` delivery, with GitHub's own
headers, makes exactly one task, and its redelivery none; a bad or missing signature, a stale
timestamp and a replayed generic delivery are refused or answered as duplicates, with nothing
done; the door needs no credential but the signature, and takes no more than 1 MiB."""

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx

from tests.api.conftest import assert_error
from tests.api.helpers import create_company

PR_WHEN = "event == 'pull_request' && contains(['opened', 'synchronize'], body.action)"
PR_INPUTS = {
    "repo": "body.repository.full_name",
    "number": "body.number",
    "title": "body.pull_request.title",
    "url": "body.pull_request.html_url",
    "head": "body.pull_request.head.sha",
    "author": "body.pull_request.user.login",
}


def hooks(company: str) -> str:
    return f"/api/companies/{company}/hooks"


def pull_request_payload(action: str = "opened", number: int = 42) -> dict[str, Any]:
    """A `pull_request` delivery's body as GitHub sends it (the fields a hook reads, and enough
    of the rest to be realistic)."""
    user = {"login": "octocat", "id": 583231, "type": "User", "html_url": "https://github.com/octocat"}
    repo = {
        "id": 1296269,
        "name": "myapp",
        "full_name": "myorg/myapp",
        "private": False,
        "owner": {"login": "myorg", "id": 9919, "type": "Organization"},
        "html_url": "https://github.com/myorg/myapp",
        "default_branch": "main",
    }
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "url": f"https://api.github.com/repos/myorg/myapp/pulls/{number}",
            "id": 1934234234,
            "html_url": f"https://github.com/myorg/myapp/pull/{number}",
            "diff_url": f"https://github.com/myorg/myapp/pull/{number}.diff",
            "number": number,
            "state": "open",
            "locked": False,
            "title": "Retry uploads on 503",
            "user": user,
            "body": "Uploads now back off and retry on a 503 from the bucket.",
            "created_at": "2026-12-01T10:00:00Z",
            "updated_at": "2026-12-01T10:00:00Z",
            "draft": False,
            "head": {
                "label": "octocat:retry-uploads",
                "ref": "retry-uploads",
                "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
                "user": user,
                "repo": repo,
            },
            "base": {
                "label": "myorg:develop",
                "ref": "develop",
                "sha": "9049f1265b7d61be4a8904a9a27120d2064dab3b",
                "user": user,
                "repo": repo,
            },
            "merged": False,
            "commits": 2,
            "additions": 40,
            "deletions": 3,
            "changed_files": 2,
        },
        "repository": repo,
        "sender": user,
    }


def github_headers(
    secret: str, body: bytes, *, event: str = "pull_request", delivery: str | None = None
) -> dict[str, str]:
    """The headers GitHub sends with a delivery (its SHA-1 signature included, which we ignore)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/7e4ab5c",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "292047319",
        "X-GitHub-Hook-Installation-Target-ID": "1296269",
        "X-GitHub-Hook-Installation-Target-Type": "repository",
        "X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest(),
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
    }


def generic_headers(secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Paperclip-Timestamp": str(ts), "X-Paperclip-Signature": f"v1={mac}"}


async def add_hook(api: httpx.AsyncClient, company: str, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "prs",
        "kind": "github",
        "when": PR_WHEN,
        "inputs": PR_INPUTS,
        "target": {
            "kind": "task",
            "assignee": "cto",
            "title": "Review ${inputs.repo}#${inputs.number}: ${inputs.title}",
            "brief": "Review ${inputs.url} (head ${inputs.head}) by ${inputs.author}.",
            "priority": "high",
        },
    } | fields
    response = await api.post(hooks(company), json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def tasks(api: httpx.AsyncClient, company: str) -> list[dict[str, Any]]:
    response = await api.get(f"/api/companies/{company}/tasks")
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_a_github_pull_request_makes_exactly_one_task(
    api: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    company = (await create_company(api))["id"]
    hook = await add_hook(api, company)
    secret = hook["secret"]
    assert len(secret) == 64 and hook["path"] == f"/api/hooks/{company}/prs"
    listed = (await api.get(hooks(company))).json()
    assert listed["count"] == 1 and "secret" not in listed["data"][0]
    assert "secret" not in (await api.get(f"{hooks(company)}/prs")).json()

    body = json.dumps(pull_request_payload()).encode()
    headers = github_headers(secret, body)
    delivered = await anonymous.post(hook["path"], content=body, headers=headers)  # no credential but the signature
    assert delivered.status_code == 200, delivered.text
    answer = delivered.json()
    assert answer["duplicate"] is False and answer["task"]
    [task] = await tasks(api, company)
    assert task["identifier"] == answer["task"]
    assert task["title"] == "Review myorg/myapp#42: Retry uploads on 503"
    assert task["assignee"] == "cto" and task["priority"] == "high"
    detail = (await api.get(f"/api/companies/{company}/tasks/{task['identifier']}")).json()
    assert detail["brief"] == (
        "Review https://github.com/myorg/myapp/pull/42 (head 6dcb09b5b57875f334f61aebed695e2e4193db5e) by octocat."
    )

    again = await anonymous.post(hook["path"], content=body, headers=headers)  # GitHub's "Redeliver"
    assert again.status_code == 200 and again.json() == {
        "delivery": headers["X-GitHub-Delivery"],
        "duplicate": True,
        "skipped": False,
        "task": None,
        "review": None,
        "run": None,
    }
    closed = json.dumps(pull_request_payload("closed")).encode()
    skipped = await anonymous.post(hook["path"], content=closed, headers=github_headers(secret, closed))
    assert skipped.status_code == 200 and skipped.json()["skipped"] is True
    ping = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 292047319}).encode()
    pinged = await anonymous.post(hook["path"], content=ping, headers=github_headers(secret, ping, event="ping"))
    assert pinged.status_code == 200 and pinged.json()["skipped"] is True
    assert len(await tasks(api, company)) == 1

    deliveries = (await api.get(f"{hooks(company)}/prs/deliveries")).json()
    assert sorted(d["outcome"] for d in deliveries) == ["skipped", "skipped", f"task {answer['task']}"]


async def test_a_bad_or_missing_signature_is_refused_and_nothing_is_kept(
    api: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    company = (await create_company(api))["id"]
    hook = await add_hook(api, company)
    body = json.dumps(pull_request_payload()).encode()

    forged = await anonymous.post(hook["path"], content=body, headers=github_headers("not-the-secret", body))
    error = assert_error(forged, 401, "bad_signature")
    assert "does not match" in error["message"]
    unsigned = github_headers(hook["secret"], body)
    del unsigned["X-Hub-Signature-256"]
    assert (
        "x-hub-signature-256"
        in assert_error(await anonymous.post(hook["path"], content=body, headers=unsigned), 401, "bad_signature")[
            "message"
        ]
    )
    tampered = github_headers(hook["secret"], body)
    assert_error(await anonymous.post(hook["path"], content=body + b" ", headers=tampered), 401, "bad_signature")

    assert (await api.get(f"{hooks(company)}/prs/deliveries")).json() == []
    assert await tasks(api, company) == []
    # The genuine delivery is taken afterwards: a refused one claimed nothing.
    good = await anonymous.post(hook["path"], content=body, headers=tampered)
    assert good.status_code == 200 and good.json()["task"]


async def test_a_generic_delivery_is_signed_with_its_timestamp_and_replays_are_refused(
    api: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    company = (await create_company(api))["id"]
    hook = await add_hook(
        api,
        company,
        name="alerts",
        kind="generic",
        when="body.severity == 'page'",
        inputs={"service": "body.service", "detail": "body.detail"},
        target={"kind": "task", "assignee": "cmo", "title": "Page: ${inputs.service}", "brief": "${inputs.detail}"},
    )
    body = json.dumps({"service": "billing", "severity": "page", "detail": {"error_rate": 0.31}}).encode()
    headers = generic_headers(hook["secret"], body)
    made = await anonymous.post(hook["path"], content=body, headers=headers)
    assert made.status_code == 200 and made.json()["task"], made.text
    replayed = await anonymous.post(hook["path"], content=body, headers=headers)
    assert replayed.status_code == 200 and replayed.json()["duplicate"] is True

    stale = generic_headers(hook["secret"], body, timestamp=int(time.time()) - 301)
    assert (
        "300 s"
        in assert_error(await anonymous.post(hook["path"], content=body, headers=stale), 401, "bad_signature")[
            "message"
        ]
    )
    future = generic_headers(hook["secret"], body, timestamp=int(time.time()) + 400)
    assert_error(await anonymous.post(hook["path"], content=body, headers=future), 401, "bad_signature")
    resigned = dict(headers, **{"X-Paperclip-Timestamp": str(int(headers["X-Paperclip-Timestamp"]) + 1)})
    assert_error(await anonymous.post(hook["path"], content=body, headers=resigned), 401, "bad_signature")

    [task] = await tasks(api, company)
    assert task["title"] == "Page: billing" and task["assignee"] == "cmo"
    detail = (await api.get(f"/api/companies/{company}/tasks/{task['identifier']}")).json()
    assert json.loads(detail["brief"]) == {"error_rate": 0.31}

    huge = b'{"service": "' + b"x" * (1024 * 1024) + b'"}'
    assert_error(await anonymous.post(hook["path"], content=huge, headers=generic_headers(hook["secret"], huge)), 413)


async def test_bad_hooks_are_refused_with_the_reason(api: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    target = {"kind": "task", "assignee": "cto", "title": "x ${inputs.n}"}
    bad_expression = {"name": "a", "inputs": {"n": "body.[["}, "target": target}
    assert "inputs.n" in assert_error(await api.post(hooks(company), json=bad_expression), 422)["message"]
    unmapped = {"name": "a", "inputs": {"m": "body.m"}, "target": target}
    assert "n" in assert_error(await api.post(hooks(company), json=unmapped), 422)["message"]
    bad_when = {"name": "a", "inputs": {"n": "body.n"}, "when": "event ==", "target": target}
    assert "when" in assert_error(await api.post(hooks(company), json=bad_when), 422)["message"]
    pipeline = {"name": "a", "target": {"kind": "pipeline", "pipeline": "code-review"}}
    assert "no pipeline 'code-review'" in assert_error(await api.post(hooks(company), json=pipeline), 400)["message"]
    await add_hook(api, company)
    assert_error(await api.post(hooks(company), json={"name": "prs", "target": target | {"title": "x"}}), 409)

    # The door is exempt from credentials only for deliveries: the rest still asks for them.
    assert_error(await anonymous.get(hooks(company)), 401)
    assert_error(await anonymous.post(f"/api/hooks/{company}/nope", content=b"{}"), 404)
    assert (await api.delete(f"{hooks(company)}/prs")).status_code == 204
    assert_error(await anonymous.post(f"/api/hooks/{company}/prs", content=b"{}"), 404)
    assert_error(await api.delete(f"{hooks(company)}/prs"), 404)
