"""Why a CLI turn failed, in one line a person can read: the tool's own words from its output
stream, else from its standard error without colours, stack frames or backtrace lines (a
traceback's last line is `at …` or `   9: <unknown>`, never the reason)."""

import re

REASON_CHARS = 500
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
"""Escape sequences: colours and cursor moves (CSI), titles and links (OSC), and the rest."""
_NOISE = re.compile(
    r"^(at\s|\d+:\s|\d+:$|<unknown>|\^+$|[\]\[{}(),]+$|\w+: \d+$|node:internal|stack backtrace:|backtrace:"
    r"|note: run with `?RUST_BACKTRACE|note: some details are omitted|thread '.*' panicked at\s*$)",
    re.IGNORECASE,
)
"""A stack frame, a backtrace line, a caret, a lone bracket, an error object's `status: 400`."""
_LOGGED = re.compile(r'\berror="((?:[^"\\]|\\.)*)"')
"""A structured log line's error (`level=ERROR … error="ProviderModelNotFoundError: …"`)."""
_ERROR = re.compile(r"error|fail|denied|refused|not found|invalid|cannot|can't|unable", re.IGNORECASE)


def plain(text: str) -> str:
    """`text` without terminal escape sequences."""
    return _ANSI.sub("", text)


def _lines(stderr: str) -> list[str]:
    lines = (plain(line).strip() for line in stderr.splitlines())
    return [line for line in lines if line and not _NOISE.match(line)]


def _unescape(logged: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), logged)


def logged_error(stderr: str) -> str | None:
    """The last error a tool's structured logs on stderr name, if any."""
    found = [m.group(1) for line in _lines(stderr) if (m := _LOGGED.search(line))]
    return _unescape(found[-1]).split("\n")[0].strip() if found else None


def stderr_reason(stderr: str) -> str | None:
    """The line of stderr that says why: a logged error, else the last line that reads like an
    error, else the last line that is not a stack frame."""
    logged = logged_error(stderr)
    if logged:
        return logged
    lines = _lines(stderr)
    errors = [line for line in lines if _ERROR.search(line)]
    return (errors or lines)[-1] if lines else None


def failure_reason(stream_error: str | None, stderr: str, answer: str) -> str:
    """Why a turn failed: what its stream said (with the error its logs name, when they name
    another), else its stderr's reason, else the end of its answer."""
    if stream_error:
        reason = plain(stream_error).strip()
        logged = logged_error(stderr)
        if logged and logged not in reason:
            reason = f"{reason} ({logged})"
    else:
        reason = stderr_reason(stderr) or plain(answer)[-300:].strip() or "no output"
    return reason[:REASON_CHARS]
