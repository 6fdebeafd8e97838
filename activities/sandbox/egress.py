"""The egress proxy: the only way out of a sandbox, and only to the hosts a task may reach.

It listens on a unix socket (bound into the sandbox, reached through the forwarder) and speaks
just enough HTTP proxying: `CONNECT host:port` for https (a tunnel; the TLS inside is the
command's) and absolute-URI requests (`GET http://host/path`) for plain http, where it adds
the credential bound to that URL — so a key is used by a sandboxed command without ever being
in the sandbox. Everything else, and every host not on the allow-list, is answered 403. The
host is resolved here and every address checked (`paperclip.netguard`): an allowed name that
resolves to this machine, a link-local network or a metadata service is refused too.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from paperclip.keys import BoundKey
from paperclip.netguard import HostRefused, host_port, resolve

log = logging.getLogger(__name__)

KeyFor = Callable[[str], BoundKey | None]
"""A URL → the bound credential to send with a request to it (None: none)."""
HEAD_LIMIT = 64 * 1024
CONNECT_TIMEOUT = 10.0
_HOP_HEADERS = frozenset({"proxy-authorization", "proxy-connection", "connection", "keep-alive"})


def allowed(host: str, port: int, allow_hosts: Sequence[str]) -> bool:
    """Whether `host:port` is on the allow-list: `host` allows ports 80 and 443, `host:port`
    that port only."""
    host = host.strip("[]").lower().rstrip(".")
    for entry in allow_hosts:
        entry_host, entry_port = host_port(entry)
        if entry_host == host and (port == entry_port or (entry_port is None and port in (80, 443))):
            return True
    return False


class EgressProxy:
    """One proxy on one unix socket (per sandboxed run).

    Args:
        allow_hosts: where requests may go (see `allowed`).
        private_ok: `host[:port]` entries the deployment lets through on loopback or link-local.
        key_for: the credential bound to a URL, added to plain-HTTP requests there.
    """

    def __init__(self, allow_hosts: Sequence[str], *, private_ok: Sequence[str] = (), key_for: KeyFor) -> None:
        self.allow_hosts = list(allow_hosts)
        self.private_ok = list(private_ok)
        self.key_for = key_for
        self.refused: list[str] = []
        """`host:port` of each refused request, for the run's record."""
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, path: str) -> None:
        self._server = await asyncio.start_unix_server(self._serve, path=path)
        Path(path).chmod(0o666)  # the sandbox may run as another user

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._handle(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > HEAD_LIMIT:
            return await _answer(writer, 431, "request head too large")
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = (lines[0].split(" ") + ["", "", ""])[:3]
        if method == "CONNECT":
            host, _, port_text = target.rpartition(":")
            port = int(port_text) if port_text.isdigit() else 443
            scheme = "https"
        else:
            parts = urlsplit(target)
            if parts.scheme != "http" or not parts.hostname:
                return await _answer(writer, 403, "only http:// requests and CONNECT go through this proxy")
            host, port, scheme = parts.hostname, parts.port or 80, "http"
        if not allowed(host, port, self.allow_hosts):
            self.refused.append(f"{host}:{port}")
            return await _answer(writer, 403, f"{host}:{port} is not an allowed host for this task")
        try:
            address = await resolve(host, port, private_ok=self.private_ok)
            upstream_reader, upstream = await asyncio.wait_for(
                asyncio.open_connection(str(address), port), CONNECT_TIMEOUT
            )
        except HostRefused as err:
            self.refused.append(f"{host}:{port}")
            return await _answer(writer, 403, f"{host}: {err}")
        except (OSError, TimeoutError) as err:
            return await _answer(writer, 502, f"cannot connect to {host}:{port}: {err}")
        try:
            if scheme == "https":
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                upstream.write(self._forwarded_head(method, target, version, lines[1:], host, port))
            await _pipe_both(reader, writer, upstream_reader, upstream)
        finally:
            upstream.close()

    def _forwarded_head(
        self, method: str, target: str, version: str, headers: list[str], host: str, port: int
    ) -> bytes:
        """The request as the origin server gets it: origin-form target, the proxy's own
        headers dropped, `Connection: close`, and the bound credential added (replacing any
        the command sent)."""
        parts = urlsplit(target)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = self.key_for(f"http://{host}:{port}{parts.path or '/'}")
        kept = [
            h
            for h in headers
            if h
            and h.split(":", 1)[0].strip().lower() not in _HOP_HEADERS
            and not (key is not None and h.split(":", 1)[0].strip().lower() == "authorization")
        ]
        if key is not None:
            kept.append(f"Authorization: Bearer {key.secret}")
        kept.append("Connection: close")
        return (f"{method} {path} {version}\r\n" + "\r\n".join(kept) + "\r\n\r\n").encode("latin-1")


async def _answer(writer: asyncio.StreamWriter, status: int, message: str) -> None:
    reason = {403: "Forbidden", 431: "Request Header Fields Too Large", 502: "Bad Gateway"}.get(status, "Error")
    body = (message + "\n").encode()
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n".encode()
        + body
    )
    with contextlib.suppress(OSError):
        await writer.drain()


async def _pipe_both(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    upstream_reader: asyncio.StreamReader,
    upstream: asyncio.StreamWriter,
) -> None:
    async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        except OSError:
            pass
        finally:
            if dst.can_write_eof():
                with contextlib.suppress(OSError):
                    dst.write_eof()

    await asyncio.gather(pipe(reader, upstream), pipe(upstream_reader, writer))
