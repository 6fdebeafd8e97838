"""`http_fetch`'s runner: one request to an allowed host, to the address that was checked.

The host must be on the task's allow-list and resolve to no address of this machine, a
link-local network or a metadata service (`paperclip.netguard`), unless the deployment allows
it; the request goes to the checked address (the name kept for `Host` and TLS), follows no
redirect, carries the credential bound to the URL, and its answer is read up to a cap.
"""

from typing import Any

import httpx

from activities.sandbox.egress import allowed
from activities.tools.base import ToolContext, ToolFailed, ToolOutput
from paperclip.netguard import HostRefused, resolve
from paperclip.tools.http_fetch import HttpFetchArguments

READ_LIMIT = 2 * 1024 * 1024
"""Bytes of an answer read at most; the rest is not fetched."""


async def run(ctx: ToolContext, args: HttpFetchArguments) -> ToolOutput:
    try:
        target = httpx.URL(args.url)
    except httpx.InvalidURL as err:
        raise ToolFailed(f"{args.url!r} is not a URL: {err}") from None
    if target.scheme not in ("http", "https") or not target.host:
        raise ToolFailed(f"{args.url}: only http and https URLs")
    if target.userinfo:
        raise ToolFailed(f"{args.url}: no user or password in the URL")
    port = target.port or (443 if target.scheme == "https" else 80)
    if not allowed(target.host, port, ctx.allow_hosts):
        hosts = ", ".join(ctx.allow_hosts) or "none"
        raise ToolFailed(f"{target.host}:{port} is not a host this task may reach (allowed: {hosts})")
    try:
        address = await resolve(target.host, port, private_ok=ctx.private_hosts)
    except HostRefused as err:
        raise ToolFailed(f"{target.host}: {err}") from None
    except (OSError, UnicodeError) as err:
        raise ToolFailed(f"cannot resolve {target.host}: {err}") from None
    headers = dict(args.headers) | {"host": target.netloc.decode("ascii"), "user-agent": "paperclip"}
    key = ctx.key_for(str(target))
    if key is not None:
        headers["authorization"] = f"Bearer {key.secret}"
    extensions: dict[str, Any] = {"sni_hostname": target.host} if target.scheme == "https" else {}
    request = httpx.Request(
        args.method,
        target.copy_with(host=str(address)),
        headers=headers,
        content=args.body.encode() if args.body is not None else None,
        extensions=extensions,
    )
    timeout = min(ctx.timeout_seconds, 60.0)
    body = bytearray()
    truncated = False
    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            response = await client.send(request, stream=True)
            try:
                async for chunk in response.aiter_bytes():
                    body.extend(chunk[: READ_LIMIT - len(body)])
                    if len(body) >= READ_LIMIT:
                        truncated = True
                        break
            finally:
                await response.aclose()
    except httpx.TimeoutException:
        raise ToolFailed(f"no answer from {args.url} within {timeout:g} s") from None
    except httpx.HTTPError as err:
        raise ToolFailed(f"cannot fetch {args.url}: {err or type(err).__name__}") from None
    lines = [f"HTTP {response.status_code}", f"content-type: {response.headers.get('content-type', '')}"]
    if response.is_redirect:
        lines.append(f"location: {response.headers.get('location', '')} (not followed)")
    if truncated:
        lines.append(f"(the answer was cut at {READ_LIMIT:,} bytes)")
    text = bytes(body).decode(response.encoding or "utf-8", errors="replace")
    return ToolOutput(content="\n".join(lines) + "\n\n" + text, untrusted=True)
