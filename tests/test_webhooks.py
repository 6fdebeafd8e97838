"""Webhooks' pure parts: signatures in GitHub's form and ours (a window, several signatures while
a secret rotates), what a hook makes of a delivery (JMESPath filter and inputs, templates,
GitHub's form-encoded body), which activity-log entries are events, and Slack's text."""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from paperclip.models import ActivityEntry, TaskStatus
from paperclip.models.webhooks import HookSpec, Notification, WebhookEvent, WebhookFormat
from paperclip.webhooks import hooks, outgoing, signing

NOW = 1_800_000_000


def test_a_github_signature_is_the_hmac_of_the_body_as_github_computes_it() -> None:
    # GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!".
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signing.github_signature("It's a Secret to Everybody", b"Hello, World!") == expected
    signing.check_github("It's a Secret to Everybody", b"Hello, World!", expected)
    for header in (None, "", "sha1=abc", expected.replace("7", "8")):
        with pytest.raises(signing.SignatureRefused):
            signing.check_github("It's a Secret to Everybody", b"Hello, World!", header)


def test_a_generic_signature_covers_the_timestamp_and_is_refused_outside_the_window() -> None:
    body = b'{"a": 1}'
    mac = hmac.new(b"k", f"{NOW}.".encode() + body, hashlib.sha256).hexdigest()
    assert signing.signature("k", NOW, body) == f"v1={mac}"
    assert signing.check_generic("k", body, str(NOW), f"v1={mac}", now=NOW + 300) == mac
    assert signing.check_generic("k", body, str(NOW), f"v1=00, v1={mac}", now=NOW) == mac  # a rotation
    for ts, header, now in [
        (str(NOW), f"v1={mac}", NOW + 301),
        (str(NOW), f"v1={mac}", NOW - 301),
        (str(NOW + 1), f"v1={mac}", NOW),
        ("soon", f"v1={mac}", NOW),
        (str(NOW), mac, NOW),
        (None, f"v1={mac}", NOW),
    ]:
        with pytest.raises(signing.SignatureRefused):
            signing.check_generic("k", body, ts, header, now=now)


def spec(**fields: object) -> HookSpec:
    base = {
        "name": "prs",
        "when": "event == 'pull_request' && contains(['opened', 'synchronize'], body.action)",
        "inputs": {"n": "body.number", "labels": "body.labels[].name", "missing": "body.nope"},
        "target": {
            "kind": "task",
            "assignee": "cto",
            "title": "PR #${inputs.n}",
            "brief": "${inputs.labels}${inputs.missing}",
        },
    }
    return HookSpec.model_validate(base | fields)


def test_a_hook_filters_maps_and_fills_its_task() -> None:
    body = {"action": "opened", "number": 7, "labels": [{"name": "bug"}, {"name": "ui"}]}
    doc = hooks.document({"X-GitHub-Event": "pull_request"}, body, "pull_request")
    assert doc["headers"] == {"x-github-event": "pull_request"}
    hook = spec()
    assert hooks.wanted(hook, doc)
    assert not hooks.wanted(hook, hooks.document({}, body | {"action": "closed"}, "pull_request"))
    assert not hooks.wanted(hook, hooks.document({}, body, "push"))
    values = hooks.inputs(hook, doc)
    assert values == {"n": 7, "labels": ["bug", "ui"], "missing": None}
    assert hooks.task_of(hook.target, values) == ("PR #7", '["bug", "ui"]')
    with pytest.raises(hooks.HookError):
        hooks.task_of(spec(target={"kind": "task", "assignee": "cto", "title": "${inputs.missing}"}).target, values)


def test_a_hook_that_names_unmapped_inputs_or_bad_expressions_is_refused() -> None:
    with pytest.raises(hooks.HookError, match="target.title.*other"):
        hooks.check_hook(spec(target={"kind": "task", "assignee": "cto", "title": "${inputs.other}"}))
    with pytest.raises(hooks.HookError, match="inputs.n"):
        hooks.check_hook(spec(inputs={"n": "body.[["}))
    with pytest.raises(hooks.HookError, match="when"):
        hooks.check_hook(spec(when="a =="))
    hooks.check_hook(spec())


def test_githubs_form_encoded_body_is_read_as_its_payload() -> None:
    form = urlencode({"payload": json.dumps({"action": "opened"})}).encode()
    assert hooks.parse_body(form, "application/x-www-form-urlencoded") == {"action": "opened"}
    assert hooks.parse_body(b"plain words", "text/plain") == "plain words"


def entry(kind: str, summary: str = "s", task: str | None = None) -> ActivityEntry:
    return ActivityEntry(
        id="e1",
        company_id="acme",
        at=datetime(2026, 12, 1, tzinfo=UTC),
        kind=kind,
        actor="x",
        task=task,
        summary=summary,
    )


def test_which_activity_entries_are_events() -> None:
    assert outgoing.notification_of(entry("approval.requested"), None).event is WebhookEvent.APPROVAL_PENDING  # type: ignore[union-attr]
    assert outgoing.notification_of(entry("budget.exhausted"), None).event is WebhookEvent.BUDGET_INCIDENT  # type: ignore[union-attr]
    failed = outgoing.notification_of(entry("task.finished", task="ACME-1"), TaskStatus.FAILED)
    assert failed is not None and failed.event is WebhookEvent.TASK_FAILED and failed.task == "ACME-1"
    assert outgoing.notification_of(entry("task.finished", task="ACME-1"), TaskStatus.DONE) is None
    assert outgoing.notification_of(entry("budget.warning"), None) is None


def test_slack_text_escapes_slacks_markup() -> None:
    n = Notification(
        id="e1",
        event=WebhookEvent.TASK_FAILED,
        company_id="acme",
        at=datetime(2026, 12, 1, tzinfo=UTC),
        summary="ACME-3 failed: <!channel> & co",
    )
    assert json.loads(outgoing.body(n, WebhookFormat.SLACK)) == {
        "text": "[acme] task failed: ACME-3 failed: &lt;!channel&gt; &amp; co"
    }
    assert json.loads(outgoing.body(n, WebhookFormat.JSON))["summary"] == "ACME-3 failed: <!channel> & co"
