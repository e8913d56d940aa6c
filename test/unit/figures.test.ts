import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as conclab from "conclab";
import { testMachine } from "../helpers/results";
import { type CompareResult, type Figure, type LoopLagResult, type MemoryPerUnit, type Span, type StrategyResult, type Trace, durationsFigure, formatBytes, loopLagFigure, memoryPerUnitFigure, speedupFigure, strategyColor, strategyName, summarize, timelineFigure, wallTimeFigure } from "conclab";
import { STYLED_STRATEGIES, byteTicks, idealLine, strategyStyle, textColorOn } from "conclab/internal";

// --- fixtures, built by hand -------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the fixtures index deep into plotly's untyped data
type Obj = Record<string, any>;

function strategy(key: StrategyResult["strategy"], wall: number[], speedup: number[] | null, suspect: string[] = []): StrategyResult {
  const s = speedup ? summarize(speedup) : null;
  return {
    strategy: key,
    wallMs: summarize(wall),
    speedup: s,
    idealSpeedup: key === "threads" || key === "processes" ? 4 : 1,
    efficiency: s ? s.median / 4 : null,
    spans: [],
    memory: { rssBeforeBytes: 0, rssPeakBytes: 0, rssAfterBytes: 0, heapBeforeBytes: 0, heapPeakBytes: 0, heapAfterBytes: 0, perLane: [] },
    results: [],
    contention: null, coresBusy: null,
    suspect,
  };
}

const SUSPECT = "eventLoop took 1.40x the sequential time, but CPU work on one thread cannot overlap, so it should be 1.00x: the measurement was disturbed";

const RESULT: CompareResult = {
  task: "countTo",
  args: [20_000_000],
  copies: 4,
  repeats: 3,
  addedRepeats: 0,
  warmup: 2,
  environment: { ...testMachine(4), cpuModel: "test CPU", node: "v20.0.0", totalMemoryBytes: 8e9 },
  cpuBound: true,
  strategies: [
    strategy("sequential", [400, 420, 410], [1, 1, 1]),
    strategy("eventLoop", [560, 570, 580], [0.71, 0.74, 0.71], [SUSPECT]),
    strategy("threads", [110, 120, 130], [3.64, 3.5, 3.15]),
    strategy("python:threads", [1600, 1650, 1700], [0.25, 0.25, 0.24]),
  ],
  noise: { relativeSpread: 0.2, contention: null, steal: null, busy: false, note: "" },
  startedAtMs: 0,
  finishedAtMs: 1,
};

const T0 = 1_700_000_000_000;
function span(strategy: string, repeat: number, copy: number, lane: string, start: number, end: number): Span {
  const laneKind = lane === "main" ? "main" : lane.startsWith("thread") ? "thread" : "process";
  return { strategy, repeat, copy, laneKind, lane, pid: 100, threadId: laneKind === "thread" ? Number(lane.split(" ")[1]) : 0, startMs: T0 + start, endMs: T0 + end };
}

const SPANS: Span[] = [
  span("sequential", 0, 0, "main", 0, 100),
  span("sequential", 0, 1, "main", 100, 200),
  span("threads", 0, 0, "thread 4", 210, 310),
  span("threads", 0, 1, "thread 3", 205, 300),
  span("sequential", 1, 0, "main", 1000, 1090),
  span("sequential", 1, 1, "main", 1090, 1180),
  span("threads", 1, 0, "thread 3", 1200, 1290),
  span("threads", 1, 1, "thread 4", 1201, 1295),
];

function lag(ticks: [number, number][], intervalMs = 10): LoopLagResult<unknown> {
  return {
    result: undefined,
    durationMs: ticks.length ? ticks[ticks.length - 1]![0] : 0,
    intervalMs,
    ticks: ticks.map(([atMs, lateMs]) => ({ atMs, lateMs })),
    maxLateMs: Math.max(0, ...ticks.map((t) => t[1])),
    histogram: { p50Ms: 0, p99Ms: 0, maxMs: 0, samples: 0 },
    utilization: 0.5,
  };
}

