"""A supervisor of trivial children, run as a separate process by the supervisor tests.

Usage: python supervised.py LOG_DIR MODE — MODE `sleep` (two sleepers), `die` (one exits),
`stubborn` (one ignores SIGTERM). Prints `PIDS <pid> <pid>` once every child is ready.
"""

import sys
from pathlib import Path

from cli.supervisor import ChildSpec, Supervisor

SLEEP = "import time; time.sleep(600)"
DIE = "import time; print('about to fail'); time.sleep(1); raise SystemExit(3)"
STUBBORN = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(600)"
)


def main() -> int:
    log_dir, mode = Path(sys.argv[1]), sys.argv[2]
    second = {"sleep": SLEEP, "die": DIE, "stubborn": STUBBORN}[mode]
    children = [
        ChildSpec("first", [sys.executable, "-c", SLEEP]),
        ChildSpec("second", [sys.executable, "-u", "-c", second]),
    ]
    supervisor = Supervisor(children, log_dir=log_dir, grace=1.0, poll=0.05)
    return supervisor.run(lambda: print("PIDS", *supervisor.pids, flush=True))


if __name__ == "__main__":
    sys.exit(main())
