"""Chapter 14's CPython measurements: what has changed in CPython since the article.

Same protocol as unit_costs.py (one JSON request as the only argument, one JSON reply on stdout,
the interpreter's report beside the result). Standard library only, Python 3.8+.

Requests (every field but "cmd" optional):
  {"cmd": "convoy", "intervalsMs": [1, 5, 20], "wakes": 20, "sleepMs": 2, "rounds": 5}
      a thread sleeps sleepMs and records how late it woke, `wakes` times, alone and beside a
      thread that runs a CPU loop, at each switch interval (sys.setswitchinterval), interleaved
      by round: the median lateness per round and condition
  {"cmd": "cpu", "loops": 3000000, "rounds": 5}
      a Python counting loop twice: one after another, on 2 threads, in 2 processes; wall time
      and CPU time per round (CPUs busy = CPU time / wall time)
  {"cmd": "single", "loops": 3000000, "rounds": 5}
      the same loop on one thread: ms per run
  {"cmd": "counter", "threads": 4, "times": 500000, "runs": 3}
      unit_costs.py's counter: counter[0] += 1 from several threads, without and with a Lock
  {"cmd": "starts", "rounds": 10}
      from asking for a process to its first line, with each start method there, interleaved
  {"cmd": "lockcheck", "source": "def add(counter, lock, times): ...", "threads": 4, "times": 20000}
      the reader's add() on threads: first with a counter that holds reads and writes open a
      moment until another thread reads (so an unguarded read-add-write loses updates on any
      interpreter), then on a plain list
Any request may carry "alsoWithGil": true. On a free-threaded build running with its GIL off,
the same request then runs again in the same binary with the GIL on (`-X gil=1`), and its reply
(interpreter and result) comes back as result["withGil"].
"""

import json
import os
import subprocess
import sys
import sysconfig
import threading
import time

import unit_costs
from unit_costs import field, is_int


def lateness(wakes, sleep_s):
    """How late (ms) each of `wakes` sleeps of `sleep_s` woke, measured by the sleeper."""
    late = []
    for _ in range(wakes):
        asked = time.perf_counter()
        time.sleep(sleep_s)
        late.append((time.perf_counter() - asked - sleep_s) * 1000)
    return late


def spin(flag, started):
    """A CPU-bound thread: counts until flag[0] is set."""
    started.set()
    n = 0
    while not flag[0]:
        n += 1


def wake_median(wakes, sleep_s, beside_cpu):
    """The median lateness of a waiting thread's wakes, alone or beside a spinning thread."""
    flag = [False]
    started = threading.Event()
    spinner = None
    if beside_cpu:
        spinner = threading.Thread(target=spin, args=(flag, started), daemon=True)
        spinner.start()
        started.wait()
    out = []
    waiter = threading.Thread(target=lambda: out.extend(lateness(wakes, sleep_s)), daemon=True)
    try:
        waiter.start()
        waiter.join()
    finally:
        flag[0] = True
        if spinner is not None:
            spinner.join()
    out.sort()
    mid = len(out) // 2
    value = out[mid] if len(out) % 2 else (out[mid - 1] + out[mid]) / 2
    return max(value, 0.001)  # positive: the course's intervals are taken on a log scale


def cmd_convoy(request, context):
    intervals = field(
        request, "intervalsMs", [1, 5, 20], lambda v: isinstance(v, list) and 0 < len(v) <= 6 and all(isinstance(i, (int, float)) and 0.1 <= i <= 100 for i in v),
        "a list of 1 to 6 switch intervals in ms from 0.1 to 100", "e.g. [1, 5, 20]",
    )
    wakes = field(request, "wakes", 20, lambda v: is_int(v, 3, 1000), "an integer from 3 to 1000", "e.g. 20")
    sleep_ms = field(request, "sleepMs", 2, lambda v: isinstance(v, (int, float)) and 0.1 <= v <= 100, "a number of ms from 0.1 to 100", "e.g. 2")
    rounds = field(request, "rounds", 5, lambda v: is_int(v, 1, 50), "an integer from 1 to 50", "5 is plenty")
    before = sys.getswitchinterval()
    alone = {i: [] for i in range(len(intervals))}
    beside = {i: [] for i in range(len(intervals))}
    try:
        for round_ in range(rounds):
            for k in range(len(intervals)):
                i = (k + round_) % len(intervals)
                sys.setswitchinterval(intervals[i] / 1000)
                alone[i].append(wake_median(wakes, sleep_ms / 1000, False))
                beside[i].append(wake_median(wakes, sleep_ms / 1000, True))
    finally:
        sys.setswitchinterval(before)
    return {
        "sleepMs": sleep_ms, "wakes": wakes, "rounds": rounds,
        "points": [{"intervalMs": intervals[i], "aloneMs": alone[i], "besideMs": beside[i]} for i in range(len(intervals))],
    }


