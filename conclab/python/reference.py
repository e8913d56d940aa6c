"""conclab's Python reference: CPython runs the course's built-in tasks so the real GIL is measured.

A long-lived process that speaks JSON lines: one request per line on stdin, one reply per line on
stdout. Diagnostics go to stderr. Tasks are chosen by name from TASKS; no code is ever received.

Requests:
  {"cmd": "prepare", "mode": "sequential|threads|processes", "task": NAME, "args": [...],
   "copies": N, "warmup": W}
      starts the executor and runs the task W times in every context that will run a copy
  {"cmd": "run"}      one timed run of all copies
  {"cmd": "close"}    shuts the executor down and exits 0

Replies are {"ok": true, ...} or {"ok": false, "error": "ValueError: ..."}.
Standard library only, Python 3.8+.
"""

import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import sysconfig
import threading
import time
import urllib.request


# --- The tasks: the same algorithms as conclab's TypeScript tasks (src/tasks). ---


def count_to(n):
    i = 0
    while i < n:
        i += 1
    return i


def count_primes(limit):
    count = 0
    candidate = 2
    while candidate < limit:
        prime = True
        divisor = 2
        while divisor * divisor <= candidate:
            if candidate % divisor == 0:
                prime = False
                break
            divisor += 1
        if prime:
            count += 1
        candidate += 1
    return count


def hash_bytes(rounds, mb=1):
    # SHA-256 in C: hashlib releases the GIL while it hashes more than 2 KiB, so threads can run it
    # in parallel. Each round hashes the previous digest and then the buffer of mb MiB of zeros.
    data = bytes(mb * 1024 * 1024)
    digest = b""
    for _ in range(rounds):
        h = hashlib.sha256(digest)
        h.update(data)
        digest = h.digest()
    return digest.hex()


def sleep(ms):
    # time.sleep blocks the calling thread but releases the GIL while it waits.
    time.sleep(ms / 1000)
    return ms


def blocking_sleep(ms):
    time.sleep(ms / 1000)
    return ms


def http_get(url):
    if not isinstance(url, str) or not url.startswith("http://"):
        raise ValueError("url must be an http:// URL, got %r" % (url,))
    with urllib.request.urlopen(url) as response:
        body = response.read()
        if response.status != 200:
            raise RuntimeError("HTTP %d from %s" % (response.status, url))
    return len(body)


def read_file(path):
    with open(path, "rb") as handle:
        return len(handle.read())


TASKS = {
    "count_to": count_to,
    "count_primes": count_primes,
    "hash_bytes": hash_bytes,
    "sleep": sleep,
    "blocking_sleep": blocking_sleep,
    "http_get": http_get,
    "read_file": read_file,
}

MODES = ("sequential", "threads", "processes")
LANE_KINDS = {"sequential": "main", "threads": "thread", "processes": "process"}


def now_ms():
    """Epoch milliseconds: the clock Node's performance.timeOrigin + performance.now() is on."""
    return time.time_ns() / 1e6


