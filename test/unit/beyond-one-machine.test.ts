/**
 * Chapter 15's verdicts on hand-made evidence (each rule's edges, one CPU, run logs read as runs),
 * its figures and captions, the question's choices, and one real short run of the chapter on this
 * machine: every claim decided and every cluster gone after.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { beyondOneMachine } from "conclab/course";
import { ProcessWatch } from "../helpers/processes";
import { batches, killed, longJob, PLACEMENT, restarted, trips } from "../helpers/queue-evidence";
import { jupyterEnv } from "../../tools/paths";

process.env.PATH = jupyterEnv().PATH;

describe("15: the queue's round trip", () => {
  it("holds only when the whole interval clears 5x, differs only when it lies at or under 2x", () => {
    assert.equal(beyondOneMachine.roundTripClaim(trips([5.9, 6, 6.1])).verdict, "holds");
    assert.equal(beyondOneMachine.roundTripClaim(trips([4, 6, 8])).verdict, "unclear");
    assert.equal(beyondOneMachine.roundTripClaim(trips([1.5, 1.6, 1.7])).verdict, "differs");
    assert.equal(beyondOneMachine.roundTripClaim(trips([1.5, 2.5, 1.7])).verdict, "unclear");
    const one = beyondOneMachine.roundTripClaim(trips([40]));
    assert.equal(one.verdict, "unclear", "one repeat has no interval");
    assert.match(one.rule, /one repeat: no interval/);
  });

  it("is answered by the question's ranges from the observed ratio", () => {
    const question = beyondOneMachine.chapter.questions[0]!;
    assert.equal(question.choose(beyondOneMachine.roundTripClaim(trips(40)).observed!), "c");
    assert.equal(question.choose(beyondOneMachine.roundTripClaim(trips(5)).observed!), "b");
    assert.equal(question.choose(beyondOneMachine.roundTripClaim(trips(1.3)).observed!), "a");
    assert.equal(question.choose(beyondOneMachine.roundTripClaim(trips([3, 30, 9])).observed!), null);
  });

  it("draws both ways and says the numbers", () => {
    const figure = beyondOneMachine.roundTripFigure(trips(40));
    assert.deepEqual(figure.data[0]!.y, [0.05, 2]);
    assert.match(beyondOneMachine.roundTripCaption(trips(40)), /^Median hand-off to a worker thread and back: 50 µs .*median round trip through the queue: 2\.0 ms .*40\.00x the thread's \(median of 3 repeats\)/);
  });
});

describe("15: more workers", () => {
  it("holds at or above 1.5x, differs at or below 1.2x, and is not measured on one CPU", () => {
    assert.equal(beyondOneMachine.scalesClaim(batches([1.58, 1.6, 1.62])).verdict, "holds");
    assert.equal(beyondOneMachine.scalesClaim(batches([1.08, 1.1, 1.12])).verdict, "differs");
    assert.equal(beyondOneMachine.scalesClaim(batches([1.3, 1.35, 1.4])).verdict, "unclear");
    assert.equal(beyondOneMachine.scalesClaim(batches([1.08, 1.1, 1.12], 2, null)).verdict, "differs", "without CPU times the speedup alone decides");
    const denied = beyondOneMachine.scalesClaim(batches([1.08, 1.1, 1.12], 2, 0.55));
    assert.equal(denied.verdict, "unclear", "jobs denied CPU: the machine's shortfall, not the queue's");
    assert.match(denied.reason, /each job of the 2-worker batches had only 55% of a CPU/);
    const one = beyondOneMachine.scalesClaim(batches(1.9, 1));
    assert.equal(one.verdict, "not measured");
    assert.match(one.rule, /^judged only on 2 or more usable CPUs; /);
  });

  it("tiny jobs: holds when the large jobs' speedup clears theirs by 1.25x, differs within 1.1x, and only where the large jobs scaled", () => {
    assert.equal(beyondOneMachine.smallJobsClaim(batches(1.9, 2, 0.97, [1.4, 1.45, 1.5])).verdict, "holds");
    assert.equal(beyondOneMachine.smallJobsClaim(batches(1.9, 2, 0.97, [1.8, 1.82, 1.84])).verdict, "differs");
    const flat = beyondOneMachine.smallJobsClaim(batches(1.1, 2, 0.97, 1.1));
    assert.equal(flat.verdict, "unclear");
    assert.match(flat.reason, /large jobs did not clearly scale/);
    assert.equal(beyondOneMachine.smallJobsClaim(batches(1.9, 1, 0.97, 1.2)).verdict, "not measured");
    assert.match(beyondOneMachine.scalingCaption(batches(1.9, 2, 0.97, 1.2)), /40 tiny jobs \(~1\.0 ms each\): 120 ms on 1 worker, 100 ms on 2, 1\.20x the throughput\./);
  });

  it("the caption says the hosts share this machine's CPUs and that more hosts than cores cannot beat the cores", () => {
    const result = { ...batches(1.9), wallMs: { 1: [640, 640, 640], 2: [340, 336, 338], 4: [330, 332, 334] } };
    const caption = beyondOneMachine.scalingCaption(result);
    assert.match(caption, /4 workers: 332 ms for the batch \(24\.1 jobs\/s, 1\.93x one worker's\)/);
    assert.match(caption, /The workers ran as local processes, not on simulated hosts \(made by hand for a test\); they share this machine's 2 CPUs/);
    assert.match(caption, /4 workers on 2 CPUs cannot beat 2\.00x: they reached 1\.93x\./);
    assert.equal(beyondOneMachine.scalingFigure(result).data.length > 0, true);
  });

  it("a placement on other machines does not claim this machine's CPUs", () => {
    assert.match(beyondOneMachine.placementSentence({ ...PLACEMENT, kind: "external", sharesThisMachine: false }, 2), /their CPUs are their machines' own/);
    assert.match(beyondOneMachine.placementSentence({ ...PLACEMENT, kind: "namespaces", sharesThisMachine: true }, 1), /simulated host.*share this machine's 1 CPU, so no number of them can run more than 1 CPU-bound job at once/);
  });
});

describe("15: faults", () => {
  it("reads a run log as runs, each start with its end on the same host and attempt", () => {
    const runs = beyondOneMachine.jobRuns(killed("redelivered").report.runs);
    assert.deepEqual(runs.map((r) => [r.copy, r.host, r.outcome]), [[0, "host-1", "open"], [1, "host-2", "end"], [0, "host-2", "end"]]);
  });

  it("redelivery is shown only when the cut-off copy ran again elsewhere and every copy is in the results once", () => {
    assert.equal(beyondOneMachine.redeliveryClaim(killed("redelivered")).verdict, "holds");
    assert.equal(beyondOneMachine.redeliveryClaim(killed("missed")).verdict, "unclear");
    assert.equal(beyondOneMachine.redeliveryClaim(killed("lost")).verdict, "unclear");
    assert.equal(beyondOneMachine.redeliveryClaim(killed("twice-in-results")).verdict, "unclear");
    assert.equal(beyondOneMachine.redeliveryClaim({ ...killed("redelivered"), killed: null }).verdict, "unclear");
    assert.match(beyondOneMachine.faultCaption(killed("redelivered")), /^host-1 was killed at 200 ms\. Copy 0 started on host-1 at 100 ms \(never ended\), then on host-2 at 1500 ms \(ended\)\. Of 2 submitted, 2 completed and none failed; each copy is once in the results\./);
  });

  it("a lost lock is shown by a second start or a stalled failure, and a single clean run is unclear", () => {
    assert.equal(beyondOneMachine.lostLockClaim(longJob("twice")).verdict, "holds");
    assert.equal(beyondOneMachine.lostLockClaim(longJob("stalled")).verdict, "holds");
    assert.equal(beyondOneMachine.lostLockClaim(longJob("once")).verdict, "unclear");
    const figure = beyondOneMachine.runsFigure(longJob("stalled"), "t");
    assert.deepEqual(figure.data.map((t) => t.name), ["ran to its end", "never ended (host killed, or cut off)"]);
  });
});

describe("15: a server restart", () => {
  it("is shown only when the crash landed mid-batch and no job was lost, and not measured on a server the course did not start", () => {
    assert.equal(beyondOneMachine.restartClaim(restarted("mid-batch")).verdict, "holds");
    assert.equal(beyondOneMachine.restartClaim(restarted("before-any-end")).verdict, "unclear");
    const lost = beyondOneMachine.restartClaim(restarted("lost"));
    assert.equal(lost.verdict, "unclear");
    assert.match(lost.measured, /2 completed before the crash, 1 after, 1 failed \(the job is gone from the server/);
    assert.equal(beyondOneMachine.restartClaim(null).verdict, "not measured");
  });
});

describe("15: the short run on this machine", () => {
  it("decides every claim with real clusters and leaves nothing running", async () => {
    const watch = new ProcessWatch();
    const { claims, data } = await beyondOneMachine.shortRun();
    assert.deepEqual(claims.map((c) => c.id), [...beyondOneMachine.chapter.claims]);
    for (const c of claims) assert.ok(c.measured.length > 0 && c.rule.length > 0, c.id);
    for (const c of claims.filter((c) => c.kind === "demonstration")) assert.notEqual(c.verdict, "differs", c.id);
    assert.ok((data.roundTrip as { queueMs: number }).queueMs > 0);
    assert.deepEqual(await watch.leftovers(), [], "nothing left running");
  });
});
