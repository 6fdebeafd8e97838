"""`paperclip migrate --wait SECONDS`, the init container that holds the API and the workers back
on Kubernetes until the migration Job is done: it never migrates, it answers once the schema is at
the newest revision (exit 0), and otherwise says so in one line and exits 1 when the time is up."""

import os
import subprocess
import sys
import time
from pathlib import Path

from paperclip.doctor import schema_revisions
from paperclip.doctor.schema import head_revision
from paperclip.store import Store
from tests.deploy.files import ROOT


def paperclip(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERCLIP_")}
    env |= {"PAPERCLIP_HOME": str(home), "PAPERCLIP_ENV_FILE": ""}
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def current(home: Path) -> str | None:
    store = Store(f"sqlite:///{home / 'paperclip.db'}")
    try:
        return schema_revisions(store).current
    finally:
        store.dispose()


def test_waiting_on_a_store_nobody_migrates_fails_in_one_line_and_changes_nothing(tmp_path: Path) -> None:
    started = time.monotonic()
    code, out, err = finish(paperclip(tmp_path, "migrate", "--wait", "1"))
    assert code == 1 and out == "" and time.monotonic() - started >= 1
    assert err.splitlines() == [
        f"error: the store's schema did not reach revision {head_revision()} within 1s (it is at empty): "
        "run `paperclip migrate`"
    ]
    assert current(tmp_path) is None  # waiting never migrates


def test_a_waiting_pod_goes_on_once_the_job_has_migrated(tmp_path: Path) -> None:
    waiting = paperclip(tmp_path, "migrate", "--wait", "60")
    time.sleep(3)  # the waiter has looked at least once and found nothing
    assert waiting.poll() is None
    code, out, _ = finish(paperclip(tmp_path, "migrate"))
    assert code == 0 and f"to revision {head_revision()}" in out
    code, out, err = finish(waiting)
    assert (code, err) == (0, "") and out == f"store schema at revision {head_revision()}\n"


def test_waiting_on_a_store_at_head_answers_at_once(tmp_path: Path) -> None:
    assert finish(paperclip(tmp_path, "migrate"))[0] == 0
    code, out, _ = finish(paperclip(tmp_path, "migrate", "--wait", "0"))
    assert code == 0 and out == f"store schema at revision {head_revision()}\n"
