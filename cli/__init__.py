"""The `paperclip` command line (typer + rich).

Process commands (`up`, `worker`, `api`, `ui`) run the stack; resource commands are
clients of the API over HTTP, like the dashboard.
"""

import typer

from cli import (
    agents,
    approval_wait,
    attachments,
    costs,
    endpoints,
    export,
    governance,
    lifecycle,
    search,
    tasks,
    work_products,
)
from cli.access import team_app, token_app
from cli.approvals import approval_app
from cli.backup import backup_app
from cli.budgets import budget_app
from cli.credentials import credential_app
from cli.doctor import doctor
from cli.documents import doc_app
from cli.goals import goal_app
from cli.hooks import hook_app, webhook_app
from cli.mcp import mcp_app
from cli.migrate import migrate
from cli.monitor import monitor_app
from cli.pipeline_runs import run_app
from cli.pipelines import pipeline_app
from cli.projects import label_app, project_app
from cli.replay import replay_check
from cli.resources import agent_app, company_app, history, task_app
from cli.routines import routine_app
from cli.templates import template_app
from cli.tools import tool_app
from cli.up import api, ui, up, worker
from cli.usage import OneLineUsageErrors
from cli.views import activity, org
from paperclip.settings import bad_settings_exit

app = typer.Typer(
    name="paperclip",
    help="Paperclip on Temporal: run companies of AI agents on durable execution.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=OneLineUsageErrors,
)
app.command()(up)
app.command()(worker)
app.command()(api)
app.command()(ui)
app.command()(doctor)
app.command()(migrate)
app.command()(lifecycle.purge)
app.command("replay-check")(replay_check)
for group, name, command in (
    (agent_app, "hire", agents.agent_hire),
    (agent_app, "configure", agents.agent_configure),
    (agent_app, "revisions", agents.agent_revisions),
    (agent_app, "rollback", agents.agent_rollback),
    (agent_app, "register", endpoints.agent_register),
    (agent_app, "test", endpoints.agent_test),
    (agent_app, "pause", governance.agent_pause),
    (agent_app, "resume", governance.agent_resume),
    (agent_app, "terminate", governance.agent_terminate),
    (company_app, "pause", governance.company_pause),
    (company_app, "resume", governance.company_resume),
    (company_app, "archive", governance.company_archive),
    (company_app, "export", export.company_export),
    (company_app, "import", export.company_import),
    (company_app, "delete", lifecycle.company_delete),
    (task_app, "show", tasks.task_show),
    (task_app, "wait", tasks.task_wait),
    (task_app, "cancel", governance.task_cancel),
    (task_app, "reassign", governance.task_reassign),
    (task_app, "comment", governance.task_comment),
    (task_app, "attach", attachments.task_attach),
    (task_app, "attachments", attachments.task_attachments),
    (task_app, "download", attachments.task_download),
    (task_app, "products", work_products.task_products),
    (approval_app, "wait", approval_wait.approval_wait),
):
    group.command(name)(command)
task_app.add_typer(doc_app, name="doc")
app.add_typer(company_app, name="company")
app.add_typer(agent_app, name="agent")
app.add_typer(task_app, name="task")
app.add_typer(goal_app, name="goal")
app.add_typer(project_app, name="project")
app.add_typer(label_app, name="label")
app.add_typer(approval_app, name="approval")
app.add_typer(budget_app, name="budget")
app.add_typer(credential_app, name="credential")
app.add_typer(routine_app, name="routine")
app.add_typer(pipeline_app, name="pipeline")
app.add_typer(template_app, name="template")
app.add_typer(tool_app, name="tool")
app.add_typer(team_app, name="team")
app.add_typer(token_app, name="token")
app.add_typer(mcp_app, name="mcp")
app.add_typer(hook_app, name="hook")
app.add_typer(webhook_app, name="webhook")
app.add_typer(run_app, name="run")
app.add_typer(backup_app, name="backup")
app.command()(history)
app.add_typer(monitor_app, name="monitor")
app.command()(activity)
app.command()(org)
app.command()(costs.costs)
app.command()(search.search)
app.command()(work_products.artifacts)
app.command()(governance.pause)
app.command()(governance.resume)


def main() -> None:
    """The `paperclip` command: a bad `PAPERCLIP_*` setting ends it with one readable line."""
    with bad_settings_exit():
        app(prog_name="paperclip")


__all__ = ["app", "main"]
