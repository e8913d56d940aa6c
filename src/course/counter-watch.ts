/**
 * The worker's side of 08's exercise check (sharedState.checkCounterOnThreads): each worker thread
 * requires this module and runs the reader's counter task through `watchedCount`. The task is
 * built from its source with its own `Int32Array` and `Atomics`. A view of the shared buffer is a
 * Proxy whose reads of cell 0 (plain, or Atomics.load) are held open for the thread's first
 * `pausedReads` reads: the thread pauses after the read until another thread has read the counter
 * too, or no other thread can (each has finished, sleeps in Atomics.wait, or keeps calling Atomics
 * on other cells: spinning on a lock), or `pauseMs` pass (a safety net, not the rule). Threads
 * start together (a barrier), so two threads read before either writes, then write back the same
 * stale value: every read-modify-write that is not one atomic step, or not under a lock, loses an
 * update, on one CPU as on many. Atomics calls reach the real view.
 */

/** What one thread of the watched run reports. */
export interface CounterThreadReport {
  /** What the task returned. */
  readonly returned: unknown;
  /** Plain reads and writes of the counter through an Int32Array over the shared buffer. */
  readonly reads: number;
  readonly writes: number;
  /** Atomics calls on the counter. */
  readonly atomics: number;
  /** Whether every thread had started before this one ran the task. */
  readonly startedTogether: boolean;
}

// Control cells, then one state and one count of Atomics calls on other cells per thread.
const ARRIVED = 0, READS = 1, EVENTS = 2, PAUSED = 3, STATE = 4;
const RUNNING = 0, WAITING = 1, DONE = 2;
/** Atomics calls on other cells since a pause that mark a thread as spinning (on a lock), not reading. */
const SPINNING_CALLS = 64;

class CounterWatch {
  private readonly ctl: Int32Array;
  private readonly spins: number;
  /** Views handed to the task (Proxies) and the real views behind them. */
  readonly watched = new WeakMap<object, Int32Array>();
  me = -1;
  reads = 0;
  writes = 0;
  atomics = 0;
  private paused = 0;

  constructor(control: SharedArrayBuffer, private readonly threads: number, private readonly pausedReads: number, private readonly pauseMs: number) {
    this.ctl = new Int32Array(control);
    this.spins = STATE + threads;
  }

  private event(): void {
    Atomics.add(this.ctl, EVENTS, 1);
    if (Atomics.load(this.ctl, PAUSED) > 0) Atomics.notify(this.ctl, EVENTS);
  }

  private nobodyElseCanRead(spinsAtPause: readonly number[]): boolean {
    for (let j = 0; j < this.threads; j++) {
      if (j === this.me) continue;
      const state = Atomics.load(this.ctl, STATE + j);
      if (state !== WAITING && state !== DONE && Atomics.load(this.ctl, this.spins + j) - spinsAtPause[j]! < SPINNING_CALLS) return false;
    }
    return true;
  }

  /** Counts a read of the counter and, for the first reads, holds the thread until another has read too. */
  afterRead(): void {
    this.reads++;
    const seen = Atomics.add(this.ctl, READS, 1) + 1;
    this.event();
    if (this.paused >= this.pausedReads || this.me < 0) return;
    this.paused++;
    const spinsAtPause = Array.from({ length: this.threads }, (_, j) => Atomics.load(this.ctl, this.spins + j));
    const deadline = Date.now() + this.pauseMs;
    Atomics.add(this.ctl, PAUSED, 1);
    try {
      for (;;) {
        const version = Atomics.load(this.ctl, EVENTS);
        if (Atomics.load(this.ctl, READS) > seen || this.nobodyElseCanRead(spinsAtPause)) return;
        const left = deadline - Date.now();
        if (left <= 0) return;
        Atomics.wait(this.ctl, EVENTS, version, left);
      }
    } finally {
      Atomics.sub(this.ctl, PAUSED, 1);
    }
  }

  setState(state: number): void {
    if (this.me < 0) return;
    Atomics.store(this.ctl, STATE + this.me, state);
    this.event();
  }

