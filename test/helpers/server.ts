import assert from "node:assert/strict";
import { after, before } from "node:test";
import { JupyterServer, type JupyterServerOptions } from "../../tools/runner/jupyter-server";
import { ProcessWatch } from "./processes";

/**
 * One Jupyter server for a whole test file: started in before(), stopped in after(), which also
 * fails the file if any process it started (server, kernels, their children) is still alive 5 s later.
 */
export function sharedServer(options: JupyterServerOptions, what: string): { readonly server: JupyterServer } {
  let server: JupyterServer | undefined;
  let watch: ProcessWatch | undefined;
  before(async () => {
    watch = new ProcessWatch();
    server = await JupyterServer.start(options);
  });
  after(async () => {
    await server?.stop();
    assert.deepEqual(await watch?.leftovers(), [], `${what} left a server, kernel or child process behind`);
  });
  return {
    get server(): JupyterServer {
      if (!server) throw new Error("the shared Jupyter server is not started yet: use it inside a test");
      return server;
    },
  };
}
