"""A real S3-compatible server (moto's, from PyPI) in a process of its own, for the attachments'
`s3` backend: boto3 speaks the S3 wire protocol (SigV4-signed REST) to it as to AWS or MinIO.

Run as `python -m tests.fakes.s3_server LOG`: it prints its port, then serves until killed, and
writes one line per request to LOG — the method, the path and the access key id its signature
names — so a test can see where the keys went (a SigV4 request never carries the secret itself).
"""

import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ACCESS_KEY_ID = "AKIAPAPERCLIPTEST0001"
SECRET_ACCESS_KEY = "s3-secret-never-logged-0123456789abcdef"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


class S3ServerProcess:
    """The server as a child process; a context manager. `requests()` reads its log."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.port = 0
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> "S3ServerProcess":
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.s3_server", str(self.log)], stdout=subprocess.PIPE, text=True
        )
        assert self._proc.stdout is not None
        self.port = int(self._proc.stdout.readline())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests(self) -> list[tuple[str, str, str]]:
        """(method, path, access key id) of every request so far."""
        if not self.log.exists():
            return []
        return [tuple(line.split(" ", 2)) for line in self.log.read_text().splitlines()]  # type: ignore[misc]

    def client(self) -> Any:
        """A boto3 client of the server, with the test keys (for checking what is in a bucket)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )


def _logging(app: Callable[..., Iterable[bytes]], log: Path) -> Callable[..., Iterable[bytes]]:
    def logged(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        found = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        with log.open("a") as out:
            out.write(f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')} {found[1] if found else '-'}\n")
        return app(environ, start_response)

    return logged


def main() -> None:
    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, _logging(app, Path(sys.argv[1])), threaded=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
