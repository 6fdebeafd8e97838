"""A run's pids cgroup that a killed worker left behind is swept by a later run; one with a
process in it, or a fresh one, is not."""

import os
import subprocess
import time

from activities.sandbox.limits import PidsCgroup, sweep


def test_stale_empty_run_cgroups_are_swept_and_busy_or_fresh_ones_kept() -> None:
    made = [PidsCgroup.create(8) for _ in range(3)]
    assert all(cgroup is not None for cgroup in made), "this host gives no pids cgroup (the sandbox needs one)"
    stale, busy, fresh = (cgroup for cgroup in made if cgroup is not None)
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        (busy.path / "cgroup.procs").write_text(str(sleeper.pid))
        hour_ago = time.time() - 3600
        for cgroup in (stale, busy):
            os.utime(cgroup.path, (hour_ago, hour_ago))
        sweep(stale.path.parent)
        assert not stale.path.exists()
        assert busy.path.exists() and fresh.path.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
        for cgroup in (busy, fresh):
            cgroup.remove()
    assert not busy.path.exists() and not fresh.path.exists()
