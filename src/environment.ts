import * as os from "node:os";

/** What a timing depends on: the machine, its load and the runtime. */
export interface MachineDescription {
  /** Logical cores the OS offers this process (`os.availableParallelism()`). */
  readonly cores: number;
  /** CPU model string of the first core, as the OS reports it. */
  readonly cpuModel: string;
  /** Node.js version, e.g. `v20.20.2`. */
  readonly node: string;
  /** V8 version compiled into this Node.js. */
  readonly v8: string;
  /** `linux`, `darwin`, `win32`… and the CPU architecture. */
  readonly platform: string;
  /** Total memory in bytes. */
  readonly totalMemoryBytes: number;
  /** 1, 5 and 15 minute load averages (all zero on Windows). */
  readonly loadAverage: readonly [number, number, number];
}

export function describeMachine(): MachineDescription {
  const cpus = os.cpus();
  const [one, five, fifteen] = os.loadavg();
  return {
    cores: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() || "unknown CPU",
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    totalMemoryBytes: os.totalmem(),
    loadAverage: [one ?? 0, five ?? 0, fifteen ?? 0],
  };
}
