// How conclab starts Jupyter, shared by `npm start` (scripts/start.cjs: JupyterLab for the reader)
// and the notebook runner (tools/runner/jupyter-server.ts: a private server for tests and
// handouts): the loopback address, a port that is free, the arguments that bind the server there
// with a token, and a parent-death signal so that the server does not outlive who started it.
"use strict";
const { existsSync } = require("node:fs");
const { createServer } = require("node:net");

/** Jupyter listens on the loopback interface only. */
const HOST = "127.0.0.1";
const SETPRIV = "/usr/bin/setpriv";

/**
 * Listens on `port` (0: any free port) on HOST for a moment.
 * @param {number} port
 * @returns {Promise<number | false>} the port it got, or false when the port is taken
 */
function tryPort(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, HOST, () => {
      const address = probe.address();
      const actual = typeof address === "object" && address !== null ? address.port : port;
      probe.close(() => resolve(actual));
    });
  });
}

/**
 * The command line of `jupyter lab` or `jupyter server` bound to HOST:port with `token`, serving `rootDir`.
 * @param {{ app: "lab" | "server", port: number, token: string, rootDir: string, openBrowser: boolean }} options
 * @returns {string[]}
 */
function jupyterArgs({ app, port, token, rootDir, openBrowser }) {
  return [
    app,
    ...(openBrowser ? [] : ["--no-browser"]),
    `--ServerApp.ip=${HOST}`,
    `--ServerApp.port=${port}`,
    "--ServerApp.port_retries=0",
    `--IdentityProvider.token=${token}`,
    `--ServerApp.root_dir=${rootDir}`,
    ...(process.getuid && process.getuid() === 0 ? ["--allow-root"] : []),
  ];
}

/**
 * `command args`, started through util-linux's setpriv with a parent-death signal where it exists:
 * if the process that started it dies outright, the kernel sends it SIGTERM.
 * @param {string} command
 * @param {readonly string[]} args
 * @returns {[string, string[]]}
 */
function withParentDeathSignal(command, args) {
  return process.platform === "linux" && existsSync(SETPRIV) ? [SETPRIV, ["--pdeathsig", "TERM", "--", command, ...args]] : [command, [...args]];
}

module.exports = { HOST, tryPort, jupyterArgs, withParentDeathSignal };
