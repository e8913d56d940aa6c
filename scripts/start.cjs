#!/usr/bin/env node
// `npm start`: set up what is missing, then open JupyterLab on notebooks/, bound to 127.0.0.1
// with a random token. CONCLAB_PORT picks the port (default: 8888, or a free one if 8888 is
// taken); CONCLAB_NO_BROWSER=1 keeps the browser closed; CONCLAB_NOTEBOOK_DIR serves another folder
// instead of notebooks/ (the browser tests serve a copy; a notebook there still imports conclab when
// the folder is inside this repository).
"use strict";
const { spawn } = require("node:child_process");
const { randomBytes } = require("node:crypto");
const { existsSync, statSync } = require("node:fs");
const path = require("node:path");
const { HOST, jupyterArgs, tryPort, withParentDeathSignal } = require("./jupyter-launch.cjs");
const { ROOT, VENV_JUPYTER, say, setupOrExit } = require("./setup.cjs");

/** The folder Lab serves: notebooks/, or $CONCLAB_NOTEBOOK_DIR when set. */
function notebookDir() {
  const asked = process.env.CONCLAB_NOTEBOOK_DIR;
  if (asked === undefined || asked === "") return path.join(ROOT, "notebooks");
  const dir = path.resolve(asked);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`CONCLAB_NOTEBOOK_DIR must name an existing folder, got "${asked}"; unset it to serve notebooks/`);
  }
  return dir;
}

async function choosePort() {
  const asked = process.env.CONCLAB_PORT;
  if (asked !== undefined && asked !== "") {
    const port = Number(asked);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`CONCLAB_PORT must be a port number from 1 to 65535, got "${asked}"; unset it to let conclab choose`);
    }
    if ((await tryPort(port)) === false) {
      throw new Error(`port ${port} on ${HOST} is already in use (CONCLAB_PORT=${asked}); choose another port or stop the program holding it`);
    }
    return port;
  }
  return (await tryPort(8888)) || (await tryPort(0));
}

async function main() {
  setupOrExit();
  let port;
  let rootDir;
  try {
    rootDir = notebookDir();
    port = await choosePort();
  } catch (error) {
    say(error.message);
    process.exit(1);
  }
  const token = randomBytes(24).toString("hex");
  const args = jupyterArgs({ app: "lab", port, token, rootDir, openBrowser: !process.env.CONCLAB_NO_BROWSER });
  const env = {
    ...process.env,
    PATH: [path.dirname(VENV_JUPYTER), path.dirname(process.execPath), process.env.PATH || ""].join(path.delimiter),
    JUPYTER_PLATFORM_DIRS: "1",
  };
  process.stdout.write(`\nconclab: JupyterLab at http://${HOST}:${port}/lab?token=${token}\n(Ctrl-C twice to stop)\n\n`);
  // Lab gets SIGTERM if this process is killed outright.
  const [command, commandArgs] = withParentDeathSignal(VENV_JUPYTER, args);
  const lab = spawn(command, commandArgs, { cwd: ROOT, env, stdio: "inherit" });
  const forward = (sig) => () => lab.kill(sig);
  process.on("SIGTERM", forward("SIGTERM"));
  process.on("SIGHUP", forward("SIGTERM"));
  // Ctrl-C reaches JupyterLab directly (same process group); it asks before it shuts down.
  process.on("SIGINT", () => undefined);
  lab.on("exit", (code, sig) => process.exit(code ?? (sig ? 1 : 0)));
}

main();