const MEMORY: MemoryPerUnit[] = [
  { strategy: "async", count: 10_000, bytesPerUnit: 819.2, totalBytes: 8_192_000, metric: "heap" },
  { strategy: "threads", count: 8, bytesPerUnit: 9.5 * 1024 * 1024, totalBytes: 76 * 1024 * 1024, metric: "rss" },
  { strategy: "processes", count: 8, bytesPerUnit: 40 * 1024 * 1024, totalBytes: 320 * 1024 * 1024, metric: "pss" },
];

function allFigures(): Record<string, Figure> {
  return {
    wallTime: wallTimeFigure(RESULT),
    timeline: timelineFigure(SPANS),
    speedup: speedupFigure(
      [
        { strategy: "threads", workers: 1, speedup: 1 },
        { strategy: "threads", workers: 4, speedup: summarize([3.5, 3.6, 3.2]) },
        { strategy: "python:threads", workers: 4, speedup: 0.9 },
      ],
      { cores: 4 },
    ),
    memory: memoryPerUnitFigure(MEMORY),
    loopLag: loopLagFigure([
      { label: "CPU task on the main thread", lag: lag([[10, 0], [400, 385]]) },
      { label: "same task on a worker", lag: lag([[10, 0.2], [20, 0.1]]), strategy: "threads" },
    ]),
  };
}

const layoutOf = (f: Figure): Obj => f.layout as Obj;
const trace = (f: Figure, i: number): Obj => f.data[i] as Obj;
const titleText = (t: unknown): string => (typeof t === "string" ? t : (t as { text: string }).text);

/** CIELAB lightness of `#rrggbb`. */
function lightness(hex: string): number {
  const lin = (i: number): number => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const y = 0.2126 * lin(1) + 0.7152 * lin(3) + 0.0722 * lin(5);
  return 116 * (y > 0.008856 ? Math.cbrt(y) : 7.787 * y + 16 / 116) - 16;
}

