/**
 * Simulated separate hosts (src/queue/hosts.ts), on the real kernel: hosts reach the bridge and
 * each other and nothing else, a process run through host.command() keeps its pid and IPC
 * channel, killAll() and teardown() leave nothing, and what a killed owner left is found. Needs
 * root on Linux: elsewhere these tests skip with the reason, or fail with
 * CONCLAB_REQUIRE_NAMESPACES=1 (CI). Argument checks and the non-root refusal run everywhere on Linux.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readlinkSync, rmdirSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { after, before, describe, it, type TestContext } from "node:test";
import { createHostNetwork, destroyAllPools, namespaceSupport, removeStaleNetworks, type HostNetwork, type SimulatedHost } from "conclab/internal";
import { isAlive } from "../../tools/proc";
import { spawnWatched, until, type WatchedChild } from "../helpers/processes";

const REQUIRE_VARIABLE = "CONCLAB_REQUIRE_NAMESPACES";

/** True where namespaces work; otherwise skips the test with the reason (throws with CONCLAB_REQUIRE_NAMESPACES=1). */
function namespacesOrSkip(t: Pick<TestContext, "skip">): boolean {
  const { available, why } = namespaceSupport();
  if (available) return true;
  if (process.env[REQUIRE_VARIABLE] === "1") throw new Error(`network namespaces are not available (${why}); ${REQUIRE_VARIABLE}=1 makes this a failure`);
  t.skip(`needs network namespaces: ${why}`);
  return false;
}

const namespaceList = (): string[] => execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n").map((line) => line.split(" ")[0]!).filter(Boolean);
const linkNames = (): Set<string> => new Set([...execFileSync("ip", ["-o", "link"], { encoding: "utf8" }).matchAll(/^\d+: ([^:@\s]+)/gm)].map((match) => match[1]!));
const netOf = (pid: number | "self"): string => readlinkSync(`/proc/${pid}/ns/net`);

/** A TCP server on `host` that answers every connection with `reply`. */
async function replyServer(host: string, reply: string): Promise<Server> {
  const server = createServer((socket) => socket.end(reply));
  server.listen(0, host);
  await once(server, "listening");
  return server;
}

/**
 * A node script run inside `host`: connects to address:port, prints what it read or the error's
 * code, and the ms it took, as JSON; after 5 s it gives up and says "timeout".
 */
const CLIENT = `
const [address, port] = process.argv.slice(1);
const started = performance.now();
const socket = require("node:net").connect(Number(port), address);
const say = (said) => { console.log(JSON.stringify({ said, ms: performance.now() - started })); process.exit(0); };
let read = "";
socket.on("data", (chunk) => (read += chunk)).on("end", () => say("read:" + read)).on("error", (error) => say("error:" + error.code));
setTimeout(() => say("timeout"), 5000);
`;

async function connectFrom(host: SimulatedHost, address: string, port: number): Promise<{ said: string; ms: number }> {
  const { command, args } = host.command([process.execPath, "-e", CLIENT, address, String(port)]);
  const run = spawnWatched(command, args);
  assert.equal(await run.exited, 0, run.output());
  return JSON.parse(run.output()) as { said: string; ms: number };
}

/** A node process in `host` that prints "ready" and lives until killed. */
async function sleeper(host: SimulatedHost): Promise<WatchedChild> {
  const { command, args } = host.command([process.execPath, "-e", 'console.log("ready"); setInterval(() => undefined, 1000);']);
  const run = spawnWatched(command, args);
  assert.ok(await until(() => run.output().includes("ready"), 10_000), `the sleeper in ${host.name} did not start: ${run.output()}`);
  return run;
}

