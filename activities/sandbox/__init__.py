"""The sandbox: where a command a model (or an operator) chose runs, with no more power than
its task's workspace and the hosts it may reach.

`run_sandboxed` runs one command under bubblewrap (`bwrap`): its own namespaces, a read-only
system, the workspace the only place it writes, no network but through the egress proxy of
ours (`egress`), resource limits, capped output, and every process of it gone when it ends, times
out or is cancelled. `program.sandboxed_argv` is the command line of a long-running program in
the sandbox (a CLI agent's turn, `activities.cli.sandbox`): its own installation found and bound
read-only, its environment kept off the command line.
"""

from activities.sandbox.limits import SandboxLimits
from activities.sandbox.run import Egress, SandboxResult, SandboxUnavailable, run_sandboxed

__all__ = ["Egress", "SandboxLimits", "SandboxResult", "SandboxUnavailable", "run_sandboxed"]
