/**
 * Simulated separate hosts: each a Linux network namespace with one veth link to a private bridge
 * this module makes, its own address on that bridge's /24, and optionally added latency (tc netem).
 * The namespaces get no default route, so their traffic reaches the bridge's subnet (the other
 * hosts and this machine's bridge address) and nothing else. Needs root on Linux with iproute2;
 * where that is missing, namespaceSupport() says why and callers run local processes instead.
 *
 * Names carry the owner's pid so that what a killed process left behind is found and removed:
 * namespaces `conclab-<pid>-<n>-host-<i>`, bridge `clb<pid36>-<n36>`, host-side veths
 * `clv<pid36>-<n36>-<i36>` (interface names are at most 15 characters). The namespace side of
 * each veth is called eth0.
 */
import { spawnSync } from "node:child_process";
import { findExecutable } from "../runtime/executable";
import { setTimeout as sleep } from "node:timers/promises";
import { AbortError, checkInteger, rangeError, typeError } from "../errors";
import { trackPool, untrackPool, type HeldResource } from "../runtime/lifecycle";

/** The most hosts one network may have (host-side veth names keep one base-36 digit for the host). */
export const MAX_HOSTS = 16;
/** The most one-way latency a host's link may get, in ms. */
export const MAX_LATENCY_MS = 1000;

export interface NamespaceSupport {
  readonly available: boolean;
  /** Why not, or how (e.g. "root on Linux with iproute2"). */
  readonly why: string;
}

export interface SimulatedHost {
  /** "host-1", "host-2", ... what lanes and records show. */
  readonly name: string;
  /** Its address on the bridge, e.g. 10.x.y.2. */
  readonly address: string;
  /** The network namespace's name. */
  readonly namespace: string;
  /**
   * The command and arguments that run `argv` inside the host: `ip netns exec <namespace> ...argv`.
   * `ip` execs the command in place, so the pid spawn reports is the command's, and an IPC channel
   * passed by spawn/fork survives.
   */
  command(argv: readonly string[]): { readonly command: string; readonly args: readonly string[] };
  /** SIGKILLs every process in the namespace: the host "dies". */
  killAll(): void;
}

export interface HostNetwork {
  /** The bridge's own address: what hosts use to reach servers on this machine (bind the server to it too). */
  readonly bridgeAddress: string;
  readonly hosts: readonly SimulatedHost[];
  /** Latency asked (one way, ms, added on each host's link), whether tc netem applied it, and why not. */
  readonly latency: { readonly askedMs: number; readonly applied: boolean; readonly why: string };
  /** Kills what runs in the namespaces, deletes namespaces, veths and the bridge. Safe twice. */
  teardown(): Promise<void>;
  /** Synchronous version for exit handlers. */
  killNow(): void;
}

const NAMESPACE_PREFIX = "conclab-";
const BRIDGE_PREFIX = "clb";
const VETH_PREFIX = "clv";
/** Distinct networks per process before names repeat: 4 base-36 digits keep veth names within 15 characters. */
const NETWORKS_PER_PID = 36 ** 4;

/**
 * Networks of this process not yet torn down: bridge name → its killNow. A stale check must not
 * take them for a dead process's (this is per thread: networks made in worker threads would look
 * stale to each other), and one exit hook removes them all.
 */
const live = new Map<string, () => void>();
const killLiveNetworks = (): void => [...live.values()].forEach((killNow) => killNow());
const tools = new Map<string, string | null>();
let networksMade = 0;
let support: NamespaceSupport | undefined;

/** An executable named `name` on PATH or in /usr/sbin, /sbin (often off a non-root PATH), or null. */
function findTool(name: string): string | null {
  if (!tools.has(name)) tools.set(name, findExecutable(name, process.env, ["/usr/sbin", "/sbin"]));
  return tools.get(name)!;
}


interface Ran {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

function tool(command: string, args: readonly string[]): Ran {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 10_000 });
  const stderr = result.error ? result.error.message : result.stderr.trim();
  return { ok: result.status === 0, stdout: result.stdout ?? "", stderr };
}

/** Runs `ip args` and returns its stdout; throws an Error quoting the command and its stderr. */
function ip(args: readonly string[]): string {
  const ran = tool(ipPath(), args);
  if (!ran.ok) throw new Error(`\`ip ${args.join(" ")}\` failed: ${ran.stderr || "no message"}`);
  return ran.stdout;
}

function ipPath(): string {
  return findTool("ip") ?? "ip";
}

