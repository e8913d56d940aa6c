/**
 * displayBundle, what show(), table(), showCheck(), predict() and reveal() display through: one
 * display_data message in a kernel, the text/plain line on stdout outside one. The kernel is
 * stood in for by tslab's display channel, the one conclab/kernel writes to.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it, type TestContext } from "node:test";
import { displayBundle } from "conclab/kernel/internal";

interface Channel {
  lastWriteDisplayData: ((message: unknown, update: boolean) => void) | null;
}

/** tslab's jupyter module as the kernel adapter resolves it (the same instance). */
const channel = require(require.resolve("tslab/dist/jupyter", { paths: [path.dirname(require.resolve("conclab/kernel/internal"))] })) as Channel;

const bundle = { "text/html": "<b>12 ms</b>", "text/plain": "12 ms" };

function capturedStdout(t: TestContext): string[] {
  const written: string[] = [];
  t.mock.method(process.stdout, "write", (chunk: string) => {
    written.push(chunk);
    return true;
  });
  return written;
}

describe("displayBundle", () => {
  it("in a kernel sends the whole bundle as one display and prints nothing", (t) => {
    const sent: { message: unknown; update: boolean }[] = [];
    channel.lastWriteDisplayData = (message, update) => sent.push({ message, update });
    try {
      const written = capturedStdout(t);
      displayBundle(bundle);
      t.mock.restoreAll();
      assert.deepEqual(written, []);
      assert.deepEqual(sent, [{ message: { data: bundle, metadata: {}, transient: {} }, update: false }]);
    } finally {
      channel.lastWriteDisplayData = null;
    }
  });

  it("outside a kernel prints the text/plain form, one line", (t) => {
    assert.equal(channel.lastWriteDisplayData, null);
    const written = capturedStdout(t);
    displayBundle(bundle);
    t.mock.restoreAll();
    assert.deepEqual(written, ["12 ms\n"]);
  });
});
