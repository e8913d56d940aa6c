#!/usr/bin/env node
/**
 * `conclab-worker`: a queue worker process. The course starts it with its settings in
 * CONCLAB_QUEUE_WORKER and an IPC channel (it says hello there and ends with its parent); on
 * another machine, run it by hand against the same server:
 *
 *   npx conclab-worker --redis redis://:PASSWORD@HOST:PORT --queue conclab [--concurrency 1] [--host NAME]
 *
 * (--redis defaults to $CONCLAB_REDIS_URL). It runs until SIGINT or SIGTERM.
 */
import { hostname } from "node:os";
import { endWithParent } from "../runtime/child-life";
import { startWorker } from "./queue-worker";
import { WORKER_SETTINGS_ENV, type WorkerHello, type WorkerSettings } from "./wire";

export const CLI_DEFAULTS = { queue: "conclab", concurrency: 1, lockDurationMs: 30_000, stalledIntervalMs: 30_000, maxStalledCount: 1 } as const;

const USAGE = "usage: conclab-worker --redis redis://:PASSWORD@HOST:PORT [--queue conclab] [--concurrency 1] [--host NAME] [--lock-ms 30000] [--stalled-ms 30000]";

/** Reads the command line (and $CONCLAB_REDIS_URL) into settings; throws with the usage on a bad flag. */
export function settingsFromArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]!;
    const value = argv[i + 1];
    if (!name.startsWith("--") || value === undefined) throw new Error(`conclab-worker: cannot read "${name}"${value === undefined ? " (no value)" : ""}\n${USAGE}`);
    flags.set(name.slice(2), value);
  }
  const known = ["redis", "queue", "concurrency", "host", "lock-ms", "stalled-ms"];
  const unknown = [...flags.keys()].filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Error(`conclab-worker: unknown option --${unknown[0]}\n${USAGE}`);
  const url = flags.get("redis") ?? env.CONCLAB_REDIS_URL;
  if (!url || !/^rediss?:\/\//.test(url)) throw new Error(`conclab-worker: --redis must be a redis:// URL (or set CONCLAB_REDIS_URL), got ${url === undefined ? "nothing" : JSON.stringify(url.replace(/:[^:@/]*@/, ":***@"))}\n${USAGE}`);
  const count = (flag: string, fallback: number, min: number): number => {
    const raw = flags.get(flag);
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`conclab-worker: --${flag} must be an integer of at least ${min}, got ${JSON.stringify(raw)}\n${USAGE}`);
    return value;
  };
  return {
    url,
    queue: flags.get("queue") ?? CLI_DEFAULTS.queue,
    concurrency: count("concurrency", CLI_DEFAULTS.concurrency, 1),
    host: flags.get("host") ?? hostname(),
    lockDurationMs: count("lock-ms", CLI_DEFAULTS.lockDurationMs, 100),
    stalledIntervalMs: count("stalled-ms", CLI_DEFAULTS.stalledIntervalMs, 100),
    maxStalledCount: CLI_DEFAULTS.maxStalledCount,
  };
}

async function main(): Promise<void> {
  const fromCourse = process.env[WORKER_SETTINGS_ENV];
  const hello = (message: WorkerHello): void => {
    if (process.send) process.send(message);
  };
  if (fromCourse !== undefined && process.send) endWithParent({ busy: true });
  let settings: WorkerSettings;
  try {
    settings = fromCourse !== undefined ? (JSON.parse(fromCourse) as WorkerSettings) : settingsFromArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  try {
    const worker = await startWorker(settings);
    const stop = (): void => {
      worker.close().then(() => process.exit(0), () => process.exit(1));
    };
    process.once("SIGTERM", stop);
    if (fromCourse === undefined) process.once("SIGINT", stop);
    hello({ ready: true, host: settings.host, pid: process.pid, clockErrorMs: worker.offset.errorMs, offsetMs: worker.offset.offsetMs });
    if (fromCourse === undefined) {
      process.stdout.write(`conclab-worker ${settings.host} (pid ${process.pid}) takes jobs from queue "${settings.queue}", ${settings.concurrency} at a time; clock offset to the server ${worker.offset.offsetMs.toFixed(2)} ± ${worker.offset.errorMs.toFixed(2)} ms\n`);
    }
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    hello({ ready: false, error: text });
    process.stderr.write(`conclab-worker: could not start: ${text}\n`);
    process.exit(1);
  }
}

if (require.main === module) void main();
