"""conclab's CPython measurements: what a unit of concurrency costs in CPython itself.

One-shot: one JSON request as the only argument, one JSON object on stdout, then exit (0 when
ok, 2 when the request was refused or failed). Diagnostics go to stderr. Standard library only,
Python 3.8+; newer APIs are used where they exist.

Requests (every field but "cmd" optional):
  {"cmd": "startup", "units": ["async", "threads", "processes"], "rounds": 20}
      start-up latency, from asking for a unit to its first line, the units interleaved by round
  {"cmd": "memory", "unit": "async|threads|processes", "count": N}
      memory added by N idle units (tracemalloc for tasks, RSS for threads, PSS for processes)
  {"cmd": "switches", "units": ["async", "async-future", "threads", "processes"], "rounds": 5,
   "handoffs": {"threads": 2000}}
      time per handoff of the turn between two units, the units interleaved by round
  {"cmd": "counter", "threads": 4, "times": 500000, "runs": 5}
      N threads each do counter[0] += 1 M times, without and with a threading.Lock
  {"cmd": "waits", "counts": [1, 10, 100, 1000, 10000], "ms": 100}
      asyncio.gather of k asyncio.sleep(ms): wall time and traced memory added per task
  {"cmd": "connections", "url": "http://127.0.0.1:PORT/PATH", "count": 10000, "mode": "asyncio|threads"}
      N HTTP requests all waiting at once: on one asyncio event loop, or one thread each (the
      thread-per-connection server's way); each opens its connection and waits for all the others
      to open theirs before it sends. Wall time, failures, the most connections open at once, and
      the peak resident memory added per connection open at that peak
Any request may also carry "startMethod" (multiprocessing: fork, spawn, forkserver) and
"switchInterval" (seconds, for sys.setswitchinterval).

Replies: {"ok": true, "interpreter": {...}, "result": {...}} or {"ok": false, "error": "..."}.
"interpreter" says what ran the measurement: version, GIL state at run time, switch interval,
multiprocessing start method.
"""

import asyncio
import gc
import http.client
import json
import multiprocessing
import os
import signal
import sys
import sysconfig
import threading
import time
import tracemalloc
import urllib.parse

UNITS = ("async", "threads", "processes")
SWITCH_UNITS = ("async", "async-future", "threads", "processes")
DEFAULT_HANDOFFS = {"async": 20000, "async-future": 10000, "threads": 2000, "processes": 2000}
LIMITS = {"async": 1000000, "threads": 256, "processes": 64}


class RequestError(ValueError):
    """A request field out of range: the message names the field, the value and the fix."""


def field(request, name, default, check, expected, fix):
    value = request.get(name, default)
    if not check(value):
        raise RequestError("%s must be %s, got %r; %s" % (name, expected, value, fix))
    return value


def is_int(value, low, high):
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def gil_enabled():
    """Whether the GIL is on in this interpreter now (3.13+ free-threaded builds can turn it off)."""
    probe = getattr(sys, "_is_gil_enabled", None)
    return bool(probe()) if probe is not None else True


def interpreter(context):
    return {
        "implementation": sys.implementation.name,
        "version": "%d.%d.%d" % sys.version_info[:3],
        "executable": sys.executable,
        "gil": gil_enabled(),
        "freeThreadedBuild": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "switchIntervalS": sys.getswitchinterval(),
        "startMethod": context.get_start_method(),
        "pid": os.getpid(),
    }


# --- Start-up: from asking for a unit to its first line of code. ---


async def _first_line():
    return time.perf_counter()


async def _async_startup():
    asked = time.perf_counter()
    first = await asyncio.get_running_loop().create_task(_first_line())
    return first - asked


def startup_async(loop):
    return loop.run_until_complete(_async_startup())


def startup_thread():
    seen = []
    asked = time.perf_counter()
    thread = threading.Thread(target=lambda: seen.append(time.perf_counter()))
    thread.start()
    thread.join()
    return seen[0] - asked


def _process_first_line(conn):
    conn.send(time.time())  # the epoch clock, the one clock two processes surely share
    conn.close()


def startup_process(context):
    receive, send = context.Pipe(duplex=False)
    asked = time.time()
    process = context.Process(target=_process_first_line, args=(send,))
    process.start()
    send.close()
    first = receive.recv()
    process.join()
    receive.close()
    return first - asked


