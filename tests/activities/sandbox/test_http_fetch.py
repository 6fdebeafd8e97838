"""`http_fetch`: allowed hosts only, never this machine unless the deployment says so, a
capped read, the bound credential added, and what comes back marked untrusted."""

import pytest

from activities.tools import RUNNERS, ToolFailed
from paperclip.tools import ToolArgumentsError
from paperclip.tools.base import parse
from paperclip.tools.http_fetch import HttpFetchArguments
from tests.activities.sandbox.conftest import BOUND_SECRET, Layout, Recorder, context


async def fetch(layout: Layout, url: str, **fields: object) -> str:
    ctx = context(layout.workspace, layout.home, **fields)
    output = await RUNNERS["http_fetch"](ctx, HttpFetchArguments(url=url))
    assert output.untrusted
    return output.content


async def test_loopback_is_refused_even_when_the_task_allows_the_host(layout: Layout, recorder: Recorder) -> None:
    with pytest.raises(ToolFailed, match="loopback"):
        await fetch(layout, f"{recorder.url}/x", allow_hosts=[f"127.0.0.1:{recorder.port}"])
    with pytest.raises(ToolFailed, match="not a host this task may reach"):
        await fetch(layout, f"{recorder.url}/x")
    assert recorder.headers == []


async def test_an_allowed_host_answers_with_the_bound_credential(layout: Layout, recorder: Recorder) -> None:
    allowed = f"127.0.0.1:{recorder.port}"
    out = await fetch(
        layout, f"{recorder.url}/x", allow_hosts=[allowed], private_hosts=[allowed], key_for=recorder.key_for
    )
    assert out.startswith("HTTP 200") and "hello from the allowed host" in out
    assert recorder.headers[0]["authorization"] == f"Bearer {BOUND_SECRET}"


async def test_a_long_answer_is_cut(layout: Layout, recorder: Recorder) -> None:
    recorder.body = b"a" * (3 * 1024 * 1024)
    allowed = f"127.0.0.1:{recorder.port}"
    out = await fetch(layout, recorder.url, allow_hosts=[allowed], private_hosts=[allowed])
    assert "cut at 2,097,152 bytes" in out and len(out) < 2_100_000


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data", "http://metadata.google.internal/"])
async def test_metadata_services_are_refused(layout: Layout, url: str) -> None:
    host = url.split("/")[2]
    with pytest.raises(ToolFailed, match="metadata"):
        await fetch(layout, url, allow_hosts=[host])


def test_the_model_cannot_send_a_credential_or_cookie() -> None:
    for header in ("Authorization", "cookie"):
        with pytest.raises(ToolArgumentsError, match="not a header you set"):
            parse(HttpFetchArguments, {"url": "https://x.example", "headers": {header: "x"}})
