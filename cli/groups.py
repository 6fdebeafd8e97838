"""The command groups assembled from several modules (`paperclip task` has commands from
`cli.resources`, `cli.tasks`, `cli.governance` …). Each is assembled once, when it is first
needed (`cli.registry`), so that another command never imports their modules."""

from functools import cache

import typer


@cache
def company() -> typer.Typer:
    from cli import export, governance, lifecycle
    from cli.resources import company_app

    for name, command in (
        ("pause", governance.company_pause),
        ("resume", governance.company_resume),
        ("archive", governance.company_archive),
        ("export", export.company_export),
        ("import", export.company_import),
        ("delete", lifecycle.company_delete),
    ):
        company_app.command(name)(command)
    return company_app


@cache
def agent() -> typer.Typer:
    from cli import agents, endpoints, governance
    from cli.resources import agent_app

    for name, command in (
        ("hire", agents.agent_hire),
        ("configure", agents.agent_configure),
        ("revisions", agents.agent_revisions),
        ("rollback", agents.agent_rollback),
        ("register", endpoints.agent_register),
        ("test", endpoints.agent_test),
        ("pause", governance.agent_pause),
        ("resume", governance.agent_resume),
        ("terminate", governance.agent_terminate),
    ):
        agent_app.command(name)(command)
    return agent_app


@cache
def task() -> typer.Typer:
    from cli import attachments, governance, tasks, work_products
    from cli.documents import doc_app
    from cli.resources import task_app

    for name, command in (
        ("show", tasks.task_show),
        ("wait", tasks.task_wait),
        ("cancel", governance.task_cancel),
        ("reassign", governance.task_reassign),
        ("comment", governance.task_comment),
        ("attach", attachments.task_attach),
        ("attachments", attachments.task_attachments),
        ("download", attachments.task_download),
        ("products", work_products.task_products),
    ):
        task_app.command(name)(command)
    task_app.add_typer(doc_app, name="doc")
    return task_app


@cache
def approval() -> typer.Typer:
    from cli.approval_wait import approval_wait
    from cli.approvals import approval_app

    approval_app.command("wait")(approval_wait)
    return approval_app


@cache
def pipeline() -> typer.Typer:
    import cli.pipeline_runs  # noqa: F401 - adds `pipeline runs` beside validate, add, list and show
    from cli.pipelines import pipeline_app

    return pipeline_app
