"""`run_command`'s runner: the command in the sandbox, in the task's workspace."""

from activities.sandbox import Egress, SandboxLimits, run_sandboxed
from activities.tools.base import ToolContext, ToolOutput
from paperclip.tools.run_command import RunCommandArguments

LIMITS = SandboxLimits()


async def run(ctx: ToolContext, args: RunCommandArguments) -> ToolOutput:
    """The command's exit code and output, as the model reads them; a timeout or a cut output is
    said in the first line."""
    timeout = min(args.timeout_seconds or ctx.timeout_seconds, ctx.timeout_seconds)
    egress = Egress(ctx.allow_hosts, private_ok=ctx.private_hosts, key_for=ctx.key_for) if ctx.allow_hosts else None
    result = await run_sandboxed(
        ["/bin/sh", "-c", args.command],
        workspace=ctx.workspace,
        timeout=timeout,
        limits=LIMITS,
        egress=egress,
        heartbeat=ctx.heartbeat,
    )
    if result.timed_out:
        head = f"timed out after {timeout:g} s: the command and everything it started were stopped"
    elif result.truncated:
        head = f"output past {LIMITS.output_bytes:,} bytes: the command was stopped there (output truncated)"
    elif result.exit_code is not None and result.exit_code < 0:
        head = f"killed by signal {-result.exit_code}"
    else:
        head = f"exit code {result.exit_code}"
    return ToolOutput(content=f"{head}\n{result.output}")
