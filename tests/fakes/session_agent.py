"""A `process` agent that keeps a session in its HOME, as the real coding tools do, and logs where
each of its runs found itself.

Each run reads the prompt on stdin, keeps a session id and a count of the session's turns under
`$HOME` (made on its first run there), and appends one JSON line to `SESSION_AGENT_LOG` (its HOME,
session, whether the session was new, the session's turn). The first `SESSION_AGENT_ASKS` runs (by
the log's count, whichever host they ran on) ask the board through the API with the turn's task
token and answer; the next one answers the task's result. Only the standard library.
"""

import json
import os
import sys
import urllib.request
import uuid
from pathlib import Path


def ask_the_board(turn: int) -> None:
    task = f"/api/companies/{os.environ['PAPERCLIP_COMPANY_ID']}/tasks/{os.environ['PAPERCLIP_TASK_ID']}"
    request = urllib.request.Request(
        f"{os.environ['PAPERCLIP_API_URL']}{task}/approval-requests",
        data=json.dumps({"title": f"Go on after turn {turn}?"}).encode(),
        headers={"Authorization": f"Bearer {os.environ['PAPERCLIP_TASK_TOKEN']}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def main() -> None:
    sys.stdin.read()
    home = Path(os.environ["HOME"])
    session_file, count_file = home / "session", home / "session-turns"
    new = not session_file.exists()
    if new:
        session_file.write_text(uuid.uuid4().hex[:8])
    session = session_file.read_text()
    in_session = int(count_file.read_text()) + 1 if count_file.exists() else 1
    count_file.write_text(str(in_session))
    log = Path(os.environ["SESSION_AGENT_LOG"])
    run = len(log.read_text().splitlines()) + 1 if log.exists() else 1
    with log.open("a") as f:
        f.write(json.dumps({"home": str(home), "session": session, "new": new, "turn": in_session}) + "\n")
    if run <= int(os.environ.get("SESSION_AGENT_ASKS", "0")):
        ask_the_board(run)
        print(f"asked the board after turn {in_session} of session {session}")
    else:
        print(f"done after turn {in_session} of session {session}")


if __name__ == "__main__":
    main()