def count_loop(loops):
    x = 0
    for _ in range(loops):
        x += 1
    return x


def _count_child(loops):
    count_loop(loops)


def cpu_sequential(loops):
    cpu, wall = time.process_time(), time.perf_counter()
    count_loop(loops)
    count_loop(loops)
    return time.perf_counter() - wall, time.process_time() - cpu


def cpu_threads(loops):
    gate = threading.Barrier(3)

    def work():
        gate.wait()
        count_loop(loops)

    workers = [threading.Thread(target=work, daemon=True) for _ in range(2)]
    for worker in workers:
        worker.start()
    cpu, wall = time.process_time(), time.perf_counter()
    gate.wait()
    for worker in workers:
        worker.join()
    return time.perf_counter() - wall, time.process_time() - cpu


def cpu_processes(loops, context):
    before = children_cpu_s()
    wall = time.perf_counter()
    children = [context.Process(target=_count_child, args=(loops,), daemon=True) for _ in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    wall = time.perf_counter() - wall
    return wall, children_cpu_s() - before


def children_cpu_s():
    """CPU time of this process and its ended children (getrusage: microseconds; os.times ticks elsewhere)."""
    try:
        import resource
    except ImportError:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def cmd_cpu(request, context):
    loops = field(request, "loops", 3000000, lambda v: is_int(v, 1000, 500000000), "an integer from 1000 to 500000000", "e.g. 3000000")
    rounds = field(request, "rounds", 5, lambda v: is_int(v, 1, 50), "an integer from 1 to 50", "5 is plenty")
    ways = ("sequential", "threads", "processes")
    rows = {way: {"wallMs": [], "cpuMs": []} for way in ways}
    count_loop(loops // 10)  # warm up
    for round_ in range(rounds):
        for k in range(len(ways)):
            way = ways[(k + round_) % len(ways)]
            if way == "sequential":
                wall, cpu = cpu_sequential(loops)
            elif way == "threads":
                wall, cpu = cpu_threads(loops)
            else:
                wall, cpu = cpu_processes(loops, context)
            rows[way]["wallMs"].append(wall * 1000)
            rows[way]["cpuMs"].append(cpu * 1000)
    return {"loops": loops, "copies": 2, "ways": rows}


def cmd_single(request, context):
    loops = field(request, "loops", 3000000, lambda v: is_int(v, 1000, 500000000), "an integer from 1000 to 500000000", "e.g. 3000000")
    rounds = field(request, "rounds", 5, lambda v: is_int(v, 1, 50), "an integer from 1 to 50", "5 is plenty")
    count_loop(loops // 10)
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        count_loop(loops)
        samples.append((time.perf_counter() - started) * 1000)
    return {"loops": loops, "samplesMs": samples}


def cmd_starts(request, context):
    import multiprocessing

    rounds = field(request, "rounds", 10, lambda v: is_int(v, 1, 200), "an integer from 1 to 200", "10 is plenty")
    methods = [m for m in ("fork", "spawn", "forkserver") if m in multiprocessing.get_all_start_methods()]
    contexts = {m: multiprocessing.get_context(m) for m in methods}
    for method in methods:  # a first start of each, not timed (forkserver starts its server here)
        unit_costs.startup_process(contexts[method])
    samples = {m: [] for m in methods}
    for round_ in range(rounds):
        for k in range(len(methods)):
            method = methods[(k + round_) % len(methods)]
            samples[method].append(unit_costs.startup_process(contexts[method]) * 1000)
    return {
        "defaultMethod": multiprocessing.get_start_method(),
        "available": multiprocessing.get_all_start_methods(),
        "methods": [{"method": m, "samplesMs": samples[m]} for m in methods],
    }


class WatchedCounter(list):
    """A one-cell list whose reads and writes of cell 0 are counted; the first `holds` of each
    thread's reads and writes wait (up to `hold_s`) until another thread has read the cell: a
    read-add-write that other threads can enter then loses updates, whatever the interpreter."""

    def __init__(self, holds, hold_s):
        list.__init__(self, [0])
        self.cond = threading.Condition()
        self.reads = 0
        self.writes = 0
        self.reads_by = {}
        self.held = {}
        self.holds = holds
        self.hold_s = hold_s

    def _hold(self, me):
        with self.cond:
            used = self.held.get(me, 0)
            if used >= self.holds:
                return
            self.held[me] = used + 1
            others = self.reads - self.reads_by.get(me, 0)
            self.cond.wait_for(lambda: self.reads - self.reads_by.get(me, 0) > others, self.hold_s)

    def __getitem__(self, index):
        value = list.__getitem__(self, index)
        me = threading.get_ident()
        with self.cond:
            self.reads += 1
            self.reads_by[me] = self.reads_by.get(me, 0) + 1
            self.cond.notify_all()
        self._hold(me)
        return value

    def __setitem__(self, index, value):
        me = threading.get_ident()
        with self.cond:
            self.writes += 1
        self._hold(me)
        list.__setitem__(self, index, value)


def run_add(add, counter, threads, times, limit_s):
    lock = threading.Lock()
    gate = threading.Barrier(threads)
    errors, returned = [], []

    def work():
        try:
            gate.wait()
            returned.append(add(counter, lock, times))
        except Exception as error:  # the reader's error, reported
            errors.append("%s: %s" % (type(error).__name__, error))

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + limit_s
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
    if any(worker.is_alive() for worker in workers):
        return {"error": "add() had not returned after %d s on every thread (a lock never released?)" % limit_s}
    if errors:
        return {"error": errors[0]}
    return {"counted": list.__getitem__(counter, 0), "expected": threads * times}


def cmd_lockcheck(request, context):
    source = field(request, "source", None, lambda v: isinstance(v, str) and len(v) < 20000, "Python source defining add(counter, lock, times)", "pass your function's source")
    threads = field(request, "threads", 4, lambda v: is_int(v, 2, 16), "an integer from 2 to 16", "4 is plenty")
    times = field(request, "times", 20000, lambda v: is_int(v, 10, 10000000), "an integer from 10 to 10000000", "e.g. 20000")
    watched_times = field(request, "watchedTimes", 50, lambda v: is_int(v, 1, 10000), "an integer from 1 to 10000", "e.g. 50")
    namespace = {"threading": threading}
    try:
        exec(compile(source, "<your add>", "exec"), namespace)
    except Exception as error:
        return {"error": "the source does not run: %s: %s" % (type(error).__name__, error)}
    add = namespace.get("add")
    if not callable(add):
        return {"error": "the source defines no function add(counter, lock, times)"}
    watched = WatchedCounter(holds=2, hold_s=0.05)
    seen = run_add(add, watched, threads, watched_times, 5)
    seen.update(reads=watched.reads, writes=watched.writes)
    plain = run_add(add, [0], threads, times, 30) if "error" not in seen else None
    return {"threads": threads, "watchedTimes": watched_times, "times": times, "watched": seen, "plain": plain}


def with_gil_too(command):
    """Runs `command`; on a free-threaded build with its GIL off and "alsoWithGil" asked, runs the
    same request again in this binary with the GIL on, and adds that reply as "withGil"."""

    def run(request, context):
        result = command(request, context)
        free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
        if request.get("alsoWithGil") is True and free_threaded and not unit_costs.gil_enabled():
            again = dict(request, alsoWithGil=False)
            child = subprocess.run(
                [sys.executable, "-X", "gil=1", os.path.abspath(__file__), json.dumps(again)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300,
            )
            try:
                reply = json.loads(child.stdout.decode("utf-8"))
            except ValueError:
                raise RuntimeError("the run with -X gil=1 gave no JSON answer: %s" % child.stderr.decode("utf-8", "replace")[-400:])
            if not reply.get("ok"):
                raise RuntimeError("the run with -X gil=1 failed: %s" % reply.get("error"))
            result = dict(result, withGil={"interpreter": reply["interpreter"], "result": reply["result"]})
        return result

    return run


COMMANDS = {
    "convoy": with_gil_too(cmd_convoy),
    "cpu": with_gil_too(cmd_cpu),
    "single": with_gil_too(cmd_single),
    "counter": with_gil_too(unit_costs.cmd_counter),
    "starts": cmd_starts,
    "lockcheck": cmd_lockcheck,
}


if __name__ == "__main__":
    sys.exit(unit_costs.main(COMMANDS))