function hue(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

// --- every figure -------------------------------------------------------------------------------

describe("every figure", () => {
  it("has a title, both axes titled with a unit, the shared config, and only bar/scatter/pie traces", () => {
    for (const [name, figure] of Object.entries(allFigures())) {
      const layout = layoutOf(figure);
      assert.ok(titleText(layout.title).length > 0, `${name} has a title`);
      for (const axisName of ["xaxis", "yaxis"]) {
        const text = titleText(layout[axisName].title);
        assert.match(text, /\(.+\)/, `${name}.${axisName} title names its unit: ${text}`);
      }
      assert.equal(layout.paper_bgcolor, "#ffffff");
      assert.equal(layout.plot_bgcolor, "#ffffff");
      assert.equal(typeof layout.height, "number");
      assert.equal(typeof layout.font.family, "string");
      assert.equal(figure.config?.displaylogo, false, name);
      assert.equal(figure.config?.responsive, true, name);
      assert.ok(figure.data.length > 0);
      for (const t of figure.data) assert.ok(["bar", "scatter", "pie"].includes(t.type), `${name}: ${t.type}`);
    }
  });

  it("round-trips through JSON unchanged (no functions, no undefined, no NaN)", () => {
    for (const [name, figure] of Object.entries(allFigures())) {
      assert.deepEqual(JSON.parse(JSON.stringify(figure)), figure, name);
      assert.doesNotMatch(JSON.stringify(figure), /null|NaN|Infinity/, name);
    }
  });

  it("gives a strategy the same colour in every figure", () => {
    const f = allFigures();
    const threadsInWall = trace(f.wallTime!, 0).marker.color[RESULT.strategies.findIndex((s) => s.strategy === "threads")];
    const threadsInTimeline = (f.timeline!.data as readonly Obj[]).find((t) => t.name === strategyName("threads"))!.marker.color;
    const threadsInSpeedup = (f.speedup!.data as readonly Obj[]).find((t) => t.name === strategyName("threads"))!.line.color;
    const threadsInMemory = trace(f.memory!, 0).marker.color[1];
    const threadsInLag = trace(f.loopLag!, 1).line.color;
    const expected = strategyColor("threads");
    for (const c of [threadsInWall, threadsInTimeline, threadsInSpeedup, threadsInMemory, threadsInLag]) assert.equal(c, expected);
    const pyInWall = trace(f.wallTime!, 0).marker.color[3];
    const pyInSpeedup = (f.speedup!.data as readonly Obj[]).find((t) => t.name === "CPython threads")!.line.color;
    assert.equal(pyInWall, pyInSpeedup);
    assert.notEqual(pyInWall, expected);
  });

  it("are exported from conclab for notebooks", () => {
    for (const name of ["durationsFigure", "wallTimeFigure", "timelineFigure", "speedupFigure", "memoryPerUnitFigure", "loopLagFigure", "strategyColor", "strategyName"]) {
      assert.equal(typeof (conclab as unknown as Obj)[name], "function", name);
    }
    assert.ok(durationsFigure([1, 2, 3], "t").data.length > 0);
  });
});

// --- style -------------------------------------------------------------------------------------

describe("style", () => {
  it("names strategies for readers and falls back to the key for unknown ones", () => {
    assert.equal(strategyName("eventLoop"), "event loop (Promise.all)");
    assert.equal(strategyName("threads"), "worker threads");
    assert.equal(strategyName("processes"), "child processes");
    assert.equal(strategyName("python:threads"), "CPython threads");
    assert.equal(strategyName("mystery"), "mystery");
    assert.match(strategyColor("mystery"), /^#[0-9a-f]{6}$/);
    assert.equal(new Set(STYLED_STRATEGIES.map(strategyColor)).size, STYLED_STRATEGIES.length, "every strategy has its own colour");
  });

  it("puts Node strategies in blues, CPython in oranges and the job queue in green, each family apart in lightness", () => {
    const node = STYLED_STRATEGIES.filter((k) => !k.startsWith("python:") && k !== "queue");
    const python = STYLED_STRATEGIES.filter((k) => k.startsWith("python:"));
    assert.deepEqual(node.sort(), ["async", "eventLoop", "processes", "sequential", "threads"]);
    assert.equal(python.length, 3);
    for (const k of node) assert.ok(hue(strategyColor(k)) > 180 && hue(strategyColor(k)) < 260, `${k} is blue`);
    for (const k of python) assert.ok(hue(strategyColor(k)) > 10 && hue(strategyColor(k)) < 45, `${k} is orange`);
    for (const family of [node, python]) {
      const levels = family.map((k) => lightness(strategyColor(k))).sort((a, b) => a - b);
      for (let i = 1; i < levels.length; i++) assert.ok(levels[i]! - levels[i - 1]! >= 10, `lightness steps ${levels.map((l) => l.toFixed(0))}`);
    }
    assert.ok(hue(strategyColor("queue")) > 90 && hue(strategyColor("queue")) < 150, "the queue is green");
    // Beside Node's strategies in the same figures: apart from each of them in grey too.
    for (const k of node) assert.ok(Math.abs(lightness(strategyColor("queue")) - lightness(strategyColor(k))) >= 5, `queue apart from ${k} in lightness`);
    assert.equal(strategyStyle("threads").dash, "solid");
    assert.equal(strategyStyle("python:threads").dash, "dot");
  });

  it("picks readable text on dark and light fills", () => {
    assert.equal(textColorOn(strategyColor("sequential")), "#ffffff");
    assert.equal(textColorOn(strategyColor("processes")), "#111111");
  });
});

// --- wall time ---------------------------------------------------------------------------------

describe("wallTimeFigure", () => {
  const figure = wallTimeFigure(RESULT);
  const bars = trace(figure, 0);
  const dots = trace(figure, 1);

  it("draws a bar per strategy at its median, named for readers", () => {
    assert.equal(bars.type, "bar");
    assert.deepEqual(bars.x, ["sequential", "event loop (Promise.all)", "worker threads", "CPython threads"]);
    assert.deepEqual(bars.y, [410, 570, 120, 1650]);
    assert.deepEqual(bars.marker.color, RESULT.strategies.map((s) => strategyColor(s.strategy)));
  });

  it("has asymmetric error bars from min to max", () => {
    assert.equal(bars.error_y.type, "data");
    assert.equal(bars.error_y.symmetric, false);
    assert.deepEqual(bars.error_y.array, [10, 10, 10, 50]);
    assert.deepEqual(bars.error_y.arrayminus, [10, 10, 10, 50]);
    const lopsided = wallTimeFigure({ ...RESULT, strategies: [strategy("threads", [100, 101, 150], null)] });
    assert.deepEqual(trace(lopsided, 0).error_y.array, [49]);
    assert.deepEqual(trace(lopsided, 0).error_y.arrayminus, [1]);
  });

  it("shows every repeat as a dot over its bar", () => {
    assert.equal(dots.type, "scatter");
    assert.equal(dots.mode, "markers");
    assert.equal(dots.x.length, 12);
    assert.deepEqual(dots.x.slice(0, 3), ["sequential", "sequential", "sequential"]);
    assert.deepEqual(dots.y.slice(6, 9), [110, 120, 130]);
  });

  it("puts median, min–max, speedup and efficiency in the hover text", () => {
    const hover: string = bars.hovertext[2];
    assert.match(hover, /worker threads/);
    assert.match(hover, /median 120 ms/);
    assert.match(hover, /110–130 ms/);
    assert.match(hover, /speedup ×3\.50/);
    assert.match(hover, /efficiency 88%/);
    const noBaseline = wallTimeFigure({ ...RESULT, strategies: [strategy("threads", [1, 2, 3], null)] });
    assert.match(trace(noBaseline, 0).hovertext[0], /no sequential run/);
  });

  it("hatches and labels suspect strategies, shortly", () => {
    assert.deepEqual(bars.marker.pattern.shape, ["", "/", "", ""]);
    const notes = layoutOf(figure).annotations as readonly Obj[];
    assert.equal(notes.length, 1);
    assert.equal(notes[0]!.x, "event loop (Promise.all)");
    assert.equal(notes[0]!.y, 580);
    assert.match(notes[0]!.text, /^suspect: eventLoop took 1\.40x the sequential time$/);
    assert.ok(notes[0]!.text.length <= 60);
  });

  it("titles itself from the experiment, or as told, with the y axis in ms", () => {
    assert.equal(titleText(layoutOf(figure).title), "4 × countTo(20_000_000) — wall time per strategy");
    assert.equal(titleText(layoutOf(wallTimeFigure(RESULT, { title: "Mine" })).title), "Mine");
    assert.equal(titleText(layoutOf(figure).yaxis.title), "wall time of one run (ms)");
  });

  it("refuses what is not a compare() result, naming the parameter", () => {
    assert.throws(() => wallTimeFigure(null as never), { name: "TypeError", message: /^result must be a CompareResult.*got null; pass/ });
    assert.throws(() => wallTimeFigure({ ...RESULT, strategies: [] }), { name: "RangeError", message: /result\.strategies must be a non-empty array.*got an array of 0; pass the result of compare/ });
    assert.throws(() => wallTimeFigure({ ...RESULT, strategies: [{ ...RESULT.strategies[0]!, wallMs: undefined as never }] }), {
      name: "TypeError",
      message: /result\.strategies\[0\]\.wallMs must be a Stat/,
    });
    assert.throws(() => wallTimeFigure(RESULT, { title: 3 as never }), { name: "TypeError", message: /options\.title must be a non-empty string, got 3 \(number\)/ });
  });
});

// --- timeline ----------------------------------------------------------------------------------

describe("timelineFigure", () => {
  const figure = timelineFigure(SPANS);

  it("draws repeat 0 as horizontal bars, a trace per strategy, from the earliest span", () => {
    assert.equal(figure.data.length, 2);
    const [seq, thr] = figure.data as readonly Obj[];
    for (const t of [seq!, thr!]) {
      assert.equal(t.type, "bar");
      assert.equal(t.orientation, "h");
    }
    assert.equal(seq!.name, "sequential");
    assert.deepEqual(seq!.base, [0, 100]);
    assert.deepEqual(seq!.x, [100, 100]);
    assert.deepEqual(seq!.y, ["sequential · main", "sequential · main"]);
    assert.deepEqual(seq!.text, ["copy 0", "copy 1"]);
    // Sorted by start: copy 1 on thread 3 started first.
    assert.deepEqual(thr!.base, [205, 210]);
    assert.deepEqual(thr!.x, [95, 100]);
    assert.deepEqual(thr!.y, ["threads · thread 3", "threads · thread 4"]);
    assert.deepEqual(thr!.text, ["copy 1", "copy 0"]);
    assert.equal(thr!.marker.color, strategyColor("threads"));
  });

  it("orders the rows grouped by strategy, first at the top", () => {
    const y = layoutOf(figure).yaxis;
    assert.deepEqual(y.categoryarray, ["sequential · main", "threads · thread 3", "threads · thread 4"]);
    assert.equal(y.autorange, "reversed");
    assert.equal(layoutOf(figure).barmode, "overlay");
    assert.equal(titleText(layoutOf(figure).xaxis.title), "time since the run started (ms)");
  });

  it("shows another repeat when asked, and can line strategies up at 0", () => {
    const second = timelineFigure(SPANS, { repeat: 1 });
    assert.deepEqual(trace(second, 0).base, [0, 90]);
    assert.deepEqual(trace(second, 1).base, [200, 201]);
    assert.deepEqual(trace(second, 1).y, ["threads · thread 3", "threads · thread 4"]);
    const aligned = timelineFigure(SPANS, { alignStrategies: true });
    assert.deepEqual(trace(aligned, 1).base, [0, 5]);
  });

  it("draws a compare() result as it draws every strategy's spans of it", () => {
    const keys = [...new Set(SPANS.map((s) => s.strategy))];
    const result = { ...RESULT, strategies: keys.map((key) => ({ ...RESULT.strategies[0]!, strategy: key, spans: SPANS.filter((s) => s.strategy === key) })) } as CompareResult;
    assert.ok(keys.length >= 2, "the fixture spans two strategies");
    assert.deepEqual(timelineFigure(result, { alignStrategies: true }), timelineFigure(SPANS, { alignStrategies: true }));
  });

  it("refuses empty or broken spans and a repeat that is not there", () => {
    assert.throws(() => timelineFigure([]), { name: "RangeError", message: /^spans must be a non-empty array of spans, got an array of 0; pass a compare\(\) result, or the spans/ });
    assert.throws(() => timelineFigure("x" as never), { name: "TypeError", message: /^spans must be an array/ });
    assert.throws(() => timelineFigure(SPANS, { repeat: 7 }), { name: "RangeError", message: /options\.repeat must be one of the repeats the spans hold \(0, 1\), got 7 \(number\)/ });
    assert.throws(() => timelineFigure(SPANS, { repeat: -1 }), { name: "RangeError", message: /options\.repeat/ });
    assert.throws(() => timelineFigure([{ ...SPANS[0]!, endMs: SPANS[0]!.startMs - 1 }]), { name: "RangeError", message: /spans\[0\]\.endMs must be a finite number ≥/ });
    assert.throws(() => timelineFigure([{ ...SPANS[0]!, startMs: Number.NaN }]), { name: "RangeError", message: /spans\[0\]\.startMs must be a finite number, got NaN/ });
  });
});

// --- speedup -----------------------------------------------------------------------------------

describe("speedupFigure", () => {
  const points = [
    { strategy: "threads", workers: 8, speedup: summarize([3.8, 3.9, 3.5]) },
    { strategy: "threads", workers: 1, speedup: summarize([1, 0.98, 1.01]) },
    { strategy: "threads", workers: 2, speedup: summarize([1.9, 2, 1.95]) },
    { strategy: "eventLoop", workers: 1, speedup: 1 },
    { strategy: "eventLoop", workers: 8, speedup: 0.97 },
  ];
  const figure = speedupFigure(points, { cores: 4 });

  it("draws the ideal y = min(x, cores), dashed", () => {
    const ideal = trace(figure, 0);
    assert.equal(ideal.type, "scatter");
    assert.equal(ideal.line.dash, "dash");
    assert.deepEqual(ideal.x, [1, 4, 8]);
    assert.deepEqual(ideal.y, [1, 4, 4]);
    assert.deepEqual(idealLine(16, 8), { x: [1, 16], y: [1, 16] });
    assert.deepEqual(idealLine(1, 4), { x: [1, 4], y: [1, 1] });
  });

  it("draws a line per strategy, sorted by workers, with min–max whiskers when Stats are given", () => {
    const threads = trace(figure, 1);
    assert.equal(threads.name, "worker threads");
    assert.equal(threads.mode, "lines+markers");
    assert.deepEqual(threads.x, [1, 2, 8]);
    assert.deepEqual(threads.y, [1, 1.95, 3.8]);
    assert.equal(threads.error_y.symmetric, false);
    assert.deepEqual(threads.error_y.array.map((v: number) => +v.toFixed(6)), [0.01, 0.05, 0.1]);
    assert.deepEqual(threads.error_y.arrayminus.map((v: number) => +v.toFixed(6)), [0.02, 0.05, 0.3]);
    const eventLoop = trace(figure, 2);
    assert.deepEqual(eventLoop.y, [1, 0.97]);
    assert.equal(eventLoop.error_y, undefined, "plain numbers get no whiskers");
  });

  it("marks the core count with a labelled vertical dashed line at x = cores", () => {
    const layout = layoutOf(figure);
    const [line] = layout.shapes as readonly Obj[];
    assert.equal(line!.type, "line");
    assert.equal(line!.x0, 4);
    assert.equal(line!.x1, 4);
    assert.equal(line!.yref, "paper");
    assert.equal(line!.line.dash, "dash");
    assert.equal(layout.annotations[0].text, "4 cores");
    assert.equal(layout.annotations[0].x, 4);
    assert.equal(layoutOf(speedupFigure([{ strategy: "threads", workers: 2, speedup: 1 }], { cores: 1 })).annotations[0].text, "1 core");
    assert.equal(titleText(layout.xaxis.title), "workers (copies run at once)");
    assert.equal(titleText(layout.yaxis.title), "speedup over sequential (×)");
  });

  it("refuses bad cores and points, naming them", () => {
    assert.throws(() => speedupFigure(points, { cores: 0 }), { name: "RangeError", message: /^options\.cores must be an integer from 1 to 4096, got 0 \(number\); pass the machine's core count/ });
    assert.throws(() => speedupFigure(points, undefined as never), { name: "TypeError", message: /^options must be an object with cores, got undefined/ });
    assert.throws(() => speedupFigure(points, {} as never), { name: "TypeError", message: /options\.cores must be an integer/ });
    assert.throws(() => speedupFigure([], { cores: 4 }), { name: "RangeError", message: /^points must be a non-empty array/ });
    assert.throws(() => speedupFigure([{ strategy: "threads", workers: 0, speedup: 1 }], { cores: 4 }), { name: "RangeError", message: /points\[0\]\.workers/ });
    assert.throws(() => speedupFigure([{ strategy: "threads", workers: 2, speedup: -1 }], { cores: 4 }), { name: "RangeError", message: /points\[0\]\.speedup must be a finite number ≥ 0, got -1/ });
    assert.throws(() => speedupFigure([{ strategy: "threads", workers: 2, speedup: null as never }], { cores: 4 }), { name: "TypeError", message: /points\[0\]\.speedup must be a Stat/ });
  });
});

// --- memory ------------------------------------------------------------------------------------

describe("memoryPerUnitFigure", () => {
  const figure = memoryPerUnitFigure(MEMORY);
  const bars = trace(figure, 0);

  it("draws a bar per unit kind on a log axis with byte tick labels", () => {
    assert.equal(bars.type, "bar");
    assert.deepEqual(bars.y, MEMORY.map((m) => m.bytesPerUnit));
    assert.deepEqual(bars.text, ["0.8 KB", "9.5 MB", "40 MB"]);
    assert.deepEqual(bars.marker.color, [strategyColor("async"), strategyColor("threads"), strategyColor("processes")]);
    const y = layoutOf(figure).yaxis;
    assert.equal(y.type, "log");
    assert.deepEqual(y.ticktext, ["100 B", "1 KB", "10 KB", "100 KB", "1 MB", "10 MB", "100 MB"]);
    assert.deepEqual(y.tickvals, [100, 1024, 10240, 102400, 1024 ** 2, 10 * 1024 ** 2, 100 * 1024 ** 2]);
    assert.ok(y.range[0] <= Math.log10(819.2) && y.range[1] >= Math.log10(40 * 1024 ** 2));
  });

  it("names the unit and the metric in the x label and the hover", () => {
    assert.match(bars.x[0], /^async task<br>\(heap, 10,000 started\)$/);
    assert.match(bars.x[1], /worker thread.*rss/);
    assert.match(bars.x[2], /child process.*pss/);
    assert.match(bars.hovertext[0], /metric: heap/);
    assert.match(bars.hovertext[2], /metric: pss \(proportional set size/);
    assert.match(titleText(layoutOf(figure).yaxis.title), /bytes/);
  });

  it("formats bytes and ticks readably, and draws zero growth at 1 byte", () => {
    assert.equal(formatBytes(50), "50 B");
    assert.equal(formatBytes(819), "0.8 KB");
    assert.equal(formatBytes(12_345), "12 KB");
    assert.equal(formatBytes(3 * 1024 ** 3), "3 GB");
    assert.deepEqual(byteTicks(5, 50).labels, ["1 B", "10 B", "100 B"]);
    const zero = memoryPerUnitFigure([{ strategy: "async", count: 10, bytesPerUnit: 0, totalBytes: 0, metric: "heap" }]);
    assert.deepEqual(trace(zero, 0).y, [1]);
    assert.deepEqual(trace(zero, 0).text, ["0 B"]);
  });

  it("refuses bad measures, naming them", () => {
    assert.throws(() => memoryPerUnitFigure([]), { name: "RangeError", message: /^measures must be a non-empty array.*got an array of 0; pass what measureMemory\(\) returned/ });
    assert.throws(() => memoryPerUnitFigure([{ ...MEMORY[0]!, strategy: "fibers" as never }]), { name: "RangeError", message: /measures\[0\]\.strategy must be one of "async", "threads", "processes", got "fibers" \(string\)/ });
    assert.throws(() => memoryPerUnitFigure([{ ...MEMORY[0]!, bytesPerUnit: -5 }]), { name: "RangeError", message: /measures\[0\]\.bytesPerUnit must be a finite number ≥ 0, got -5/ });
  });
});

// --- loop lag ----------------------------------------------------------------------------------

describe("loopLagFigure", () => {
  const figure = loopLagFigure([
    { label: "CPU task on the main thread", lag: lag([[10, 0], [400, 385], [410, 0.5]]) },
    { label: "same task on a worker", lag: lag([[10, 0.2], [20, 0.1]]) },
  ]);

  it("draws each label's ticks: x = when, y = how late", () => {
    const [main, worker] = figure.data as readonly Obj[];
    assert.equal(main!.type, "scatter");
    assert.equal(main!.mode, "markers", "no line invents ticks between two late ones");
    assert.deepEqual(main!.x, [10, 400, 410]);
    assert.deepEqual(main!.y, [0, 385, 0.5]);
    assert.match(main!.name, /^CPU task on the main thread \(at worst 385 ms late\)$/);
    assert.deepEqual(worker!.y, [0.2, 0.1]);
    assert.notEqual(main!.line.color, worker!.line.color);
    const layout = layoutOf(figure);
    assert.equal(titleText(layout.xaxis.title), "time since start (ms)");
    assert.equal(titleText(layout.yaxis.title), "timer lateness (ms)");
    assert.match(titleText(layout.title), /10 ms timer/);
  });

  it("refuses bad series, naming them", () => {
    assert.throws(() => loopLagFigure([]), { name: "RangeError", message: /^series must be a non-empty array/ });
    assert.throws(() => loopLagFigure([{ label: "", lag: lag([]) }]), { name: "TypeError", message: /series\[0\]\.label must be a non-empty string/ });
    assert.throws(() => loopLagFigure([{ label: "x", lag: {} as never }]), { name: "TypeError", message: /series\[0\]\.lag must be a LoopLagResult/ });
  });
});

// Keeps the Trace type import honest: a figure's traces are plain objects with a type.
const _typed: readonly Trace[] = allFigures().wallTime!.data;
void _typed;