describe("simulated hosts: argument checks and refusals", () => {
  it("count 0 and 17, and latencyMs 2000, throw naming the parameter, the value and the fix", async () => {
    await assert.rejects(createHostNetwork({ count: 0 }), /^RangeError: count must be an integer from 1 to 16, got 0 \(number\); pass how many/);
    await assert.rejects(createHostNetwork({ count: 17 }), /count must be an integer from 1 to 16, got 17 \(number\)/);
    await assert.rejects(createHostNetwork({ count: 1.5 }), /count must be an integer from 1 to 16, got 1\.5/);
    await assert.rejects(createHostNetwork({ count: 1, latencyMs: 2000 }), /latencyMs must be a number of ms from 0 to 1000, got 2000 \(number\); pass the one-way latency/);
  });

  it("as user nobody: not available, because of root, and createHostNetwork says to use local processes", (t) => {
    if (process.platform !== "linux") return t.skip("a Linux check");
    const probe = `
      const hosts = require(${JSON.stringify(require.resolve("conclab/internal"))});
      hosts.createHostNetwork({ count: 1 }).then(
        () => console.log(JSON.stringify({ made: true })),
        (error) => console.log(JSON.stringify({ support: hosts.namespaceSupport(), error: error.message })),
      );`;
    const asNobody = process.getuid?.() === 0;
    if (asNobody && !existsSync("/usr/bin/setpriv")) return t.skip("needs setpriv (util-linux) to run as nobody");
    const run = asNobody
      ? spawnSync("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "-e", probe], { encoding: "utf8", cwd: "/" })
      : spawnSync(process.execPath, ["-e", probe], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const said = JSON.parse(run.stdout) as { support: { available: boolean; why: string }; error: string };
    assert.equal(said.support.available, false);
    assert.match(said.support.why, /not root \(uid \d+\).*needs root/);
    assert.match(said.error, /need Linux network namespaces.*not root.*run the workers as local processes instead/);
  });
});

describe("simulated hosts on network namespaces", () => {
  let network: HostNetwork | undefined;
  const servers: Server[] = [];
  const net = (): HostNetwork => network!;

  before(async () => {
    if (namespaceSupport().available) network = await createHostNetwork({ count: 2 });
  });
  after(async () => {
    servers.forEach((server) => server.close());
    await network?.teardown();
  });

  it("gives each host its own namespace and an address on the bridge's /24, with no route beyond it", (t) => {
    if (!namespacesOrSkip(t)) return;
    const [one, two] = net().hosts;
    assert.deepEqual(net().hosts.map((host) => host.name), ["host-1", "host-2"]);
    const prefix = net().bridgeAddress.replace(/\.1$/, ".");
    assert.match(net().bridgeAddress, /^10\.\d+\.\d+\.1$/);
    assert.deepEqual([one!.address, two!.address], [`${prefix}2`, `${prefix}3`]);
    assert.ok(namespaceList().includes(one!.namespace) && namespaceList().includes(two!.namespace));
    const routes = execFileSync("ip", ["-n", one!.namespace, "-4", "route"], { encoding: "utf8" });
    assert.doesNotMatch(routes, /default/);
    assert.match(execFileSync("ip", ["-n", one!.namespace, "-o", "link", "show", "lo"], { encoding: "utf8" }), /LOOPBACK,UP/);
  });

  it("a node process in host-1 reaches a TCP server bound to the bridge address and gets its reply", async (t) => {
    if (!namespacesOrSkip(t)) return;
    const server = await replyServer(net().bridgeAddress, "hello from the bridge");
    servers.push(server);
    const { said } = await connectFrom(net().hosts[0]!, net().bridgeAddress, (server.address() as AddressInfo).port);
    assert.equal(said, "read:hello from the bridge");
  });

  it("an address beyond the bridge fails at once with ENETUNREACH (no route), not a timeout", async (t) => {
    if (!namespacesOrSkip(t)) return;
    for (const outside of ["192.0.2.1", "198.51.100.1"]) {
      const { said } = await connectFrom(net().hosts[0]!, outside, 9);
      assert.equal(said, "error:ENETUNREACH", outside);
    }
  });

  it("host-2's address is reachable from host-1: they share the bridge", async (t) => {
    if (!namespacesOrSkip(t)) return;
    const [one, two] = net().hosts;
    const serve = `require("node:net").createServer((socket) => socket.end("host-2 here")).listen(4567, ${JSON.stringify(two!.address)}, () => console.log("ready"));`;
    const { command, args } = two!.command([process.execPath, "-e", serve]);
    const server = spawnWatched(command, args);
    try {
      assert.ok(await until(() => server.output().includes("ready"), 10_000), server.output());
      assert.equal((await connectFrom(one!, two!.address, 4567)).said, "read:host-2 here");
    } finally {
      server.child.kill("SIGKILL");
      await server.exited;
    }
  });

  it("a child spawned with an IPC channel through host.command keeps it, and its pid is the one spawn reports", async (t) => {
    if (!namespacesOrSkip(t)) return;
    const host = net().hosts[0]!;
    const script = `process.send({ pid: process.pid, net: require("node:fs").readlinkSync("/proc/self/ns/net"), addresses: Object.values(require("node:os").networkInterfaces()).flat().map((a) => a.address) }, () => process.disconnect());`;
    const { command, args } = host.command([process.execPath, "-e", script]);
    const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const [message] = (await once(child, "message")) as [{ pid: number; net: string; addresses: string[] }];
    assert.equal(message.pid, child.pid);
    assert.notEqual(message.net, netOf("self"), "the child runs in another network namespace");
    assert.ok(message.addresses.includes(host.address), `the child sees ${host.address}: ${message.addresses.join(", ")}`);
    await once(child, "exit");
  });

  it("killAll() SIGKILLs what runs in the host", async (t) => {
    if (!namespacesOrSkip(t)) return;
    const host = net().hosts[1]!;
    const run = await sleeper(host);
    host.killAll();
    await run.exited;
    assert.equal(run.child.signalCode, "SIGKILL");
    assert.equal(execFileSync("ip", ["netns", "pids", host.namespace], { encoding: "utf8" }).trim(), "");
  });

  it("removeStaleNetworks leaves a live network of this process alone", (t) => {
    if (!namespacesOrSkip(t)) return;
    const removed = removeStaleNetworks();
    for (const host of net().hosts) {
      assert.ok(!removed.includes(host.namespace));
      assert.ok(namespaceList().includes(host.namespace));
    }
  });

  it("latency: asked 0, nothing applied; asked 50, tc netem applies it (connects take longer) or why names netem", async (t) => {
    if (!namespacesOrSkip(t)) return;
    assert.deepEqual(net().latency, { askedMs: 0, applied: false, why: "no latency was asked (latencyMs 0)" });
    const slow = await createHostNetwork({ count: 1, latencyMs: 50 });
    try {
      assert.equal(slow.latency.askedMs, 50);
      if (!slow.latency.applied) {
        assert.match(slow.latency.why, /netem/);
        return;
      }
      const timeOf = async (network: HostNetwork): Promise<number> => {
        const server = await replyServer(network.bridgeAddress, "x");
        try {
          return (await connectFrom(network.hosts[0]!, network.bridgeAddress, (server.address() as AddressInfo).port)).ms;
        } finally {
          server.close();
        }
      };
      const without = await timeOf(net());
      const withLatency = await timeOf(slow);
      assert.ok(withLatency > without, `a connect with 50 ms of netem took ${withLatency} ms, without ${without} ms`);
    } finally {
      await slow.teardown();
    }
  });
});

describe("simulated hosts: nothing left behind", () => {
  it("teardown kills what runs in the hosts and removes namespaces, veths and bridge; twice is fine", async (t) => {
    if (!namespacesOrSkip(t)) return;
    const linksBefore = linkNames();
    const network = await createHostNetwork({ count: 3 });
    const made = [...linkNames()].filter((name) => !linksBefore.has(name));
    assert.equal(made.length, 4, `a bridge and three veths: ${made.join(", ")}`);
    const run = await sleeper(network.hosts[2]!);
    await network.teardown();
    assert.equal(run.child.signalCode ?? (await once(run.child, "exit"))[1], "SIGKILL");
    const namespaces = namespaceList();
    for (const host of network.hosts) assert.ok(!namespaces.includes(host.namespace), `${host.namespace} is gone`);
    const linksAfter = linkNames();
    assert.deepEqual(made.filter((name) => linksAfter.has(name)), []);
    await network.teardown();
    network.killNow();
    assert.throws(() => network.hosts[0]!.command(["true"]), /host-1's network was torn down; make a new one with createHostNetwork\(\)/);
  });

  it("a step that fails halfway: what was made is removed and the error quotes the ip command's stderr", async (t) => {
    if (!namespacesOrSkip(t)) return;
    // The next network's number, from the one before; a directory where its host-2 namespace file goes makes `ip netns add` fail.
    const probe = await createHostNetwork({ count: 1 });
    await probe.teardown();
    const [, pid, id] = /^conclab-(\d+)-(\d+)-host-1$/.exec(probe.hosts[0]!.namespace)!;
    const blocker = `/run/netns/conclab-${pid}-${Number(id) + 1}-host-2`;
    mkdirSync(blocker, { recursive: true });
    const linksBefore = linkNames();
    try {
      await assert.rejects(createHostNetwork({ count: 2 }), (error: Error) => {
        assert.match(error.message, new RegExp(`^could not make the simulated hosts \\(what was made is removed\\): \`ip netns add conclab-${pid}-${Number(id) + 1}-host-2\` failed: .+exists`));
        return true;
      });
    } finally {
      rmdirSync(blocker);
    }
    assert.deepEqual([...linkNames()].filter((name) => !linksBefore.has(name)), [], "no bridge or veth is left");
    assert.ok(!namespaceList().includes(`conclab-${pid}-${Number(id) + 1}-host-1`), "host-1's namespace is gone");
  });

  it("an abort while it makes the hosts: AbortError, and what was made is removed", async (t) => {
    if (!namespacesOrSkip(t)) return;
    await assert.rejects(createHostNetwork({ count: 1, signal: AbortSignal.abort() }), { name: "AbortError" });
    const linksBefore = linkNames();
    const controller = new AbortController();
    const making = createHostNetwork({ count: 3, signal: controller.signal });
    controller.abort();
    await assert.rejects(making, { name: "AbortError", message: "the host network's creation was aborted; what it had made is removed" });
    assert.deepEqual([...linkNames()].filter((name) => !linksBefore.has(name)), []);
    assert.deepEqual(namespaceList().filter((name) => name.startsWith(`conclab-${process.pid}-`)), []);
  });

  it("destroyAllPools() (a kernel shutdown) tears a network down, and so does an exit without teardown", async (t) => {
    if (!namespacesOrSkip(t)) return;
    const linksBefore = linkNames();
    const network = await createHostNetwork({ count: 1 });
    await destroyAllPools();
    assert.ok(!namespaceList().includes(network.hosts[0]!.namespace));
    const exits = `
      require(${JSON.stringify(require.resolve("conclab/internal"))}).createHostNetwork({ count: 2 }).then((network) => {
        console.log(JSON.stringify(network.hosts.map((host) => host.namespace)));
        process.exit(0);
      });`;
    const run = spawnSync(process.execPath, ["-e", exits], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const namespaces = JSON.parse(run.stdout) as string[];
    assert.deepEqual(namespaces.filter((name) => namespaceList().includes(name)), []);
    assert.deepEqual([...linkNames()].filter((name) => !linksBefore.has(name)), []);
  });

  it("removeStaleNetworks removes what an owner killed before its teardown left, and kills what ran there", async (t) => {
    if (!namespacesOrSkip(t)) return;
    const linksBefore = linkNames();
    const owner = `
      const { createHostNetwork } = require(${JSON.stringify(require.resolve("conclab/internal"))});
      createHostNetwork({ count: 2 }).then((network) => {
        const { command, args } = network.hosts[0].command([process.execPath, "-e", "setInterval(() => undefined, 1000)"]);
        const sleeper = require("node:child_process").spawn(command, args, { stdio: "ignore", detached: true });
        console.log(JSON.stringify({ namespaces: network.hosts.map((host) => host.namespace), sleeper: sleeper.pid }));
        setInterval(() => undefined, 1000);
      });`;
    const run = spawnWatched(process.execPath, ["-e", owner]);
    assert.ok(await until(() => run.output().includes("}"), 10_000), run.output());
    const left = JSON.parse(run.output()) as { namespaces: string[]; sleeper: number };
    run.child.kill("SIGKILL");
    await run.exited;
    const made = [...linkNames()].filter((name) => !linksBefore.has(name));
    assert.equal(made.length, 3, `a bridge and two veths left: ${made.join(", ")}`);
    assert.ok(left.namespaces.every((namespace) => namespaceList().includes(namespace)), "the namespaces are left behind");
    assert.ok(isAlive(left.sleeper));

    const removed = removeStaleNetworks();
    assert.deepEqual([...removed].sort(), [...left.namespaces, ...made].sort());
    assert.ok(await until(() => !isAlive(left.sleeper), 5_000), "the process left in host-1 was killed");
    assert.ok(left.namespaces.every((namespace) => !namespaceList().includes(namespace)));
    const linksAfter = linkNames();
    assert.deepEqual(made.filter((name) => linksAfter.has(name)), []);
    assert.deepEqual(removeStaleNetworks(), []);
  });
});