def read_units(request, allowed, default):
    units = field(
        request,
        "units",
        list(default),
        lambda v: isinstance(v, list) and len(v) > 0 and all(u in allowed for u in v) and len(set(v)) == len(v),
        "a non-empty list of distinct names from %s" % ", ".join(allowed),
        'e.g. ["%s"]' % allowed[0],
    )
    return units


def cmd_startup(request, context):
    units = read_units(request, UNITS, UNITS)
    rounds = field(request, "rounds", 20, lambda v: is_int(v, 1, 1000), "an integer from 1 to 1000", "20 is plenty")
    loop = asyncio.new_event_loop()
    samples = {unit: [] for unit in units}
    try:
        for round_ in range(rounds):
            # Interleaved, and the order turned each round, so that a busy moment hits all alike.
            for i in range(len(units)):
                unit = units[(i + round_) % len(units)]
                if unit == "async":
                    seconds = startup_async(loop)
                elif unit == "threads":
                    seconds = startup_thread()
                else:
                    seconds = startup_process(context)
                samples[unit].append(seconds * 1000)
    finally:
        loop.close()
    return {"units": [{"strategy": unit, "samplesMs": samples[unit]} for unit in units]}


# --- Memory: what N idle units add. ---


def rss_bytes(pid="self"):
    """Resident set from /proc/<pid>/status (Linux); None elsewhere."""
    return _status_kb(pid, "VmRSS")


