/**
 * Reference recordings: what the course's experiments measured on one named machine, kept in
 * `reference/<machine>.json` so that a reader whose machine has fewer CPUs can see, beside their
 * own numbers, what more cores show. A recording is never mixed into a reader's verdicts.
 * `recordReference()` makes one (every chapter's short version, and a speedup curve with CPUs
 * busy in Node and CPython); `readReference()` checks one, naming the field that is wrong.
 */
import * as os from "node:os";
import { describeMachine, type MachineDescription } from "../environment";
import { calibrate } from "../experiment/calibrate";
import type { Stat } from "../measure/stats";
import { findPython } from "../python";
import { countTo } from "../tasks/cpu";
import type { Claim, Verdict } from "./claims";
import { strategyDescriptor } from "../strategies/descriptors";
import { scalingCopies, scalingCurve, type ScalingPoint } from "./chapters/07-choosing";
import { CHAPTERS } from "./registry";

/** The version of the file format; readReference() refuses any other. */
export const REFERENCE_SCHEMA = 1;

/** Repeats' summary as a recording keeps it. */
export interface RecordedStat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

/** One point of the recorded curve: `copies` copies of the CPU task under one strategy. */
export interface ReferenceCurvePoint {
  readonly runtime: "node" | "python";
  readonly strategy: string;
  readonly copies: number;
  /** Wall-time speedup over the same copies one after another, paired by repeat. */
  readonly speedup: RecordedStat;
  /** CPUs busy at once (CPU time over wall time), where the machine let it be read. */
  readonly coresBusy: RecordedStat | null;
  /** Whether compare() found other programs using the CPUs meanwhile. */
  readonly busy: boolean;
}

export interface ReferenceRecording {
  readonly schema: typeof REFERENCE_SCHEMA;
  /** ISO 8601, when the recording started. */
  readonly recordedAt: string;
  /** The command that made it, as typed. */
  readonly command: string;
  readonly machine: MachineDescription;
  readonly python: { readonly version: string; readonly gil: boolean } | null;
  /** 1, 5 and 15 minute load averages before and after the recording. */
  readonly load: { readonly before: readonly number[]; readonly after: readonly number[] };
  /** Each chapter's short version: its claims and numbers, by section name. */
  readonly sections: Readonly<Record<string, { readonly claims: readonly Claim[]; readonly data: Readonly<Record<string, unknown>> }>>;
  readonly curve: readonly ReferenceCurvePoint[];
}

const kept = (s: Stat): RecordedStat => ({ median: s.median, min: s.min, max: s.max, samples: [...s.samples] });

/** A point of scalingCurve() as a recording keeps it. */
const recorded = (p: ScalingPoint): ReferenceCurvePoint => ({
  runtime: strategyDescriptor(p.strategy)?.runtime === "python" ? "python" : "node",
  strategy: p.strategy,
  copies: p.workers,
  speedup: kept(p.speedup),
  coresBusy: p.coresBusy ? kept(p.coresBusy) : null,
  busy: p.busy,
});

/**
 * The curve of a recording: scalingCurve() at each count of copies in `scalingCopies(cores)`, of
 * countTo (about `taskMs` each) on worker threads and child processes, then the same in CPython
 * (threads and processes) where one is found.
 */
export async function recordCurve(options: { taskMs?: number; repeats?: number; onRuntime?: (runtime: "node" | "python") => void } = {}): Promise<ReferenceCurvePoint[]> {
  const copies = scalingCopies(describeMachine().cores);
  const taskMs = options.taskMs ?? 150;
  const repeats = options.repeats ?? 3;
  options.onRuntime?.("node");
  const node = await scalingCurve({ task: countTo, args: [await calibrate(countTo, { targetMs: taskMs })], copies, repeats });
  if (!findPython()) return node.map(recorded);
  options.onRuntime?.("python");
  const python = await scalingCurve({ task: countTo, args: [await calibrate(countTo, { targetMs: taskMs, runtime: "python" })], copies, strategies: ["python"], repeats });
  return [...node, ...python].map(recorded);
}

/** Runs every chapter's short version and the curve, and returns the recording. */
export async function recordReference(command: string, options: { onStep?: (step: string) => void } = {}): Promise<ReferenceRecording> {
  const say = options.onStep ?? (() => undefined);
  const recordedAt = new Date().toISOString();
  const before = os.loadavg();
  const python = findPython();
  const sections: Record<string, { claims: readonly Claim[]; data: Readonly<Record<string, unknown>> }> = {};
  for (const { id: section, shortRun } of CHAPTERS) {
    if (!shortRun) continue;
    say(section);
    const { claims, data } = await shortRun();
    sections[section] = { claims, data };
  }
  const curve = await recordCurve({ onRuntime: (runtime) => say(`curve, ${runtime === "python" ? "CPython" : "Node"}`) });
  return {
    schema: REFERENCE_SCHEMA,
    recordedAt,
    command,
    machine: describeMachine(),
    python: python ? { version: python.version, gil: python.gil } : null,
    load: { before, after: os.loadavg() },
    sections,
    curve,
  };
}

