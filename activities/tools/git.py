"""`git`'s runner: git outside the sandbox, on argv we build, with nothing of the worker's.

git runs here, not in the sandbox (it needs to write the repository, which the sandbox sees
read-only), so nothing a command in the sandbox could have written may make it run code: hooks
are off (`core.hooksPath=/dev/null`), so are the fsmonitor, external diff and textconv
programs; no system or global configuration is read; only the http(s) and file transports are
allowed (never `ext::` or ssh with the worker's keys). The author of a commit is the agent.
A push sends the task's own branch only, to the configured remote, with the bound credential
in an `http.extraHeader` given to that one process through its environment.
"""

import asyncio
import base64
import os
import signal
import tempfile

from activities.tools.base import ToolContext, ToolFailed, ToolOutput
from paperclip.models.work_products import DeclaredProduct, WorkProductKind
from paperclip.tools.git import GitArguments

OUTPUT_LIMIT = 1024 * 1024
SAFE_CONFIG = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.pager=cat",
    "core.sshCommand=false",
    "protocol.allow=never",
    "protocol.file.allow=always",
    "protocol.http.allow=always",
    "protocol.https.allow=always",
    "credential.helper=",
)


def git_argv(args: GitArguments, ctx: ToolContext) -> list[str]:
    """The command line for one call (raises ToolFailed for a push that may not go)."""
    base = ["git"] + [item for pair in SAFE_CONFIG for item in ("-c", pair)]
    match args.subcommand:
        case "status":
            return [*base, "status", "--short", "--branch"]
        case "diff":
            staged = ["--cached"] if args.staged else []
            return [*base, "diff", "--no-ext-diff", "--no-textconv", *staged, "--", *args.paths]
        case "add":
            if not args.paths:
                raise ToolFailed("git add needs `paths` (`.` for every change)")
            return [*base, "add", "--", *args.paths]
        case "commit":
            if not args.message:
                raise ToolFailed("git commit needs a `message`")
            return [*base, "commit", "--no-verify", "--no-gpg-sign", "-m", args.message]
        case "log":
            return [
                *base,
                "log",
                "--no-ext-diff",
                "--no-textconv",
                f"-n{args.limit}",
                "--format=%h %an %ad %s",
                "--date=short",
            ]
        case "push":
            if not ctx.branch:
                raise ToolFailed("this task's workspace has no branch of its own to push")
            if args.branch not in (None, ctx.branch):
                raise ToolFailed(f"only this task's branch, {ctx.branch}, may be pushed (not {args.branch})")
            if not ctx.push_url:
                raise ToolFailed("no remote is configured to push to (the repository's push_url)")
            ref = f"refs/heads/{ctx.branch}"
            return [*base, "push", "--no-verify", "--porcelain", ctx.push_url, f"{ref}:{ref}"]
    raise ToolFailed(f"git {args.subcommand} is not a subcommand this tool runs")


def git_env(ctx: ToolContext, home: str, *, push: bool) -> dict[str, str]:
    """A clean environment: no variable of the worker's, the agent as author, and for a push
    the credential bound to the remote (in this process's environment only)."""
    agent = ctx.session.agent
    email = f"{agent}@{ctx.session.company_id}.paperclip.invalid"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LANG": "C.UTF-8",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": agent,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": agent,
        "GIT_COMMITTER_EMAIL": email,
    }
    key = ctx.key_for(ctx.push_url) if push and ctx.push_url.startswith(("https://", "http://")) else None
    if key is not None:
        basic = base64.b64encode(f"x-access-token:{key.secret}".encode()).decode()
        env |= {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.extraHeader",
            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
        }
    return env


async def run(ctx: ToolContext, args: GitArguments) -> ToolOutput:
    argv = git_argv(args, ctx)
    with tempfile.TemporaryDirectory(prefix="paperclip-git-") as home:
        code, text = await _git(ctx, argv, home, push=args.subcommand == "push", what=args.subcommand)
        if code != 0:
            raise ToolFailed(f"git {args.subcommand} failed (exit code {code}):\n{text}")
        products = await _committed(ctx, home, args.message or "") if args.subcommand == "commit" else []
    return ToolOutput(content=text or f"git {args.subcommand}: done", products=products)


async def _committed(ctx: ToolContext, home: str, message: str) -> list[DeclaredProduct]:
    """The commit just made and its branch, as the task's work products (none if git cannot say)."""
    base = ["git"] + [item for pair in SAFE_CONFIG for item in ("-c", pair)]
    code, sha = await _git(ctx, [*base, "rev-parse", "--verify", "HEAD"], home, push=False, what="rev-parse")
    if code != 0:
        return []
    code, branch = await _git(ctx, [*base, "symbolic-ref", "--short", "-q", "HEAD"], home, push=False, what="branch")
    subject = message.strip().splitlines()[0][:300] if message.strip() else ""
    products: list[DeclaredProduct] = []
    try:
        products.append(DeclaredProduct(kind=WorkProductKind.COMMIT, value=sha.strip(), title=subject))
        if code == 0 and branch.strip():
            products.append(DeclaredProduct(kind=WorkProductKind.BRANCH, value=branch.strip()))
    except ValueError:
        pass  # not what a hash or a branch looks like: not kept
    return products


async def _git(ctx: ToolContext, argv: list[str], home: str, *, push: bool, what: str) -> tuple[int, str]:
    """Run one git command line in the workspace: its exit code and output (cut to `OUTPUT_LIMIT`)."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=ctx.workspace,
        env=git_env(ctx, home, push=push),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = await asyncio.wait_for(proc.communicate(), ctx.timeout_seconds)
    except TimeoutError:
        await _kill(proc)
        raise ToolFailed(f"git {what} timed out after {ctx.timeout_seconds:g} s") from None
    except BaseException:
        await _kill(proc)
        raise
    assert proc.returncode is not None
    return proc.returncode, output[:OUTPUT_LIMIT].decode("utf-8", errors="replace")


async def _kill(proc: asyncio.subprocess.Process) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    await proc.wait()
