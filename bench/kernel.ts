/**
 * Measurement 6, the kernel: what one cell costs on tslab once conclab is loaded. A private
 * Jupyter server starts one kernel, which imports conclab once and then runs a trivial cell
 * CELLS times; each is timed from the request to its reply and idle status (type check, compile,
 * run, and the messages through the server), so cell overhead is measured from one run to the next.
 *
 * Loads the notebook runner (and @jupyterlab/services) itself: main.ts requires this module only
 * when the measurement runs.
 */
import "../tools/quiet-services";
import * as path from "node:path";
import { median, quantile } from "conclab";
import { KernelClient } from "../tools/runner/execute-notebook";
import { JupyterServer } from "../tools/runner/jupyter-server";
import { fixed, PROJECT_ROOT, type BenchOptions, type Section } from "./common";

const CELLS = 20;

export interface KernelData {
  /** Round trip of each trivial cell, in ms, in the order they ran. */
  readonly roundTripMs: number[];
  readonly medianMs: number;
  readonly p90Ms: number;
  /** The Node.js that ran the kernel (the one running the benchmark). */
  readonly node: string;
}

async function roundTrips(server: JupyterServer): Promise<number[]> {
  // The notebook need not exist: its folder is the kernel's working directory, where conclab resolves.
  const client = await KernelClient.start(server, path.join(PROJECT_ROOT, "notebooks", "round-trip.ipynb"));
  try {
    const setup = await client.execute('import { median } from "conclab";\nimport "conclab/kernel";');
    if (setup.status !== "ok") throw new Error(`importing conclab failed (${setup.status})`);
    const samples: number[] = [];
    for (let i = 0; i < CELLS; i++) {
      const t0 = performance.now();
      const outcome = await client.execute(`const x${i} = median([${i}, 1, 2]);`);
      samples.push(performance.now() - t0);
      if (outcome.status !== "ok") throw new Error(`trivial cell ${i + 1} failed (${outcome.status})`);
    }
    return samples;
  } finally {
    await client.shutdown();
  }
}

export async function runKernel(options: BenchOptions): Promise<Section<KernelData>> {
  options.log(`kernel: starting a Jupyter server and timing ${CELLS} trivial cells after importing conclab`);
  const server = await JupyterServer.start();
  let samples: number[];
  try {
    samples = await roundTrips(server);
  } finally {
    await server.stop();
  }
  const data: KernelData = { roundTripMs: samples, medianMs: median(samples), p90Ms: quantile(samples, 0.9), node: process.version };
  return {
    key: "kernel",
    title: "6. The kernel: one cell's round trip",
    data,
    goals: [
      {
        id: "kernel.cell-round-trip",
        goal: "a trivial cell's round trip after importing conclab, reported",
        measured: `median ${fixed(data.medianMs, 1)} ms, p90 ${fixed(data.p90Ms, 1)} ms over ${CELLS} cells (Node ${data.node})`,
        met: null,
        informational: true,
      },
    ],
    figures: [],
    tables: [
      {
        title: `A trivial cell on tslab after importing conclab: request to reply and idle, ${CELLS} cells on one kernel`,
        headers: ["median ms", "p90 ms", "min ms", "max ms"],
        rows: [[fixed(data.medianMs, 1), fixed(data.p90Ms, 1), fixed(Math.min(...samples), 1), fixed(Math.max(...samples), 1)]],
        notes: ["Timed in the client from the execute request to the reply and idle status: type checking, compiling, running, and the trips through the Jupyter server."],
      },
    ],
  };
}
