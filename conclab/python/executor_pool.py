"""conclab's CPython measurement for chapter 11: asyncio's default executor, the pool its loop
hands blocking calls to (loop.getaddrinfo, asyncio.to_thread, run_in_executor(None, ...)).

Same protocol as unit_costs.py: one JSON request as the only argument, one JSON reply.

  {"cmd": "executor", "ms": 100, "runs": 3, "calls": 0}
      On a fresh event loop per run, `calls` loop.run_in_executor(None, time.sleep, ms) started
      together (0: twice the executor's expected size); when each call finished, in ms from the
      start. Also the size the interpreter's own formula gives its default executor:
      min(32, CPUs + 4), counting os.process_cpu_count() where it exists (3.13+), else
      os.cpu_count().

Standard library only, Python 3.8+.
"""

import asyncio
import os
import sys
import time

import unit_costs


def expected_workers():
    count = os.process_cpu_count() if hasattr(os, "process_cpu_count") else os.cpu_count()
    return min(32, (count or 1) + 4)


def executor(request, _context):
    def whole(low, high):
        return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high

    ms = unit_costs.field(request, "ms", 100, whole(1, 10000), "a whole number of ms from 1 to 10000", "pass how long each call sleeps")
    runs = unit_costs.field(request, "runs", 3, whole(1, 20), "a whole number from 1 to 20", "pass how many times to start the calls")
    expected = expected_workers()
    calls = unit_costs.field(request, "calls", 0, whole(0, 256), "a whole number from 0 to 256", "or 0 for twice the executor's expected size")
    calls = calls or 2 * expected

    async def one_run():
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter()

        async def call():
            await loop.run_in_executor(None, time.sleep, ms / 1000)
            return (time.perf_counter() - t0) * 1000

        return await asyncio.gather(*(call() for _ in range(calls)))

    ends = [asyncio.run(one_run()) for _ in range(runs)]
    return {"calls": calls, "ms": ms, "expectedWorkers": expected, "ends": ends}


if __name__ == "__main__":
    sys.exit(unit_costs.main({"executor": executor}))