def rss_bytes():
    """Resident set of this process (Linux /proc); None elsewhere."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def describe_error(error):
    return "%s: %s" % (type(error).__name__, error)


# --- What runs in each context (module level, so process pools can pickle it). ---

_gate = None  # the start barrier shared by a pool's workers


def _init_worker(gate):
    global _gate
    _gate = gate


def _wait_gate():
    # Every copy waits here until all copies are on their own worker: one copy per worker, all
    # started together.
    if _gate is not None:
        _gate.wait()


def _warm(name, args, rounds):
    _wait_gate()
    task = TASKS[name]
    for _ in range(rounds):
        task(*args)
    return os.getpid(), threading.get_native_id()


def _run_copy(name, args, copy, lane_kind):
    _wait_gate()
    task = TASKS[name]
    cpu_start = time.thread_time()
    start = now_ms()
    result = task(*args)
    end = now_ms()
    cpu = (time.thread_time() - cpu_start) * 1000
    record = {
        "copy": copy,
        "startMs": start,
        "endMs": end,
        "cpuMs": cpu,
        "laneKind": lane_kind,
        "pid": os.getpid(),
        "threadId": threading.get_native_id(),
        "result": result,
    }
    rss = rss_bytes()
    if rss is not None:
        record["rssBytes"] = rss
    return record


# --- The experiment as the requests drive it. ---


class Experiment:
    def __init__(self):
        self.executor = None
        self.mode = None
        self.task = None
        self.args = []
        self.copies = 0

    def shutdown(self):
        executor, self.executor = self.executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def prepare(self, request):
        mode = request.get("mode")
        if mode not in MODES:
            raise ValueError("mode must be one of %s, got %r" % (", ".join(MODES), mode))
        name = request.get("task")
        if name not in TASKS:
            raise ValueError("unknown task %r; the reference script runs only %s" % (name, ", ".join(sorted(TASKS))))
        args = request.get("args", [])
        if not isinstance(args, list):
            raise TypeError("args must be a list, got %r" % (args,))
        copies = request.get("copies")
        if not isinstance(copies, int) or isinstance(copies, bool) or copies < 1:
            raise ValueError("copies must be an integer of at least 1, got %r" % (copies,))
        warmup = request.get("warmup", 0)
        if not isinstance(warmup, int) or isinstance(warmup, bool) or warmup < 0:
            raise ValueError("warmup must be an integer of at least 0, got %r" % (warmup,))

        self.shutdown()
        self.mode, self.task, self.args, self.copies = mode, name, args, copies
        if mode == "sequential":
            _init_worker(None)
            _warm(name, args, warmup)
        elif mode == "threads":
            _init_worker(threading.Barrier(copies))
            self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=copies)
            self._warm_pool(warmup, lambda pid, tid: tid)
        else:
            context = multiprocessing.get_context()
            self.executor = concurrent.futures.ProcessPoolExecutor(
                max_workers=copies, mp_context=context, initializer=_init_worker, initargs=(context.Barrier(copies),)
            )
            self._warm_pool(warmup, lambda pid, tid: pid)
        return {
            "python": "%d.%d.%d" % sys.version_info[:3],
            "gil": bool(getattr(sys, "_is_gil_enabled", lambda: True)()),
            "start_method": multiprocessing.get_start_method(),
            "freeThreadedBuild": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
            "switchIntervalS": sys.getswitchinterval(),
            "executable": sys.executable,
        }

    def _warm_pool(self, warmup, lane_of):
        futures = [self.executor.submit(_warm, self.task, self.args, warmup) for _ in range(self.copies)]
        lanes = {lane_of(*future.result()) for future in futures}
        if len(lanes) != self.copies:
            raise RuntimeError("warm-up reached %d of %d workers" % (len(lanes), self.copies))

    def run(self):
        if self.mode is None:
            raise RuntimeError("run before prepare; send a prepare request first")
        lane_kind = LANE_KINDS[self.mode]
        start = now_ms()
        if self.executor is None:
            tasks = [_run_copy(self.task, self.args, copy, lane_kind) for copy in range(self.copies)]
        else:
            futures = [
                self.executor.submit(_run_copy, self.task, self.args, copy, lane_kind) for copy in range(self.copies)
            ]
            tasks = [future.result() for future in futures]
        end = now_ms()
        return {"startMs": start, "endMs": end, "wallMs": end - start, "tasks": tasks}


def watch_parent(parent):
    """Kills this process and its pool if the process that started it (Node) dies."""
    while True:
        time.sleep(0.25)
        if os.getppid() == parent:
            continue
        try:
            sys.stderr.write("conclab reference: parent process %d is gone; stopping\n" % parent)
            sys.stderr.flush()
        except (OSError, ValueError):
            pass  # stderr was a pipe to the dead parent: BrokenPipeError must not stop the cleanup
        if hasattr(os, "killpg") and os.getpgrp() == os.getpid():
            os.killpg(os.getpgrp(), signal.SIGKILL)
        # Not a group leader (started by hand): stop only what this process started.
        for child in multiprocessing.active_children():
            child.kill()
        os._exit(1)


def main():
    # Replies go to a private copy of stdout; anything else printed (by a task, a library, a pool
    # worker) lands on stderr and cannot corrupt the protocol.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", newline="\n")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr

    threading.Thread(target=watch_parent, args=(os.getppid(),), name="conclab-watchdog", daemon=True).start()

    def reply(message):
        try:
            text = json.dumps(message, allow_nan=False)
        except (TypeError, ValueError) as error:
            text = json.dumps({"ok": False, "error": "the reply could not be sent as JSON: " + describe_error(error)})
        replies.write(text + "\n")
        replies.flush()

    experiment = Experiment()
    while True:
        line = sys.stdin.readline()
        if not line:
            break  # stdin closed: Node is done with us
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("a request must be a JSON object, got %r" % (request,))
            cmd = request.get("cmd")
            if cmd == "close":
                experiment.shutdown()
                reply({"ok": True})
                return 0
            if cmd == "prepare":
                answer = experiment.prepare(request)
            elif cmd == "run":
                answer = experiment.run()
            else:
                raise ValueError("unknown cmd %r; use prepare, run or close" % (cmd,))
        except Exception as error:  # every failure is a reply, never a crash
            reply({"ok": False, "error": describe_error(error)})
            continue
        reply(dict(ok=True, **answer))
    experiment.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