def _status_kb(pid, name):
    try:
        with open("/proc/%s/status" % pid) as handle:
            for line in handle:
                if line.startswith(name + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def pss_bytes(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


async def _memory_async(count):
    loop = asyncio.get_running_loop()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tasks = [loop.create_task(asyncio.sleep(3600)) for _ in range(count)]  # each asleep on a timer, as Node's
    await asyncio.sleep(0)  # every task has run to its first await and is now waiting
    await asyncio.sleep(0)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return after - before


def memory_async(count):
    loop = asyncio.new_event_loop()
    try:
        return {"totalBytes": max(0, loop.run_until_complete(_memory_async(count))), "metric": "tracemalloc"}
    finally:
        loop.close()


def memory_threads(count):
    if rss_bytes() is None:
        raise RuntimeError("memory per thread is read from /proc/self/status (Linux), which is not here")
    gc.collect()
    before = rss_bytes()
    release = threading.Event()
    started = threading.Barrier(count + 1)

    def park():
        started.wait()
        release.wait()

    threads = [threading.Thread(target=park, daemon=True) for _ in range(count)]
    try:
        for thread in threads:
            thread.start()
        started.wait()
        time.sleep(0.05)
        gc.collect()
        after = rss_bytes()
    finally:
        release.set()
        for thread in threads:
            thread.join()
    return {"totalBytes": max(0, after - before), "metric": "rss", "threadStackBytes": threading.stack_size() or None}


def _idle_child(conn):
    conn.send("ready")
    try:
        conn.recv()  # until the parent says so, or dies (EOF)
    except EOFError:
        pass


def memory_processes(count, context):
    children, conns = [], []
    try:
        for _ in range(count):
            parent_end, child_end = context.Pipe()
            process = context.Process(target=_idle_child, args=(child_end,), daemon=True)
            process.start()
            child_end.close()
            children.append(process)
            conns.append(parent_end)
            parent_end.recv()
        time.sleep(0.1)  # let the last one settle
        pss = [pss_bytes(p.pid) for p in children]
        if all(v is not None for v in pss):
            return {"totalBytes": sum(pss), "metric": "pss"}
        rss = [rss_bytes(p.pid) for p in children]
        if all(v is not None for v in rss):
            return {"totalBytes": sum(rss), "metric": "rss-children"}
        raise RuntimeError("memory per process is read from /proc/<pid>/smaps_rollup or status (Linux), which is not here")
    finally:
        for conn in conns:
            try:
                conn.send("bye")
            except OSError:
                pass
            conn.close()
        for process in children:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()


def cmd_memory(request, context):
    unit = field(request, "unit", None, lambda v: v in UNITS, "one of %s" % ", ".join(UNITS), 'e.g. "threads"')
    count = field(
        request, "count", None, lambda v: is_int(v, 1, LIMITS[unit]), "an integer from 1 to %d" % LIMITS[unit], "start fewer units"
    )
    if unit == "async":
        measured = memory_async(count)
    elif unit == "threads":
        measured = memory_threads(count)
    else:
        measured = memory_processes(count, context)
    measured.update(strategy=unit, count=count, bytesPerUnit=measured["totalBytes"] / count)
    return measured


# --- Switches: the time to hand the turn to the other unit and back. ---


async def _yield_players(rounds):
    async def player():
        for _ in range(rounds):
            await asyncio.sleep(0)  # the bare yield: back to the loop, which runs the other task

    started = time.perf_counter()
    await asyncio.gather(player(), player())
    return time.perf_counter() - started


async def _future_players(rounds):
    loop = asyncio.get_running_loop()
    turns = [loop.create_future(), loop.create_future()]

    async def player(me):
        other = 1 - me
        for _ in range(rounds):
            await turns[me]  # asleep until the other sets it: a full turn of the event loop
            turns[me] = loop.create_future()
            turns[other].set_result(None)

    tasks = [loop.create_task(player(0)), loop.create_task(player(1))]
    await asyncio.sleep(0)
    started = time.perf_counter()
    turns[0].set_result(None)
    await asyncio.gather(*tasks)
    await turns[0]
    return time.perf_counter() - started


def switch_async(loop, handoffs, future):
    rounds = handoffs // 2
    return loop.run_until_complete(_future_players(rounds) if future else _yield_players(rounds)) / handoffs


def switch_threads(handoffs):
    events = [threading.Event(), threading.Event()]
    rounds = handoffs // 2

    def player(me):
        other = 1 - me
        for _ in range(rounds):
            events[me].wait()
            events[me].clear()
            events[other].set()

    threads = [threading.Thread(target=player, args=(me,), daemon=True) for me in (0, 1)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    events[0].set()
    for thread in threads:
        thread.join()
    events[0].wait()
    return (time.perf_counter() - started) / handoffs


def _switch_partner(conn, rounds):
    conn.send_bytes(b"r")
    for _ in range(rounds):
        conn.send_bytes(conn.recv_bytes())


def switch_processes(handoffs, context):
    rounds = handoffs // 2
    mine, theirs = context.Pipe()
    process = context.Process(target=_switch_partner, args=(theirs, rounds), daemon=True)
    process.start()
    theirs.close()
    try:
        mine.recv_bytes()  # started: its start is not timed
        started = time.perf_counter()
        for _ in range(rounds):
            mine.send_bytes(b"x")
            mine.recv_bytes()
        elapsed = time.perf_counter() - started
    finally:
        mine.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    return elapsed / handoffs


def cmd_switches(request, context):
    units = read_units(request, SWITCH_UNITS, SWITCH_UNITS)
    rounds = field(request, "rounds", 5, lambda v: is_int(v, 1, 100), "an integer from 1 to 100", "5 is plenty")
    asked = field(request, "handoffs", {}, lambda v: isinstance(v, dict), "an object of handoffs by unit", 'e.g. {"threads": 2000}')
    handoffs = {}
    for unit in units:
        value = asked.get(unit, DEFAULT_HANDOFFS[unit])
        if not is_int(value, 2, 10000000) or value % 2:
            raise RequestError(
                "handoffs.%s must be an even integer from 2 to 10000000, got %r; e.g. %d" % (unit, value, DEFAULT_HANDOFFS[unit])
            )
        handoffs[unit] = value
    samples = {unit: [] for unit in units}
    loop = asyncio.new_event_loop()
    try:
        for _ in range(rounds):
            for unit in units:
                n = handoffs[unit]
                if unit in ("async", "async-future"):
                    seconds = switch_async(loop, n, unit == "async-future")
                elif unit == "threads":
                    seconds = switch_threads(n)
                else:
                    seconds = switch_processes(n, context)
                samples[unit].append(seconds * 1000)
    finally:
        loop.close()
    return {"units": [{"strategy": unit, "handoffs": handoffs[unit], "samplesMs": samples[unit]} for unit in units]}


# --- The shared counter: counter[0] += 1 from several threads, without and with a lock. ---


def _count(counter, times, lock, gate):
    gate.wait()
    if lock is None:
        for _ in range(times):
            counter[0] += 1
    else:
        for _ in range(times):
            with lock:
                counter[0] += 1


def counter_run(threads, times, locked):
    counter = [0]
    lock = threading.Lock() if locked else None
    gate = threading.Barrier(threads)
    workers = [threading.Thread(target=_count, args=(counter, times, lock, gate), daemon=True) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = (time.perf_counter() - started) * 1000
    expected = threads * times
    return {"expected": expected, "counted": counter[0], "lost": expected - counter[0], "wallMs": wall}


def cmd_counter(request, context):
    threads = field(request, "threads", 4, lambda v: is_int(v, 2, 64), "an integer from 2 to 64", "4 is plenty")
    times = field(request, "times", 500000, lambda v: is_int(v, 1, 100000000), "an integer from 1 to 100000000", "e.g. 100000")
    runs = field(request, "runs", 5, lambda v: is_int(v, 1, 100), "an integer from 1 to 100", "5 is plenty")
    plain, locked = [], []
    for _ in range(runs):
        plain.append(counter_run(threads, times, False))
        locked.append(counter_run(threads, times, True))
    return {"threads": threads, "times": times, "statement": "counter[0] += 1", "plain": plain, "locked": locked}


# --- Many waits: asyncio.gather of k asyncio.sleep(ms). ---


async def _waits_wall(count, seconds):
    started = time.perf_counter()
    await asyncio.gather(*[asyncio.sleep(seconds) for _ in range(count)])
    return (time.perf_counter() - started) * 1000


async def _waits_memory(count, seconds):
    loop = asyncio.get_running_loop()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tasks = [loop.create_task(asyncio.sleep(seconds)) for _ in range(count)]
    await asyncio.sleep(0)  # each task is now asleep on its timer
    during = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    await asyncio.gather(*tasks)
    return max(0, during - before)


def cmd_waits(request, context):
    counts = field(
        request,
        "counts",
        [1, 10, 100, 1000, 10000],
        lambda v: isinstance(v, list) and len(v) > 0 and all(is_int(c, 1, 1000000) for c in v),
        "a non-empty list of integers from 1 to 1000000",
        "e.g. [1, 10, 100, 1000, 10000]",
    )
    ms = field(request, "ms", 100, lambda v: is_int(v, 0, 600000), "an integer from 0 to 600000", "e.g. 100")
    loop = asyncio.new_event_loop()
    points = []
    try:
        for count in counts:
            wall = loop.run_until_complete(_waits_wall(count, ms / 1000))
            added = loop.run_until_complete(_waits_memory(count, ms / 1000))
            points.append({"copies": count, "wallMs": wall, "addedBytes": added, "bytesPerTask": added / count})
    finally:
        loop.close()
    return {"waitMs": ms, "metric": "tracemalloc", "points": points}


# --- Connections: N requests waiting at once, on one event loop or one thread each. ---


class PeakRss:
    """Samples this process's resident set every few milliseconds on a thread of its own: the peak."""

    def __init__(self):
        self.peak = rss_bytes() or 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="conclab-rss", daemon=True)

    def _sample(self):
        while not self._stop.wait(0.005):
            now = rss_bytes()
            if now is not None and now > self.peak:
                self.peak = now

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        now = rss_bytes()
        if now is not None and now > self.peak:
            self.peak = now


def raise_file_limit(wanted):
    """Raises the soft open-file limit towards `wanted` (each connection holds a socket); returns the limit in force."""
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return None if soft == resource.RLIM_INFINITY else soft


class InFlight:
    """How many connections are open at once (the most there were), and how many tried to open."""

    def __init__(self):
        self.now = 0
        self.most = 0
        self.settled = 0
        self._lock = threading.Lock()

    def opened(self):
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.settled += 1

    def failed(self):
        with self._lock:
            self.settled += 1

    def closed(self):
        with self._lock:
            self.now -= 1


# Each request first opens its connection and waits until every other one has opened (or failed),
# then sends: so both ways hold every connection open at the same time, however fast they start.


async def _get_async(host, port, path, flight, go):
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        flight.failed()
        return False
    flight.opened()
    try:
        await go.wait()
        writer.write(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n" % (path, host, port)).encode("ascii"))
        await writer.drain()
        head = await reader.readline()
        await reader.read()
        writer.close()
        return head.split(b" ")[1:2] == [b"200"]
    except (OSError, asyncio.IncompleteReadError):
        return False
    finally:
        flight.closed()


async def _connections_async(host, port, path, count, flight):
    go = asyncio.Event()

    async def release():
        while flight.settled < count:
            await asyncio.sleep(0.005)
        go.set()

    releaser = asyncio.ensure_future(release())
    results = await asyncio.gather(*(_get_async(host, port, path, flight, go) for _ in range(count)))
    await releaser
    return results


def _get_blocking(host, port, path, results, index, flight, go):
    try:
        conn = http.client.HTTPConnection(host, port, timeout=120)
        conn.connect()
    except OSError:
        flight.failed()
        return
    flight.opened()
    try:
        go.wait()
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        response.read()
        conn.close()
        results[index] = response.status == 200
    except (OSError, http.client.HTTPException):
        results[index] = False
    finally:
        flight.closed()


def connections_threads(host, port, path, count, flight):
    results = [False] * count
    threads = []
    go = threading.Event()
    for index in range(count):
        thread = threading.Thread(target=_get_blocking, args=(host, port, path, results, index, flight, go), daemon=True)
        try:
            thread.start()
        except RuntimeError:  # the system refused another thread: the rest count as failed
            break
        threads.append(thread)
    deadline = time.monotonic() + 60
    while flight.settled < len(threads) and time.monotonic() < deadline:
        time.sleep(0.005)
    go.set()
    for thread in threads:
        thread.join()
    return results, len(threads)


def cmd_connections(request, context):
    url = field(request, "url", None, lambda v: isinstance(v, str) and v.startswith("http://"), "an http:// URL", "pass the URL of startDelayServer()")
    count = field(request, "count", 10000, lambda v: is_int(v, 1, 100000), "an integer from 1 to 100000", "e.g. 10000")
    mode = field(request, "mode", "asyncio", lambda v: v in ("asyncio", "threads"), "asyncio or threads", "pick one")
    if rss_bytes() is None:
        raise RuntimeError("memory per connection is read from /proc/self/status (Linux), which is not here")
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    path = parts.path + ("?" + parts.query if parts.query else "")
    limit = raise_file_limit(count + 256)
    gc.collect()
    before = rss_bytes()
    started = time.perf_counter()
    flight = InFlight()
    with PeakRss() as peak:
        if mode == "asyncio":
            loop = asyncio.new_event_loop()
            try:
                results = loop.run_until_complete(_connections_async(host, port, path, count, flight))
            finally:
                loop.close()
            units = 1
        else:
            results, units = connections_threads(host, port, path, count, flight)
    wall = (time.perf_counter() - started) * 1000
    added = max(0, peak.peak - before)
    ok = sum(1 for r in results if r)
    return {
        "mode": mode, "count": count, "ok": ok, "failed": count - ok, "wallMs": wall,
        "addedBytes": added, "bytesPerConnection": added / max(1, flight.most), "metric": "rss-peak",
        "mostAtOnce": flight.most,
        "threadsStarted": units if mode == "threads" else 0, "fileLimit": limit,
    }


COMMANDS = {
    "startup": cmd_startup,
    "memory": cmd_memory,
    "switches": cmd_switches,
    "counter": cmd_counter,
    "waits": cmd_waits,
    "connections": cmd_connections,
}


def watch_parent(parent):
    """Ends this process group when the process that started it (Node) is gone."""
    while True:
        time.sleep(0.25)
        if os.getppid() == parent:
            continue
        if hasattr(os, "killpg") and os.getpgrp() == os.getpid():
            os.killpg(os.getpgrp(), signal.SIGKILL)
        for child in multiprocessing.active_children():
            child.kill()
        os._exit(1)


def run(argv, commands=COMMANDS):
    if len(argv) != 2:
        raise RequestError("the request must be the only argument, as JSON; e.g. '{\"cmd\": \"counter\"}'")
    request = json.loads(argv[1])
    if not isinstance(request, dict):
        raise RequestError("the request must be a JSON object, got %r" % (request,))
    cmd = request.get("cmd")
    if cmd not in commands:
        raise RequestError("cmd must be one of %s, got %r" % (", ".join(sorted(commands)), cmd))
    methods = multiprocessing.get_all_start_methods()
    method = field(request, "startMethod", None, lambda v: v is None or v in methods, "one of %s" % ", ".join(methods), "or leave it out")
    context = multiprocessing.get_context(method)
    interval = field(
        request, "switchInterval", None, lambda v: v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 1),
        "a number of seconds above 0 and at most 1", "or leave it out (CPython's default is 0.005)"
    )
    if interval is not None:
        sys.setswitchinterval(interval)
    result = commands[cmd](request, context)
    return {"ok": True, "interpreter": interpreter(context), "result": result}


def main(commands=COMMANDS):
    """Answers the one request in sys.argv with `commands` (a chapter's own script passes its own
    table; each command is fn(request, context) -> dict), under the same protocol and watchdog."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # anything printed lands on stderr
    sys.stdout = sys.stderr
    threading.Thread(target=watch_parent, args=(os.getppid(),), name="conclab-watchdog", daemon=True).start()
    try:
        reply = run(sys.argv, commands)
        code = 0
    except Exception as error:  # every failure is one JSON reply
        reply = {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}
        code = 2
    out.write(json.dumps(reply, allow_nan=False) + "\n")
    out.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