/**
 * Whether this machine lets conclab make network namespaces, and why (not). Cached: Linux, uid 0,
 * `ip` found, and a trial `ip netns add`/`del` of a uniquely named namespace succeeds (containers
 * without CAP_SYS_ADMIN, such as Binder's, refuse it even to root).
 */
export function namespaceSupport(): NamespaceSupport {
  return (support ??= probeSupport());
}

function probeSupport(): NamespaceSupport {
  const no = (why: string): NamespaceSupport => ({ available: false, why });
  if (process.platform !== "linux") return no(`this is ${process.platform}, not Linux: network namespaces are a Linux feature`);
  const uid = process.getuid?.();
  if (uid !== 0) return no(`this process is not root (uid ${uid}): making network namespaces, bridges and veth links needs root`);
  const ipFile = findTool("ip");
  if (!ipFile) return no("no `ip` command (iproute2) on PATH, in /usr/sbin or in /sbin: install iproute2");
  const trial = `${NAMESPACE_PREFIX}${process.pid}-probe`;
  const made = tool(ipFile, ["netns", "add", trial]);
  if (!made.ok) return no(`root, but \`ip netns add\` failed (${made.stderr || "no message"}): this container does not allow network namespaces`);
  tool(ipFile, ["netns", "del", trial]);
  return { available: true, why: `root on Linux with iproute2 (${ipFile}); a trial namespace was made and deleted` };
}

// Subnets as [network address as a 32-bit number, prefix length].
type Subnet = readonly [number, number];

const toNumber = (dotted: string): number => dotted.split(".").reduce((n, part) => n * 256 + Number(part), 0);
const toDotted = (n: number): string => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join(".");
const mask = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);
const overlap = ([a, la]: Subnet, [b, lb]: Subnet): boolean => ((a ^ b) & mask(Math.min(la, lb))) === 0;

/** Every IPv4 subnet this machine has an address in or a route to, except the default route. */
function subnetsInUse(): Subnet[] {
  const found: Subnet[] = [];
  for (const match of ip(["-4", "-o", "addr"]).matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/g)) found.push([toNumber(match[1]!), Number(match[2])]);
  for (const line of ip(["-4", "route"]).split("\n")) {
    const match = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/.exec(line);
    if (match) found.push([toNumber(match[1]!), match[2] === undefined ? 32 : Number(match[2])]);
  }
  return found;
}

/** A 10.x.y.0/24 that overlaps nothing in use; the search starts at a point the pid and network pick, so two processes rarely race for one. */
function freeSubnet(id: number): number {
  const used = subnetsInUse();
  const start = (process.pid * 7919 + id * 257) % 65536;
  for (let k = 0; k < 65536; k++) {
    const candidate = (toNumber("10.0.0.0") + ((start + k) % 65536) * 256) >>> 0;
    if (!used.some((subnet) => overlap([candidate, 24], subnet))) return candidate;
  }
  throw new Error("no free /24 in 10.0.0.0/8: every one overlaps an address or a route of this machine");
}