/** A file name for `machine`'s recording: its CPUs and CPU model, e.g. `16-cpus-intel-xeon-platinum-8480.json`. */
export function referenceFileName(machine: Pick<MachineDescription, "cores" | "cpuModel">): string {
  const model = machine.cpuModel.toLowerCase().replace(/\((r|tm)\)/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "unknown-cpu";
  return `${machine.cores}-cpus-${model}.json`;
}

const VERDICTS: readonly Verdict[] = ["holds", "differs", "unclear", "not measured"];

class Shape {
  constructor(private readonly source: string) {}

  fail(field: string, expected: string, got: unknown): never {
    throw new TypeError(`${this.source}: ${field} must be ${expected}, got ${JSON.stringify(got)?.slice(0, 80) ?? String(got)}; record it again with npm run record-reference`);
  }

  object(value: unknown, field: string): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(field, "an object", value);
    return value as Record<string, unknown>;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== "string" || value.length === 0) this.fail(field, "a non-empty string", value);
    return value;
  }

  number(value: unknown, field: string, min = Number.NEGATIVE_INFINITY): number {
    if (typeof value !== "number" || !Number.isFinite(value) || value < min) this.fail(field, `a finite number${min > Number.NEGATIVE_INFINITY ? ` ≥ ${min}` : ""}`, value);
    return value;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) this.fail(field, "an array", value);
    return value;
  }

  stat(value: unknown, field: string): void {
    const s = this.object(value, field);
    for (const key of ["median", "min", "max"]) this.number(s[key], `${field}.${key}`, 0);
    const samples = this.array(s.samples, `${field}.samples`);
    if (samples.length === 0) this.fail(`${field}.samples`, "a non-empty array", samples);
    samples.forEach((v, i) => this.number(v, `${field}.samples[${i}]`, 0));
  }
}

/**
 * Checks that `value` (a parsed reference file; `source` names it in errors) has the recording's
 * shape, and returns it typed. Throws a TypeError naming the first field that is wrong.
 */
export function readReference(value: unknown, source: string): ReferenceRecording {
  const shape = new Shape(source);
  const r = shape.object(value, "the recording");
  if (r.schema !== REFERENCE_SCHEMA) shape.fail("schema", String(REFERENCE_SCHEMA), r.schema);
  if (Number.isNaN(Date.parse(shape.string(r.recordedAt, "recordedAt")))) shape.fail("recordedAt", "an ISO 8601 date", r.recordedAt);
  shape.string(r.command, "command");
  const machine = shape.object(r.machine, "machine");
  shape.number(machine.cores, "machine.cores", 1);
  for (const key of ["cpuModel", "node", "platform"]) shape.string(machine[key], `machine.${key}`);
  shape.number(machine.totalMemoryBytes, "machine.totalMemoryBytes", 1);
  shape.object(machine.cpuLimit, "machine.cpuLimit");
  if (r.python !== null) {
    const python = shape.object(r.python, "python");
    shape.string(python.version, "python.version");
    if (typeof python.gil !== "boolean") shape.fail("python.gil", "true or false", python.gil);
  }
  const load = shape.object(r.load, "load");
  for (const key of ["before", "after"]) {
    const values = shape.array(load[key], `load.${key}`);
    if (values.length !== 3) shape.fail(`load.${key}`, "the 1, 5 and 15 minute load averages", values);
    values.forEach((v, i) => shape.number(v, `load.${key}[${i}]`, 0));
  }
  const sections = shape.object(r.sections, "sections");
  if (Object.keys(sections).length === 0) shape.fail("sections", "the chapters' short versions", sections);
  for (const [name, entry] of Object.entries(sections)) {
    const section = shape.object(entry, `sections.${name}`);
    shape.object(section.data, `sections.${name}.data`);
    shape.array(section.claims, `sections.${name}.claims`).forEach((c, i) => {
      const claim = shape.object(c, `sections.${name}.claims[${i}]`);
      for (const key of ["id", "section", "claim", "measured", "reason", "rule"]) shape.string(claim[key], `sections.${name}.claims[${i}].${key}`);
      if (!VERDICTS.includes(claim.verdict as Verdict)) shape.fail(`sections.${name}.claims[${i}].verdict`, VERDICTS.join(" | "), claim.verdict);
    });
  }
  const curve = shape.array(r.curve, "curve");
  if (curve.length === 0) shape.fail("curve", "a non-empty array of points", curve);
  curve.forEach((p, i) => {
    const point = shape.object(p, `curve[${i}]`);
    if (point.runtime !== "node" && point.runtime !== "python") shape.fail(`curve[${i}].runtime`, '"node" or "python"', point.runtime);
    shape.string(point.strategy, `curve[${i}].strategy`);
    if (!Number.isInteger(point.copies) || (point.copies as number) < 1) shape.fail(`curve[${i}].copies`, "a whole number ≥ 1", point.copies);
    shape.stat(point.speedup, `curve[${i}].speedup`);
    if (point.coresBusy !== null) shape.stat(point.coresBusy, `curve[${i}].coresBusy`);
    if (typeof point.busy !== "boolean") shape.fail(`curve[${i}].busy`, "true or false", point.busy);
  });
  return value as ReferenceRecording;
}
