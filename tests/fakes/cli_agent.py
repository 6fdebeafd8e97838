"""Fake `claude`, `codex`, `opencode` and `gemini` executables (`tests/fakes/bin/`), speaking each
tool's real stream format (checked against recorded real streams, `tests/fakes/recorded/`): a
session id, the answer, usage and (Claude Code, OpenCode) cost. Each reads its prompt on stdin.
Claude Code's events are `fake_claude`'s.

Like the real tools it keeps its sessions under `$HOME` (`~/.fake-<tool>/sessions/`), and a
session it cannot find there is an error (exit 1, "No conversation found with session ID: …"),
so a turn resumes only in the HOME the session was started in.

Steered by environment variables, which the spec's `cli.env` gives it (the worker's own
environment does not reach it):
- `FAKE_CLI_LOG`: a file each run appends one JSON line to (tool, argv, stdin, pid, pgid, cwd,
  the `PAPERCLIP_*` variables, the whole environment, the model call it made), so tests can see
  how it was called.
- `FAKE_CLI_SCRIPT`: a file of modes, one line a run, each run taking the first; with none left
  (or no file) a run is `ok`. Modes: `ok`; `slow` (events 0.3 s apart); `hang` (starts a child
  process and waits for ever, after its first event); `crash` (exits 3 after its first event);
  `fail` (the tool reports a failed turn; Claude Code's `fail-spent` after spending);
  `budget` (Claude Code: stopped at `--max-budget-usd`);
  `denied` (Claude Code: a call its permissions refuse, then the answer); `big` (an answer of
  200,000 characters); `callback` (calls the API back with its task token: a comment, then
  completes its task, and tries to complete another task and to read the company list; the
  answers go to `FAKE_CLI_LOG.callbacks`);
  `delegate:AGENT` (delegates a subtask to AGENT through the API with its task token, then
  answers; the answer goes to `FAKE_CLI_LOG.callbacks`);
  `spendy` (OpenCode: many costly steps before its answer); `model` (one request to the provider
  URL and key it was given: `ANTHROPIC_BASE_URL` + `ANTHROPIC_API_KEY`, Codex's model provider
  from `-c` + its `env_key`, OpenCode's inline config, `GOOGLE_GEMINI_BASE_URL` + `GEMINI_API_KEY`;
  the URL and the answer's status are logged); `backtrace` (exits 1 after its first event, an
  `Error:` in colour and a backtrace on stderr); `reconnect` (Codex: says `Reconnecting... 1/5`
  mid-turn, then succeeds). Codex's usage is its thread's running total, as the real one's.
Only the standard library: it runs under any `python3`.
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

try:
    import fake_claude  # this folder is on the path of the fakes in bin/
except ModuleNotFoundError:  # imported by a test, as a module of `tests.fakes`
    from tests.fakes import fake_claude

USAGE = {"input": 1200, "cached": 200, "output": 80}
LOST = {
    "claude": "No conversation found with session ID: {}",
    "codex": "Error: thread/resume: thread/resume failed: no rollout found for thread id {} (code -32600)",
    "opencode": "No conversation found with session ID: {}",
}
"""What each tool says on stderr (exit 1) when asked to resume a session it does not have."""
RECONNECTING = "Reconnecting... 1/5 (stream disconnected before completion: stream closed before response.completed)"
BACKTRACE_ERROR = "the sandbox could not start: bwrap: No permissions to create new namespace"
SPENDY_STEPS = 50
"""`spendy` (OpenCode): steps of $0.002 before it answers, 0.1 s apart."""


def _mode() -> str:
    path = os.environ.get("FAKE_CLI_SCRIPT")
    if not path or not os.path.exists(path):
        return "ok"
    with open(path) as f:
        lines = f.read().splitlines()
    if not lines:
        return "ok"
    with open(path, "w") as f:
        f.write("\n".join(lines[1:]))
    return lines[0].strip() or "ok"


def _emit(event: dict, delay: float) -> None:
    print(json.dumps(event), flush=True)
    if delay:
        time.sleep(delay)


def _resume(tool: str, argv: list[str]) -> str | None:
    flag = {"claude": "--resume", "opencode": "--session", "codex": "resume", "gemini": "--resume"}[tool]
    return argv[argv.index(flag) + 1] if flag in argv else None


def _sessions(tool: str) -> str:
    return os.path.join(os.environ["HOME"], f".fake-{tool}", "sessions")


def _codex_provider(argv: list[str]) -> tuple[str | None, str | None]:
    """The base URL and key variable of the model provider Codex's `-c model_providers.<name>={…}`
    gives it (as the real one, it reads no `OPENAI_BASE_URL`)."""
    for arg in argv:
        if arg.startswith("model_providers.") and "=" in arg:
            table = arg.partition("=")[2]
            url = re.search(r'base_url = "([^"]*)"', table)
            key = re.search(r'env_key = "([^"]*)"', table)
            return (url.group(1) if url else None), (key.group(1) if key else None)
    return None, None


def _call_model(tool: str, prompt: str, argv: list[str]) -> dict:
    """One model request where the environment says, with the key it holds; its URL and status."""
    if tool == "codex":
        base, key_variable = _codex_provider(argv)
        if not base:
            return {"url": None, "status": None}
        url, key = f"{base}/responses", os.environ.get(key_variable or "", "")
        body = {"model": "fake-model", "input": prompt, "stream": False}
        headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {key}"} if key else {})
        return _post(url, body, headers)
    if tool == "opencode":
        providers = json.loads(os.environ.get("OPENCODE_CONFIG_CONTENT") or "{}").get("provider") or {}
        provider, config = next(iter(providers.items()), ("", {}))
        base = (config.get("options") or {}).get("baseURL")
        api = provider
        url = f"{base}/messages" if api == "anthropic" else f"{base}/chat/completions"
    elif tool == "gemini":
        api = "gemini"
        base = os.environ.get("GOOGLE_GEMINI_BASE_URL")
        url = f"{base}/v1beta/models/fake-model:generateContent"
    else:
        api = "anthropic" if tool == "claude" else "openai"
        base = os.environ.get("ANTHROPIC_BASE_URL" if api == "anthropic" else "OPENAI_BASE_URL")
        url = f"{base}/v1/messages" if api == "anthropic" else f"{base}/chat/completions"
    if not base:
        return {"url": None, "status": None}  # never the real provider from a test
    key = os.environ.get({"anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY"}.get(api, "OPENAI_API_KEY"))
    headers = {"Content-Type": "application/json"}
    body: dict = {"model": "fake-model", "max_tokens": 50, "messages": [{"role": "user", "content": prompt}]}
    if api == "gemini":
        body = {"contents": [{"role": "user", "parts": [{"text": prompt}]}]}
        headers["x-goog-api-key"] = key or ""
    elif key and api == "anthropic":
        headers |= {"x-api-key": key, "anthropic-version": "2023-06-01"}
    elif key:
        headers["Authorization"] = f"Bearer {key}"
    return _post(url, body, headers)


def _post(url: str, body: dict, headers: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return {"url": url, "status": response.status}
    except urllib.error.HTTPError as err:
        return {"url": url, "status": err.code}


def _hang() -> None:
    subprocess.Popen(["sleep", "1000"])  # a child in the same process group
    while True:
        time.sleep(1)


def main(tool: str) -> None:
    argv = sys.argv[1:]
    prompt = sys.stdin.read()
    mode = _mode()
    resumed = _resume(tool, argv)
    session = resumed or f"{tool}-{uuid.uuid4()}"
    known = os.path.join(_sessions(tool), f"{session}.json")
    lost = resumed is not None and not os.path.exists(known)
    model_call = _call_model(tool, prompt, argv) if mode == "model" else None
    log = os.environ.get("FAKE_CLI_LOG")
    if log:
        with open(log, "a") as f:
            record = {
                "tool": tool,
                "argv": argv,
                "prompt": prompt,
                "pid": os.getpid(),
                "pgid": os.getpgid(0),
                "cwd": os.getcwd(),
                "mode": mode,
                "session": session,
                "env": {k: v for k, v in os.environ.items() if k.startswith("PAPERCLIP_")},
                "environ": dict(os.environ),
                "model_call": model_call,
                "lost_session": lost,
            }
            f.write(json.dumps(record) + "\n")
    if lost:
        if tool == "claude":
            fake_claude.lost(session)  # the real one says so in its stream too
        print(LOST[tool].format(session), file=sys.stderr, flush=True)
        sys.exit(1)
    os.makedirs(_sessions(tool), exist_ok=True)
    with open(known, "a") as f:
        f.write(json.dumps({"prompt": prompt}) + "\n")
    with open(f"work-{session}.txt", "w") as f:  # its work, in the directory it was given
        f.write(prompt)
    if mode == "callback":
        _call_back()
    if mode.startswith("delegate:"):
        _delegate(mode.removeprefix("delegate:"))
    delay = 0.3 if mode == "slow" else 0.0
    first_line = prompt.strip().splitlines()[0] if prompt.strip() else ""
    answer = f"[fake {tool}] done: {first_line}" + (f" (resumed {session})" if resumed else "")
    if mode == "big":
        answer = "x" * 200_000
    if tool == "claude":
        fake_claude.claude(session, answer, mode, delay, _stop_early)
    else:
        {"codex": codex, "opencode": opencode, "gemini": gemini}[tool](session, answer, mode, delay)


def _request(method: str, path: str, body: dict | None = None) -> dict:
    """One call to the API with the task token; its status and answer."""
    request = urllib.request.Request(
        os.environ["PAPERCLIP_API_URL"] + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {os.environ['PAPERCLIP_TASK_TOKEN']}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return {"status": response.status, "body": json.loads(response.read())}
    except urllib.error.HTTPError as err:
        return {"status": err.code, "body": json.loads(err.read())}


def _call_back() -> None:
    task = f"/api/companies/{os.environ['PAPERCLIP_COMPANY_ID']}/tasks/{os.environ['PAPERCLIP_TASK_ID']}"
    other = task.rsplit("/", 1)[0] + "/ACME-999"
    answers = {
        "comment": _request("POST", f"{task}/comments", {"body": "on it", "author": "someone-else"}),
        "other_task": _request("POST", f"{other}/complete", {"result": "not mine"}),
        "companies": _request("GET", "/api/companies"),
        "complete": _request("POST", f"{task}/complete", {"result": "done through the API"}),
    }
    with open(os.environ["FAKE_CLI_LOG"] + ".callbacks", "a") as f:
        f.write(json.dumps(answers) + "\n")


def _delegate(agent: str) -> None:
    task = f"/api/companies/{os.environ['PAPERCLIP_COMPANY_ID']}/tasks/{os.environ['PAPERCLIP_TASK_ID']}"
    body = {"agent": agent, "title": f"A part for {agent}", "brief": "Do your part."}
    with open(os.environ["FAKE_CLI_LOG"] + ".callbacks", "a") as f:
        f.write(json.dumps({"delegate": _request("POST", f"{task}/subtasks", body)}) + "\n")


def _stop_early(mode: str) -> None:
    if mode == "hang":
        _hang()
    if mode == "crash":
        print("fake: the connection to the model broke", file=sys.stderr, flush=True)
        sys.exit(3)
    if mode == "backtrace":  # a Rust tool's error, coloured, and the backtrace after it
        frames = "".join(f"{i:>4}: <unknown>\n" for i in range(10))
        print(f"\x1b[31mError:\x1b[0m {BACKTRACE_ERROR}\nStack backtrace:\n{frames}", file=sys.stderr, end="")
        sys.exit(1)


def codex(session: str, answer: str, mode: str, delay: float) -> None:
    _emit({"type": "thread.started", "thread_id": session}, delay)
    _stop_early(mode)
    _emit({"type": "turn.started"}, delay)
    if mode == "reconnect":  # a dropped stream, then success (what the real one says, tests/fakes/recorded)
        _emit({"type": "error", "message": RECONNECTING}, delay)
    if mode == "fail":
        _emit({"type": "error", "message": "the model refused"}, 0)
        _emit({"type": "turn.failed", "error": {"message": "the model refused"}}, 0)
        sys.exit(1)
    _emit({"type": "item.completed", "item": {"id": "item_0", "type": "agent_message", "text": answer}}, delay)
    # Like the real one, it reports what the whole thread has used: each completed turn adds USAGE.
    totals = os.path.join(_sessions("codex"), f"{session}.usage")
    turns = int(open(totals).read()) + 1 if os.path.exists(totals) else 1
    with open(totals, "w") as f:
        f.write(str(turns))
    usage = {
        "input_tokens": USAGE["input"] * turns,
        "cached_input_tokens": USAGE["cached"] * turns,
        "cache_write_input_tokens": 0,
        "output_tokens": USAGE["output"] * turns,
        "reasoning_output_tokens": 0,
    }
    _emit({"type": "turn.completed", "usage": usage}, 0)


def opencode(session: str, answer: str, mode: str, delay: float) -> None:
    now = int(time.time() * 1000)
    _emit(
        {
            "type": "step_start",
            "timestamp": now,
            "sessionID": session,
            "part": {"type": "step-start", "sessionID": session},
        },
        delay,
    )
    _stop_early(mode)
    if mode == "fail":
        _emit(
            {
                "type": "error",
                "timestamp": now,
                "sessionID": session,
                "error": {"name": "APIError", "data": {"message": "the model refused"}},
            },
            0,
        )
        sys.exit(1)
    tokens = {"input": 500, "output": 30, "reasoning": 10, "cache": {"read": 100, "write": 0}}
    for _ in range(SPENDY_STEPS if mode == "spendy" else 0):  # a long turn: a step every 0.1 s
        step = {"type": "step-finish", "reason": "tool-calls", "tokens": tokens, "cost": 0.002}
        _emit({"type": "step_finish", "timestamp": now, "sessionID": session, "part": step}, 0.1)
    _emit(
        {
            "type": "step_finish",
            "timestamp": now,
            "sessionID": session,
            "part": {"type": "step-finish", "reason": "tool-calls", "tokens": tokens, "cost": 0.002},
        },
        delay,
    )
    _emit({"type": "text", "timestamp": now, "sessionID": session, "part": {"type": "text", "text": answer}}, delay)
    _emit(
        {
            "type": "step_finish",
            "timestamp": now,
            "sessionID": session,
            "part": {"type": "step-finish", "reason": "stop", "tokens": tokens, "cost": 0.002},
        },
        0,
    )


def gemini(session: str, answer: str, mode: str, delay: float) -> None:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    _emit({"type": "init", "timestamp": now, "session_id": session, "model": "auto"}, delay)
    _stop_early(mode)
    stats = {
        "total_tokens": USAGE["input"] + USAGE["output"],
        "input_tokens": USAGE["input"],
        "output_tokens": USAGE["output"],
        "cached": USAGE["cached"],
        "input": USAGE["input"] - USAGE["cached"],
        "duration_ms": 1234,
        "tool_calls": 0,
    }
    if mode == "fail":
        error = {"type": "unknown", "message": "[API Error: the model refused]"}
        zero = {name: 0 for name in stats}
        failed = {"type": "result", "timestamp": now, "status": "error", "error": error}
        _emit(failed | {"stats": zero | {"models": {}}}, 0)
        sys.exit(1)
    for i in range(0, len(answer), 4000):  # the answer in pieces, as Gemini CLI streams it
        piece = {"type": "message", "timestamp": now, "role": "assistant", "content": answer[i : i + 4000]}
        _emit(piece | {"delta": True}, delay)
    per_model = ("total_tokens", "input_tokens", "output_tokens", "cached", "input")
    models = {"gemini-2.5-flash": {k: stats[k] for k in per_model}}
    _emit({"type": "result", "timestamp": now, "status": "success", "stats": stats | {"models": models}}, 0)
