"""The guide's words where this product has the thing under another name: `paperclip workspace`
(a workspace is a company here) and a top-level `paperclip export`. Each is the existing command
under the guide's name, not a copy of it."""

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cli.common import ApiUrl, api, console
from cli.export import company_export
from cli.resources import TraceFormat, company_create, company_list, trace_text

workspace_app = typer.Typer(
    help="The guide's workspaces, which are companies here: create and list them (as `paperclip company`).",
    no_args_is_help=True,
)
workspace_app.command(
    "create",
    help="Create a company: the guide's `workspace create NAME --template T` is `paperclip company create`, "
    "with the same options (a company needs a goal unless its template has them: `--template software-studio`).",
)(company_create)
workspace_app.command("list", help="List companies (the guide's workspaces), as `paperclip company list`.")(
    company_list
)


def export(
    workspace: Annotated[
        str,
        typer.Option("--workspace", "-w", "--company", envvar="PAPERCLIP_COMPANY", help="The company (workspace) id."),
    ],
    format: Annotated[
        TraceFormat, typer.Option("--format", "-f", help="json (to import) or md (to read).")
    ] = TraceFormat.JSON,
    conversation: Annotated[
        str | None,
        typer.Option("--conversation", help="Only this task's conversation (its trace), e.g. ACME-1."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write it to this file instead of standard output.")
    ] = None,
    api_url: ApiUrl = None,
) -> None:
    """Export a company (the guide's workspace), or with --conversation one task's conversation.

    The whole company is `paperclip company export`; a conversation is the task's trace, as
    `paperclip history` prints it.
    """
    if conversation is None:
        company_export(workspace, format=format, output=output, api_url=api_url)
        return
    with api(api_url) as client:
        text = trace_text(client, workspace, conversation, format)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text)
    console.print(f"Exported {escape(conversation)} of {workspace} to {escape(str(output))}", highlight=False)
