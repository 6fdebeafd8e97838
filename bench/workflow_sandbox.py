"""What Temporal's sandbox costs the worker to start a workflow run: the time to make a new
instance of the task and the company workflow, with the worker's runner (`workers.sandbox`:
the workflow code passed through) beside the sandbox's default (re-imported for every run).

    python bench/workflow_sandbox.py [--runs 30]
"""

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from temporalio import workflow  # noqa: E402
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner  # noqa: E402

from workers.sandbox import workflow_runner  # noqa: E402
from workflows.company import CompanyWorkflow  # noqa: E402
from workflows.task import TaskWorkflow  # noqa: E402


async def main(runs: int) -> None:
    runners = {"default sandbox": SandboxedWorkflowRunner(), "the worker's (passed through)": workflow_runner()}
    print(f"a new workflow instance, p50 / p95 over {runs} (ms)")
    for cls in (TaskWorkflow, CompanyWorkflow):
        defn = workflow._Definition.must_from_class(cls)
        timings: dict[str, list[float]] = {name: [] for name in runners}
        for runner in runners.values():
            runner.prepare_workflow(defn)  # the first instance imports what both share
        for _ in range(runs):  # interleaved, so both see the same machine
            for name, runner in runners.items():
                start = time.perf_counter()
                runner.prepare_workflow(defn)
                timings[name].append((time.perf_counter() - start) * 1000)
        for name, values in timings.items():
            p95 = statistics.quantiles(values, n=20)[-1]
            print(f"  {cls.__name__:16} {name:30} {statistics.median(values):6.2f} / {p95:6.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    asyncio.run(main(parser.parse_args().runs))
