"""conclab's CPython measurement for chapter 12: an asyncio task that never suspends starves the loop.

Same protocol as unit_costs.py (one JSON request as the only argument, one JSON reply on stdout).
Standard library only, Python 3.8+.

Requests (every field but "cmd" optional):
  {"cmd": "starve", "pieces": 60, "pieceMs": 5, "intervalMs": 10, "repeats": 3}
      On one asyncio event loop, a ticker task sleeps intervalMs at a time (asyncio.sleep) and
      records how late each wake-up came; beside it a worker task awaits `pieces` coroutines that
      compute for pieceMs each and never suspend, once as they are ("never-suspends") and once with
      `await asyncio.sleep(0)` after each ("sleep0"), the two modes interleaved `repeats` times.
      Per run: the work's wall time, how often the ticker woke while the work ran, its worst
      lateness (the wake-up the work held back included).
"""

import asyncio
import sys
import time

import unit_costs

MODES = ("never-suspends", "sleep0")


async def _piece(seconds):
    """A coroutine that computes and returns without suspending: awaiting it never reaches the loop."""
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        for i in range(200):
            x = (x * 31 + i) & 0xFFFFFFFF
    return x


async def _ticker(interval, origin, ticks):
    expected = time.perf_counter() + interval
    while True:
        await asyncio.sleep(interval)
        now = time.perf_counter()
        ticks.append((now - origin, max(0.0, now - expected)))
        expected = now + interval


async def _one_run(mode, pieces, piece_s, interval):
    ticks = []
    origin = time.perf_counter()
    ticker = asyncio.ensure_future(_ticker(interval, origin, ticks))
    await asyncio.sleep(0)  # the ticker is now asleep on its first timer
    start = time.perf_counter()
    for _ in range(pieces):
        await _piece(piece_s)
        if mode == "sleep0":
            await asyncio.sleep(0)
    end = time.perf_counter()
    # Let the wake-up that the work held back happen and be recorded, then stop the ticker.
    await asyncio.sleep(interval / 2)
    ticker.cancel()
    try:
        await ticker
    except asyncio.CancelledError:
        pass
    during = [late for at, late in ticks if origin + at < end]
    return {
        "mode": mode,
        "workMs": (end - start) * 1000,
        "ticksDuring": len(during),
        "maxLateMs": max([late for _, late in ticks] or [0.0]) * 1000,
    }


def cmd_starve(request, context):
    field, is_int = unit_costs.field, unit_costs.is_int
    pieces = field(request, "pieces", 60, lambda v: is_int(v, 1, 10000), "an integer from 1 to 10000", "e.g. 60")
    piece_ms = field(request, "pieceMs", 5, lambda v: is_int(v, 1, 1000), "an integer from 1 to 1000", "e.g. 5")
    interval_ms = field(request, "intervalMs", 10, lambda v: is_int(v, 1, 1000), "an integer from 1 to 1000", "e.g. 10")
    repeats = field(request, "repeats", 3, lambda v: is_int(v, 1, 50), "an integer from 1 to 50", "e.g. 3")
    loop = asyncio.new_event_loop()
    runs = []
    try:
        loop.run_until_complete(_one_run("sleep0", 2, piece_ms / 1000, interval_ms / 1000))  # warm-up, not recorded
        for _ in range(repeats):
            for mode in MODES:
                runs.append(loop.run_until_complete(_one_run(mode, pieces, piece_ms / 1000, interval_ms / 1000)))
    finally:
        loop.close()
    return {"pieces": pieces, "pieceMs": piece_ms, "intervalMs": interval_ms, "runs": runs}


if __name__ == "__main__":
    sys.exit(unit_costs.main({"starve": cmd_starve}))