/** SIGKILLs what runs in `namespace` until nothing does (a process may fork while we kill); false if some remain. */
function killNamespace(namespace: string, rounds = 20): boolean {
  for (let round = 0; round < rounds; round++) {
    const listed = tool(ipPath(), ["netns", "pids", namespace]);
    const pids = listed.ok ? listed.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
    if (pids.length === 0) return true;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  return false;
}

/** Removes namespaces (killing what runs there first), then links; returns the names it removed. */
function removeAll(namespaces: readonly string[], links: readonly string[]): string[] {
  const removed: string[] = [];
  for (const namespace of namespaces) killNamespace(namespace);
  // A host's veth goes with its namespace too, but only once the namespace's last process is gone: deleting it is immediate.
  for (const link of links) if (tool(ipPath(), ["link", "del", link]).ok) removed.push(link);
  for (const namespace of namespaces) if (tool(ipPath(), ["netns", "del", namespace]).ok) removed.push(namespace);
  return removed;
}

function ownerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Deletes namespaces, veths and bridges left by conclab processes that no longer run (the names
 * carry the owner's pid); returns the names it removed. A pid reused by another process hides its
 * leftovers until that process ends. createHostNetwork calls it first.
 */
export function removeStaleNetworks(): string[] {
  if (!namespaceSupport().available) return [];
  const stale = (pid: number, bridge: string | null): boolean => (pid === process.pid ? bridge !== null && !live.has(bridge) : !ownerAlive(pid));
  const namespaces = ip(["netns", "list"])
    .split("\n")
    .map((line) => line.split(" ")[0]!)
    .filter((name) => {
      const match = /^conclab-(\d+)-(?:(\d+)-host-\d+|probe)$/.exec(name);
      if (!match) return false;
      const bridge = match[2] === undefined ? null : `${BRIDGE_PREFIX}${Number(match[1]).toString(36)}-${Number(match[2]).toString(36)}`;
      return stale(Number(match[1]), bridge);
    });
  // Only bridges and veths whose whole name has conclab's form: nothing another program made.
  const linksOf = (type: "veth" | "bridge", form: RegExp): string[] =>
    [...ip(["-o", "link", "show", "type", type]).matchAll(/^\d+: ([^:@\s]+)/gm)].flatMap(([, name]) => {
      const match = form.exec(name!);
      return match && stale(parseInt(match[1]!, 36), `${BRIDGE_PREFIX}${match[1]}-${match[2]}`) ? [name!] : [];
    });
  // veths before their bridges
  const links = [...linksOf("veth", /^clv([0-9a-z]{1,5})-([0-9a-z]{1,4})-[1-9a-g]$/), ...linksOf("bridge", /^clb([0-9a-z]{1,5})-([0-9a-z]{1,4})$/)];
  return removeAll(namespaces, links);
}

function checkLatency(value: unknown): number {
  const expected = `a number of ms from 0 to ${MAX_LATENCY_MS}`;
  const fix = "pass the one-way latency each host's link adds, e.g. 5, or leave it out for none";
  if (typeof value !== "number") throw typeError("latencyMs", expected, value, fix);
  if (!Number.isFinite(value) || value < 0 || value > MAX_LATENCY_MS) throw rangeError("latencyMs", expected, value, fix);
  return value;
}

/**
 * Adds `ms` of delay with tc netem on both ends of each host's veth, so each packet crossing a
 * host's link waits `ms` whichever way it goes (a server on the bridge address sees a round trip
 * of 2 × ms; host to host, 4 × ms). Kernels without sch_netem refuse it: then nothing is added
 * and `why` quotes tc.
 */
function addLatency(ms: number, links: readonly { readonly veth: string; readonly namespace: string }[]): HostNetwork["latency"] {
  if (ms === 0) return { askedMs: 0, applied: false, why: "no latency was asked (latencyMs 0)" };
  const tc = findTool("tc");
  if (!tc) return { askedMs: ms, applied: false, why: "no `tc` command (iproute2) for netem: the links add no latency" };
  const ends = links.flatMap(({ veth, namespace }) => [
    { netns: [], dev: veth },
    { netns: ["-n", namespace], dev: "eth0" },
  ]);
  const qdisc = (end: (typeof ends)[number], action: "add" | "del", ...rest: string[]): Ran => tool(tc, [...end.netns, "qdisc", action, "dev", end.dev, "root", ...rest]);
  for (const [i, end] of ends.entries()) {
    const ran = qdisc(end, "add", "netem", "delay", `${ms}ms`);
    if (!ran.ok) {
      for (const done of ends.slice(0, i)) qdisc(done, "del");
      const module = /kind is unknown/i.test(ran.stderr) ? " (this kernel has no sch_netem module)" : "";
      return { askedMs: ms, applied: false, why: `tc netem was refused: "${ran.stderr}"${module}; the links add no latency` };
    }
  }
  return { askedMs: ms, applied: true, why: `tc netem adds ${ms} ms on both ends of each host's link` };
}

/**
 * Kills what runs in `namespaces` and waits, up to `withinMs`, until nothing does (SIGKILL is
 * delivered at once, the process ends a moment later).
 */
async function emptied(namespaces: readonly string[], withinMs = 2_000): Promise<void> {
  const deadline = performance.now() + withinMs;
  let left = namespaces;
  while (left.length > 0 && performance.now() < deadline) {
    left = left.filter((namespace) => !killNamespace(namespace, 1));
    if (left.length > 0) await sleep(10);
  }
}

/**
 * Makes a private bridge with `count` simulated hosts on it, each in its own network namespace
 * with its own address, `latencyMs` of one-way delay on each host's link where tc netem is there
 * (HostNetwork.latency says whether it is), and no route beyond the bridge. Removes what dead
 * conclab processes left first. The network is registered like a pool, so a kernel shutdown or an
 * exit tears it down; call teardown() when done. Throws, saying why, where namespaceSupport() is
 * not available: run local processes then. If a step fails (or `signal` aborts), what was made is
 * removed and the error quotes the failing `ip` command.
 */
export async function createHostNetwork(options: { readonly count: number; readonly latencyMs?: number; readonly signal?: AbortSignal }): Promise<HostNetwork> {
  if (typeof options !== "object" || options === null) throw typeError("options", "an object like { count: 2, latencyMs: 5 }", options, "say how many hosts to make");
  const count = checkInteger("count", options.count, 1, MAX_HOSTS, `pass how many simulated hosts to make, from 1 to ${MAX_HOSTS}`);
  const latencyMs = checkLatency(options.latencyMs ?? 0);
  if (options.signal?.aborted) throw new AbortError("the host network was not made: its signal was already aborted");
  const { available, why } = namespaceSupport();
  if (!available) throw new Error(`simulated hosts need Linux network namespaces, which are not available here: ${why}; run the workers as local processes instead`);
  removeStaleNetworks();

  const id = networksMade++ % NETWORKS_PER_PID;
  const tag = `${process.pid.toString(36)}-${id.toString(36)}`;
  const bridge = `${BRIDGE_PREFIX}${tag}`;
  const links = Array.from({ length: count }, (_, i) => ({
    name: `host-${i + 1}`,
    namespace: `${NAMESPACE_PREFIX}${process.pid}-${id}-host-${i + 1}`,
    veth: `${VETH_PREFIX}${tag}-${(i + 1).toString(36)}`,
  }));
  const namespaces = links.map((link) => link.namespace);
  const ipFile = ipPath();

  let ended = false;
  const killNow = (): void => {
    if (ended) return;
    ended = true;
    removeAll(namespaces, [...links.map((link) => link.veth), bridge]);
    live.delete(bridge);
    if (live.size === 0) process.off("exit", killLiveNetworks);
    untrackPool(held);
  };
  let tearing: Promise<void> | undefined;
  const teardown = (): Promise<void> =>
    (tearing ??= (async () => {
      if (!ended) await emptied(namespaces);
      killNow();
    })());
  const held: HeldResource = { killNow, destroy: teardown };
  // Registered before anything exists: an exit or a shutdown during creation removes what was made.
  if (live.size === 0) process.on("exit", killLiveNetworks);
  live.set(bridge, killNow);
  trackPool(held);

  let subnet = 0;
  let latency: HostNetwork["latency"];
  try {
    subnet = freeSubnet(id);
    ip(["link", "add", "name", bridge, "type", "bridge"]);
    ip(["addr", "add", `${toDotted(subnet + 1)}/24`, "dev", bridge]);
    ip(["link", "set", bridge, "up"]);
    for (const [i, link] of links.entries()) {
      // A turn of the event loop between hosts lets an abort (or a shutdown) arrive.
      await new Promise(setImmediate);
      if (options.signal?.aborted || ended) throw new AbortError("the host network's creation was aborted; what it had made is removed");
      ip(["netns", "add", link.namespace]);
      // The peer is made inside the namespace, named eth0 there: only the host-side name must be unique.
      ip(["link", "add", link.veth, "type", "veth", "peer", "name", "eth0", "netns", link.namespace]);
      ip(["link", "set", link.veth, "master", bridge, "up"]);
      // Only the subnet's own route comes with the address: no default route, so nothing leaves the bridge.
      ip(["-n", link.namespace, "addr", "add", `${toDotted(subnet + 2 + i)}/24`, "dev", "eth0"]);
      ip(["-n", link.namespace, "link", "set", "eth0", "up"]);
      ip(["-n", link.namespace, "link", "set", "lo", "up"]);
    }
    latency = addLatency(latencyMs, links);
  } catch (error) {
    killNow();
    if (error instanceof AbortError) throw error;
    throw new Error(`could not make the simulated hosts (what was made is removed): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }

  const hosts: SimulatedHost[] = links.map((link, i) => ({
    name: link.name,
    address: toDotted(subnet + 2 + i),
    namespace: link.namespace,
    command(argv) {
      if (!Array.isArray(argv) || argv.length === 0 || !argv.every((arg) => typeof arg === "string")) {
        throw typeError("argv", "a non-empty array of strings", argv, "pass the command and its arguments, e.g. [process.execPath, \"worker.js\"]");
      }
      if (ended) throw new Error(`${link.name}'s network was torn down; make a new one with createHostNetwork()`);
      return { command: ipFile, args: ["netns", "exec", link.namespace, ...argv] };
    },
    killAll: () => void killNamespace(link.namespace),
  }));
  return { bridgeAddress: toDotted(subnet + 1), hosts, latency, teardown, killNow };
}
