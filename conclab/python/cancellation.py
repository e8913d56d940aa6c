"""Chapter 13's CPython measurements: what asyncio cancels when one task fails or a deadline passes.

Three ways to run the same batch of tasks (one fails early, the others sleep, then record that they
finished): asyncio.gather (like JavaScript's Promise.all, nothing is cancelled), asyncio.TaskGroup
(3.11+, cancels the siblings) and asyncio.timeout (3.11+, cancels the awaited work at a deadline).
Answers one JSON request under unit_costs.py's protocol: {"cmd": "cancel", "tasks": 5,
"failMs": 50, "workMs": 300, "deadlineMs": 100}.
"""
import asyncio
import sys
import time

import unit_costs
from unit_costs import field, is_int


class Planned(Exception):
    """The one task's planned failure."""


def _now_ms(started):
    return (time.perf_counter() - started) * 1000


async def _worker(seconds, record):
    try:
        await asyncio.sleep(seconds)
        record["finished"] += 1
    except asyncio.CancelledError:
        record["cancelled"] += 1
        raise


async def _failing(seconds):
    await asyncio.sleep(seconds)
    raise Planned("one task failed, as planned")


async def _gather(tasks, fail_s, work_s):
    record = {"finished": 0, "cancelled": 0}
    started = time.perf_counter()
    workers = [asyncio.ensure_future(_worker(work_s, record)) for _ in range(tasks - 1)]
    failed_at = None
    try:
        await asyncio.gather(_failing(fail_s), *workers)
    except Planned:
        failed_at = _now_ms(started)
    at_failure = dict(record)
    await asyncio.sleep(work_s - fail_s + 0.05)  # what the siblings do after the failure was seen
    for worker in workers:
        worker.cancel()
    return {"raisedAtMs": failed_at, "finishedAtFailure": at_failure["finished"], "finishedAfter": record["finished"], "cancelled": record["cancelled"], "siblings": tasks - 1}


async def _task_group(tasks, fail_s, work_s):
    record = {"finished": 0, "cancelled": 0}
    started = time.perf_counter()
    raised_at = None
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(_failing(fail_s))
            for _ in range(tasks - 1):
                group.create_task(_worker(work_s, record))
    except Exception:  # an ExceptionGroup holding the planned failure (no except* before 3.11 syntax)
        raised_at = _now_ms(started)
    await asyncio.sleep(work_s - fail_s + 0.05)
    return {"raisedAtMs": raised_at, "finishedAfter": record["finished"], "cancelled": record["cancelled"], "siblings": tasks - 1}


async def _timeout(work_s, deadline_s):
    record = {"finished": 0, "cancelled": 0}
    started = time.perf_counter()
    timed_out_at = None
    try:
        async with asyncio.timeout(deadline_s):
            await _worker(work_s, record)
    except TimeoutError:
        timed_out_at = _now_ms(started)
    await asyncio.sleep(work_s - deadline_s + 0.05)
    return {"deadlineMs": deadline_s * 1000, "stoppedAtMs": timed_out_at, "finishedAfter": record["finished"], "cancelled": record["cancelled"]}


def cmd_cancel(request, context):
    tasks = field(request, "tasks", 5, lambda v: is_int(v, 2, 1000), "an integer from 2 to 1000", "5 is plenty")
    fail_ms = field(request, "failMs", 50, lambda v: is_int(v, 0, 60000), "an integer from 0 to 60000", "e.g. 50")
    work_ms = field(request, "workMs", 300, lambda v: is_int(v, 1, 60000), "an integer from 1 to 60000", "e.g. 300")
    deadline_ms = field(request, "deadlineMs", 100, lambda v: is_int(v, 1, 60000), "an integer from 1 to 60000", "e.g. 100")
    if not (fail_ms < work_ms and deadline_ms < work_ms):
        raise unit_costs.RequestError("failMs and deadlineMs must be below workMs, got %r, %r and %r; the failure and the deadline must come while the work is in flight" % (fail_ms, deadline_ms, work_ms))
    loop = asyncio.new_event_loop()
    try:
        gather = loop.run_until_complete(_gather(tasks, fail_ms / 1000, work_ms / 1000))
        new_enough = sys.version_info >= (3, 11)
        group = loop.run_until_complete(_task_group(tasks, fail_ms / 1000, work_ms / 1000)) if new_enough else None
        timeout = loop.run_until_complete(_timeout(work_ms / 1000, deadline_ms / 1000)) if new_enough else None
    finally:
        loop.close()
    return {"tasks": tasks, "failMs": fail_ms, "workMs": work_ms, "gather": gather, "taskGroup": group, "timeout": timeout}


if __name__ == "__main__":
    sys.exit(unit_costs.main({"cancel": cmd_cancel}))