  /** An Atomics call on a cell other than the counter: how a thread spinning on a lock shows. */
  spun(): void {
    if (this.me < 0) return;
    Atomics.add(this.ctl, this.spins + this.me, 1);
    this.event();
  }

  /** Waits at the start line until every thread has arrived (or `startMs` pass); whether all did. */
  arrive(startMs: number): boolean {
    this.me = Atomics.add(this.ctl, ARRIVED, 1);
    Atomics.notify(this.ctl, ARRIVED);
    const startBy = Date.now() + startMs;
    for (let arrived = Atomics.load(this.ctl, ARRIVED); arrived < this.threads && Date.now() < startBy; arrived = Atomics.load(this.ctl, ARRIVED)) {
      Atomics.wait(this.ctl, ARRIVED, arrived, Math.max(1, startBy - Date.now()));
    }
    const together = Atomics.load(this.ctl, ARRIVED) >= this.threads && this.me < this.threads;
    if (this.me >= this.threads) this.me = -1;
    return together;
  }
}

/** An Int32Array constructor whose views of `shared` (at offset 0) count and hold reads of the counter. */
function watchedInt32Array(watch: CounterWatch, shared: SharedArrayBuffer): Int32ArrayConstructor {
  const viewHandler: ProxyHandler<Int32Array> = {
    get(target, key) {
      if (key === "0") {
        const value = target[0];
        watch.afterRead();
        return value;
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(target, key, value) {
      if (key === "0") watch.writes++;
      return Reflect.set(target, key, value, target);
    },
  };
  const Watched: Int32ArrayConstructor = new Proxy(Int32Array, {
    construct(target, args, newTarget) {
      const view = Reflect.construct(target, args, newTarget === Watched ? target : newTarget) as Int32Array;
      if (args[0] !== shared || view.byteOffset !== 0) return view;
      const proxy = new Proxy(view, viewHandler);
      watch.watched.set(proxy, view);
      return proxy;
    },
  });
  return Watched;
}

/** An Atomics whose calls on a watched view reach the real one, counted; a wait marks the thread as waiting. */
function watchedAtomics(watch: CounterWatch): typeof Atomics {
  return new Proxy(Atomics, {
    get(target, key) {
      const op: unknown = Reflect.get(target, key, target);
      if (typeof op !== "function") return op;
      return (array: Int32Array, index: number, ...rest: unknown[]): unknown => {
        const view = watch.watched.get(array);
        const call = (): unknown => (op as (...args: unknown[]) => unknown).apply(target, [view ?? array, index, ...rest]);
        if (key === "wait") {
          watch.setState(WAITING);
          try {
            return call();
          } finally {
            watch.setState(RUNNING);
          }
        }
        if (view === undefined || Number(index) !== 0) {
          watch.spun();
          return call();
        }
        if (key === "load") {
          const value = call();
          watch.afterRead();
          return value;
        }
        if (key === "store") watch.writes++;
        else watch.atomics++;
        return call();
      };
    },
  });
}

/** Runs the reader's task (`source`, or its method `name`) on this thread, watched; see the module's comment. */
export function watchedCount(
  shared: SharedArrayBuffer, times: number, control: SharedArrayBuffer, threads: number, source: string, name: string, pausedReads: number, pauseMs: number, startMs: number,
): CounterThreadReport {
  const watch = new CounterWatch(control, threads, pausedReads, pauseMs);
  const expression = /^(async\s+)?(function\b|\(|[A-Za-z_$][\w$]*\s*=>)/.test(source.trim()) ? `(${source})` : `({${source}})[${JSON.stringify(name)}]`;
  const task = new Function("Int32Array", "Atomics", "require", `"use strict"; return ${expression};`)(watchedInt32Array(watch, shared), watchedAtomics(watch), require) as (s: SharedArrayBuffer, t: number) => unknown;
  const startedTogether = watch.arrive(startMs);
  let returned: unknown;
  try {
    returned = task(shared, times);
  } finally {
    watch.setState(DONE);
  }
  return { returned, reads: watch.reads, writes: watch.writes, atomics: watch.atomics, startedTogether };
}
