"""The fake GitHub as a server of its own, for the README's walk-through of the reviewer.

    python -m tests.fakes.github_demo --token ghp_demo --port 9876

serves one repository (`octocat/widgets` by default) with one open pull request into `main`, #1,
whose diff is a small, realistic change (a retry loop with a bug or two for the reviewers to
find), on the fake's real GitHub wire formats (`tests.fakes.github_api`). Every request must
carry `Authorization: Bearer <token>`, as GitHub's do. It prints its URL, then one line per
review posted; the reviews are also at GitHub's own endpoint,
`GET /repos/OWNER/NAME/pulls/1/reviews`. Stop it with Ctrl-C.
"""

import argparse
import socket
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response

from tests.fakes.github_api import FakeGitHub, FakePull

HEAD_SHA = "a3c1e5f7b9d2468ace13579bdf02468ace13579b"
FILES = ["src/widgets/upload.py", "tests/test_upload.py"]
DIFF = '''\
diff --git a/src/widgets/upload.py b/src/widgets/upload.py
index 3b18e51..a9c2f7d 100644
--- a/src/widgets/upload.py
+++ b/src/widgets/upload.py
@@ -8,4 +8,12 @@ BUCKET = "https://storage.example.com/widgets"
 def upload(name: str, data: bytes, token: str) -> str:
-    response = requests.put(f"{BUCKET}/{name}", data=data, headers={"Authorization": token})
-    response.raise_for_status()
-    return response.headers["ETag"]
+    """Upload `data` as `name`; retry while the bucket answers 503."""
+    attempt = 0
+    while True:
+        response = requests.put(f"{BUCKET}/{name}", data=data, headers={"Authorization": token})
+        if response.status_code != 503:
+            break
+        attempt += 1
+        print(f"upload {name}: 503 with token {token}, retrying (attempt {attempt})")
+        time.sleep(2**attempt)
+    response.raise_for_status()
+    return response.headers["ETag"]
diff --git a/tests/test_upload.py b/tests/test_upload.py
index 5d41402..7c211e3 100644
--- a/tests/test_upload.py
+++ b/tests/test_upload.py
@@ -8,1 +8,7 @@ def test_upload_returns_the_etag(bucket):
     assert upload("a.txt", b"hello", "t0k") == '"abc123"'
+
+
+def test_upload_retries_on_503(bucket):
+    bucket.answer(503, 503, 200)
+    assert upload("a.txt", b"hello", "t0k") == '"abc123"'
+    assert bucket.calls == 3
'''


@dataclass
class DemoPull(FakePull):
    """A pull request whose diff is the text given, not the generated one."""

    text: str = DIFF

    def diff(self) -> str:
        return self.text


def demo(token: str, repo: str = "octocat/widgets") -> FakeGitHub:
    """The fake with `repo` holding one open pull request, #1 into main."""
    owner, _, name = repo.partition("/")
    github = FakeGitHub(token=token, owner=owner, name=name, page_size=30)
    github.pulls[1] = DemoPull(number=1, head_sha=HEAD_SHA, files=list(FILES), title="Retry uploads on 503")
    return github


def app(github: FakeGitHub, out: TextIO = sys.stdout) -> FastAPI:
    """The fake's app, saying on `out` each review posted to it."""
    served = github.app()

    @served.middleware("http")
    async def tell(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        before = {number: len(found) for number, found in github.reviews.items()}
        response = await call_next(request)
        for number, found in github.reviews.items():
            for review in found[before.get(number, 0) :]:
                first = (review["body"].strip().splitlines() or [""])[0]
                print(f"review {review['id']} posted on #{number} ({review['commit_id'][:7]}): {first}", file=out,
                      flush=True)  # fmt: skip
        return response

    return served


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.github_demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--token", required=True, help="The token requests must carry (Authorization: Bearer …).")
    parser.add_argument("--repo", default="octocat/widgets", help="The repository, OWNER/NAME.")
    parser.add_argument("--port", type=int, default=9876, help="The port on 127.0.0.1 (0: a free one).")
    args = parser.parse_args(argv)
    if "/" not in args.repo:
        parser.error(f"--repo {args.repo!r}: give OWNER/NAME")
    github = demo(args.token, args.repo)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(128)  # connections wait in the backlog from now on, while the server starts
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    pull = github.pulls[1]
    print(f"fake GitHub at {url}: {github.full_name}, pull request #1 \"{pull.title}\" into main "
          f"(head {pull.head_sha[:7]})", flush=True)  # fmt: skip
    print(f"reviews: curl -H 'Authorization: Bearer {args.token}' {url}/repos/{github.full_name}/pulls/1/reviews",
          flush=True)  # fmt: skip
    uvicorn.Server(uvicorn.Config(app(github), log_level="warning")).run(sockets=[sock])


if __name__ == "__main__":
    main()
