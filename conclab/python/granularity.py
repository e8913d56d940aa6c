"""conclab's CPython measurements for chapter 10 (Amdahl's law and granularity), under
unit_costs.py's protocol: one JSON request as the only argument, one JSON reply on stdout.

Requests:
  {"cmd": "pickle_pipe", "sizes": [1024, 65536, ...], "repeats": {"1024": 20, ...}}
      round trips of a bytes payload of each size to a process started by multiprocessing and
      back, through a Pipe's Connection.send/recv (each way pickled, written to the pipe, read and
      unpickled): the way a multiprocessing Pool or Queue moves a task's arguments and result.
      Sizes interleaved within each repeat; milliseconds per round trip.
"""

import sys
import time

import unit_costs

MAX_BYTES = 64 * 1024 * 1024
RequestError = unit_costs.RequestError


def _echo(conn):
    """The other process: sends back whatever it receives, until it receives None."""
    conn.send("ready")
    while True:
        payload = conn.recv()
        if payload is None:
            return
        conn.send(payload)


def cmd_pickle_pipe(request, context):
    sizes = unit_costs.field(
        request, "sizes", None, lambda v: isinstance(v, list) and 0 < len(v) <= 12 and all(unit_costs.is_int(s, 1, MAX_BYTES) for s in v),
        "a list of 1 to 12 byte counts from 1 to %d" % MAX_BYTES, "e.g. [1024, 1048576]"
    )
    asked = unit_costs.field(request, "repeats", {}, lambda v: isinstance(v, dict), "an object of repeats by size", 'e.g. {"1024": 20}')
    repeats = {}
    for size in sizes:
        value = asked.get(str(size), 5)
        if not unit_costs.is_int(value, 1, 200):
            raise RequestError("repeats[%d] must be an integer from 1 to 200, got %r; e.g. 5" % (size, value))
        repeats[size] = value
    mine, theirs = context.Pipe()
    process = context.Process(target=_echo, args=(theirs,), daemon=True)
    process.start()
    theirs.close()
    samples = {size: [] for size in sizes}
    try:
        mine.recv()  # started: its start is not timed
        payloads = {size: bytes(size) for size in sizes}
        for size in sizes:  # one untimed round trip each
            mine.send(payloads[size])
            mine.recv()
        for round_ in range(max(repeats.values())):
            for size in sizes:
                if round_ >= repeats[size]:
                    continue
                started = time.perf_counter()
                mine.send(payloads[size])
                back = mine.recv()
                samples[size].append((time.perf_counter() - started) * 1000)
                if len(back) != size:
                    raise RequestError("the echo process sent back %d bytes where %d were sent" % (len(back), size))
                del back
    finally:
        try:
            mine.send(None)
        except OSError:
            pass
        mine.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    return {"points": [{"bytes": size, "samplesMs": samples[size]} for size in sizes]}


COMMANDS = {"pickle_pipe": cmd_pickle_pipe}

if __name__ == "__main__":
    sys.exit(unit_costs.main(COMMANDS))
