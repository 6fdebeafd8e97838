"""`paperclip approval wait`: until an agent has asked for an approval, so a script (or a README
walk-through) can decide it the moment it exists."""

import time
from typing import Annotated

import typer
from rich.markup import escape

from cli.approvals import ApprovalId, _path, _status
from cli.common import ApiUrl, Company, api, console, fail


def approval_wait(
    approval_id: ApprovalId,
    company: Company,
    timeout: Annotated[float, typer.Option(min=0, help="Give up after this many seconds.")] = 300.0,
    api_url: ApiUrl = None,
) -> None:
    """Wait until an approval exists (agents number them AP-1, AP-2 … as they ask), then print
    it in one line: its kind, what it asks, and its status. Exit 1 after the timeout."""
    from paperclip.client import ApiError

    deadline = time.monotonic() + timeout
    with api(api_url) as client:
        while True:
            try:
                approval = client.get(_path(company, approval_id))
                break
            except ApiError as error:
                if error.status != 404:
                    raise
            if time.monotonic() >= deadline:
                fail(f"no approval {approval_id} in {company} after {timeout:g} s")
            time.sleep(0.5)
    task = f" (task {approval['task']})" if approval.get("task") else ""
    console.print(
        f"{escape(approval['id'])} {approval['kind']}{escape(task)}: {escape(approval['title'])} · {_status(approval)}",
        highlight=False,
    )
