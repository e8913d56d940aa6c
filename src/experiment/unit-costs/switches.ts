/**
 * measureSwitches(): what it costs to hand the turn from one unit of concurrency to another, the
 * "switching" of the article's table. Two units pass a turn back and forth, by the strategy's own
 * hand-off operation (its descriptor's `unit`), and the time per handoff is taken inside them,
 * after both have started: two async tasks through the microtask queue (and, beside it, through a
 * full turn of the event loop), two worker threads through Atomics, two child processes through
 * named pipes.
 */
import { checkInteger, rangeError, throwIfAborted } from "../../errors";
import { turnEventLoop } from "../../measure/clock";
import { progressOf } from "../../runtime/lifecycle";
import { nodeUnitOf, UNIT_STRATEGIES } from "../../strategies/descriptors";
import type { MemoryUnit } from "./memory";
import { quotedUnits } from "./units";

export interface SwitchSamples {
  readonly strategy: MemoryUnit;
  /** Handoffs timed in each sample. */
  readonly handoffs: number;
  /** Milliseconds per handoff, one per sample, in order. */
  readonly samplesMs: readonly number[];
  /**
   * For `async` only: milliseconds per handoff when each task awaits a `setImmediate` instead, so
   * every switch passes through a turn of the event loop (a macrotask), one per sample, in order.
   */
  readonly eventLoopTurnMs?: readonly number[];
}

export interface SwitchOptions {
  /** Rounds to take at least; each round takes one sample of every unit, in turn (default 5). */
  readonly rounds?: number;
  /** Handoffs per sample, by unit (defaults: each descriptor's `unit.defaultHandoffs`). */
  readonly handoffs?: Partial<Record<MemoryUnit, number>>;
  /**
   * Called after each round from `rounds` on with the samples so far: while it returns false,
   * another round is taken, up to `maxRounds`.
   */
  readonly until?: (sofar: readonly SwitchSamples[]) => boolean;
  /** Most rounds taken with `until` (default 3 × rounds). */
  readonly maxRounds?: number;
  readonly signal?: AbortSignal;
}

function checkHandoffs(unit: MemoryUnit, value: unknown): number {
  const fix = `pass an even number, e.g. { handoffs: { ${unit}: ${nodeUnitOf(unit)!.defaultHandoffs} } }`;
  const handoffs = checkInteger(`options.handoffs.${unit}`, value, 2, 10_000_000, fix);
  if (handoffs % 2 !== 0) throw rangeError(`options.handoffs.${unit}`, "an even integer (each round trip is one handoff there and one back)", handoffs, fix);
  return handoffs;
}

function checkUnits(units: unknown): readonly MemoryUnit[] {
  if (!Array.isArray(units) || units.length === 0) throw rangeError("units", `a non-empty list of ${quotedUnits()}`, units, 'pass e.g. ["async", "threads"]');
  const bad = (units as unknown[]).find((unit) => typeof unit !== "string" || !nodeUnitOf(unit));
  if (bad !== undefined) throw rangeError("units", `a list of ${quotedUnits()}`, bad, "switching is measured between two units of one of those kinds");
  return units as MemoryUnit[];
}

/** Samples so far, by unit, in the shape measureSwitches returns. */
class Collected {
  private readonly samples: Map<MemoryUnit, number[]>;
  private readonly turns = new Map<MemoryUnit, number[]>();

  constructor(
    private readonly units: readonly MemoryUnit[],
    private readonly handoffs: ReadonlyMap<MemoryUnit, number>,
  ) {
    this.samples = new Map(units.map((unit) => [unit, []]));
  }

  add(unit: MemoryUnit, sample: { msPerHandoff: number; eventLoopTurnMs?: number }): void {
    this.samples.get(unit)!.push(sample.msPerHandoff);
    if (sample.eventLoopTurnMs !== undefined) this.turns.set(unit, [...(this.turns.get(unit) ?? []), sample.eventLoopTurnMs]);
  }

  sofar(): SwitchSamples[] {
    return this.units.map((unit) => {
      const turns = this.turns.get(unit);
      return { strategy: unit, handoffs: this.handoffs.get(unit)!, samplesMs: [...this.samples.get(unit)!], ...(turns ? { eventLoopTurnMs: [...turns] } : {}) };
    });
  }
}

/**
 * Measures the time per handoff between two units of each of `units`, round after round, the
 * units interleaved within a round so that what disturbs the machine hits them alike (compare
 * them by round). Threads and processes start anew for every sample; their start is not timed.
 */
export async function measureSwitches(units: readonly MemoryUnit[] = UNIT_STRATEGIES, options: SwitchOptions = {}): Promise<SwitchSamples[]> {
  checkUnits(units);
  const rounds = checkInteger("options.rounds", options.rounds ?? 5, 1, 100, "take between 1 and 100 rounds (5 is plenty)");
  const maxRounds = options.until ? checkInteger("options.maxRounds", options.maxRounds ?? 3 * rounds, rounds, 300, `pass at least options.rounds (${rounds})`) : rounds;
  const handoffs = new Map(units.map((unit) => [unit, checkHandoffs(unit, options.handoffs?.[unit] ?? nodeUnitOf(unit)!.defaultHandoffs)]));
  const signal = options.signal ?? new AbortController().signal;
  const collected = new Collected(units, handoffs);
  const progress = progressOf(`switching between two ${units.join(", ")}`);
  try {
    for (let round = 0; round < maxRounds; round++) {
      if (round >= rounds && options.until?.(collected.sofar())) break;
      for (const unit of units) {
        throwIfAborted(signal);
        progress.step(`round ${round + 1}, ${unit}`, round / maxRounds);
        collected.add(unit, await nodeUnitOf(unit)!.handOff(handoffs.get(unit)!, signal));
        // An async sample never leaves the microtask queue: let an interrupt in between samples.
        await turnEventLoop();
      }
    }
  } catch (error) {
    progress.fail(error);
    throw error;
  }
  const result = collected.sofar();
  progress.done(`${result[0]!.samplesMs.length} rounds`);
  return result;
}
