/**
 * Hand-made evidence for chapter 15's verdicts: round trips, batch wall times and run logs of a
 * queue, shaped as the chapter's experiments return them, for each outcome a claim can give.
 */
import type { ClusterPlacement, JobsReport, RunEvent } from "conclab";
import type { beyondOneMachine } from "conclab/course";

type TaskRecord = JobsReport["records"][number];

export const PLACEMENT: ClusterPlacement = {
  kind: "local-processes",
  why: "made by hand for a test",
  sharesThisMachine: true,
  latency: { askedMs: 0, applied: false, why: "none asked" },
};

/** Round trips: `ratio` per repeat (the queue's median over the thread's), the thread at 0.05 ms. */
export function trips(ratio: number | readonly number[], jobs = 10): beyondOneMachine.RoundTripResult {
  const ratios = typeof ratio === "number" ? [ratio * 0.98, ratio, ratio * 1.02] : ratio;
  return {
    jobs,
    threadMs: ratios.map(() => Array.from({ length: jobs }, () => 0.05)),
    queueMs: ratios.map((r) => Array.from({ length: jobs }, () => 0.05 * r)),
    placement: PLACEMENT,
    server: "valkey 0.0.0",
  };
}

/**
 * Batch wall times: one worker at 640 ms, two `speedup` times as fast per repeat, on `cores`; each
 * job had `share` of a CPU as it ran (null: not read); tiny jobs' batches `tinySpeedup` as fast on two.
 */
export function batches(speedup: number | readonly number[], cores = 2, share: number | null = 0.97, tinySpeedup: number | readonly number[] = 1.3): beyondOneMachine.ScalingResult {
  const ups = typeof speedup === "number" ? [speedup * 0.98, speedup, speedup * 1.02] : speedup;
  const tinyUps = typeof tinySpeedup === "number" ? ups.map(() => tinySpeedup) : tinySpeedup;
  const wallMs = { 1: ups.map(() => 640), 2: ups.map((s) => 640 / s) };
  const tinyWallMs = { 1: tinyUps.map(() => 120), 2: tinyUps.map((s) => 120 / s) };
  return { jobs: 8, steps: 1_000, wallMs, tinyWallMs, ...(share === null ? {} : { cpuShare: { 1: ups.map(() => 0.98), 2: ups.map(() => share) } }), placement: PLACEMENT, cores };
}

const event = (copy: number, attempt: number, host: string, kind: RunEvent["event"], atMs: number, message?: string): RunEvent => ({
  run: "r", copy, attempt, host, pid: host === "host-1" ? 101 : 102, event: kind, atMs, ...(message ? { message } : {}),
});
const record = (copy: number, host: string, startMs: number, endMs: number): TaskRecord => ({ copy, startMs, endMs, laneKind: "process", pid: host === "host-1" ? 101 : 102, threadId: 0, host, result: 400 });

/** A report made of run events, records of the completed copies and failures. */
function report(submitted: number, runs: RunEvent[], done: TaskRecord[], failed: { copy: number; reason: string }[] = []): JobsReport {
  return { submitted, records: done, failed, runs, roundTripMs: done.map((r) => r.endMs), clockErrorMs: 1, startMs: 0, endMs: 3_000 };
}

export type RedeliveryCase = "redelivered" | "missed" | "lost" | "twice-in-results";

/**
 * Two jobs on host-1 and host-2, host-1 killed at 200 ms. "redelivered": copy 0, cut off on host-1,
 * starts again on host-2 at 1,500 ms and completes. "missed": the kill landed after host-1's job
 * ended. "lost": copy 0 never comes back and fails. "twice-in-results": copy 1 completes and fails.
 */
export function killed(how: RedeliveryCase): beyondOneMachine.FaultResult {
  const base = [event(0, 0, "host-1", "start", 100), event(1, 0, "host-2", "start", 100), event(1, 0, "host-2", "end", 500)];
  const r =
    how === "redelivered"
      ? report(2, [...base, event(0, 1, "host-2", "start", 1_500), event(0, 1, "host-2", "end", 1_900)], [record(0, "host-2", 1_500, 1_900), record(1, "host-2", 100, 500)])
      : how === "missed"
        ? report(2, [...base, event(0, 0, "host-1", "end", 150)], [record(0, "host-1", 100, 150), record(1, "host-2", 100, 500)])
        : how === "lost"
          ? report(2, base, [record(1, "host-2", 100, 500)], [{ copy: 0, reason: "not finished within 30000 ms" }])
          : report(2, [...base, event(0, 1, "host-2", "start", 1_500), event(0, 1, "host-2", "end", 1_900)], [record(0, "host-2", 1_500, 1_900), record(1, "host-2", 100, 500)], [{ copy: 1, reason: "odd" }]);
  return { report: r, killed: { host: "host-1", atMs: 200 }, placement: PLACEMENT, lockDurationMs: 1_000 };
}

export type LostLockCase = "twice" | "stalled" | "once";

/** One 2.5 s job: "twice" starts on both hosts and completes; "stalled" starts twice and fails as stalled; "once" runs once cleanly. */
export function longJob(how: LostLockCase): beyondOneMachine.FaultResult {
  const first = [event(0, 0, "host-1", "start", 10), event(0, 0, "host-1", "end", 2_510)];
  const r =
    how === "twice"
      ? report(1, [...first, event(0, 1, "host-2", "start", 1_400), event(0, 1, "host-2", "end", 3_900)], [record(0, "host-2", 1_400, 3_900)])
      : how === "stalled"
        ? report(1, [...first, event(0, 1, "host-2", "start", 1_400)], [], [{ copy: 0, reason: "job stalled more than allowable limit" }])
        : report(1, first, [record(0, "host-1", 10, 2_510)]);
  return { report: r, killed: null, placement: PLACEMENT, lockDurationMs: 1_000 };
}

export type RestartCase = "mid-batch" | "before-any-end" | "lost";

/** Four jobs, the server killed at 1,000 ms: "mid-batch" has two copies end before and two after; "before-any-end" all after; "lost" loses copy 3. */
export function restarted(how: RestartCase): beyondOneMachine.FaultResult {
  const ends = how === "before-any-end" ? [1_200, 1_300, 1_400, 1_500] : [400, 600, 1_600, 1_800];
  const done = ends.map((end, copy) => record(copy, copy % 2 ? "host-2" : "host-1", end - 200, end));
  const r = how === "lost"
    ? report(4, [], done.slice(0, 3), [{ copy: 3, reason: "the job is gone from the server (was it restarted without its append-only file, or the queue removed?)" }])
    : report(4, [], done);
  return { report: r, killed: { host: "the server", atMs: 1_000 }, placement: PLACEMENT, lockDurationMs: 1_000 };
}
