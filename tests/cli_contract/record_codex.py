"""Record the real Codex's streams (`tests/fakes/recorded/codex-<version>-<scenario>.jsonl`), which
the hand-written fake is checked against: `python -m tests.cli_contract.record_codex`.

Scenarios: `turn` (a first turn), `resumed` (the next turn of its thread: its usage is the
thread's total), `reconnect` (the stream drops once, Codex says `Reconnecting... 1/5` and
succeeds) and `failed` (the provider refuses the request: `error`, then `turn.failed`).
"""

from tests.cli_contract.codex_setup import events, recorded, run_codex, work_folder
from tests.fakes.model_server import FakeModelServer

PROMPT = "Write the release notes\nfor version 2."
REFUSAL = "The model refused the request."


def record() -> dict[str, str]:
    """Run each scenario against a fresh fake server; its stdout by scenario."""
    out = {}
    for folder in work_folder():
        with FakeModelServer() as server:
            out["turn"] = run_codex(server, folder, PROMPT)
            thread = events(out["turn"])[0]["thread_id"]
            out["resumed"] = run_codex(server, folder, "And the changelog.", resume=thread)
            server.responses.drop_next(1)
            out["reconnect"] = run_codex(server, folder, PROMPT)
            server.fail_next(1, status=400, message=REFUSAL)
            out["failed"] = run_codex(server, folder, PROMPT)
    return out


def main() -> None:
    for scenario, stdout in record().items():
        recorded(scenario).parent.mkdir(parents=True, exist_ok=True)
        recorded(scenario).write_text(stdout)
        print(recorded(scenario), len(events(stdout)), "events")


if __name__ == "__main__":
    main()
