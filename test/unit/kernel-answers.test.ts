/**
 * Waiting for a new kernel's first answer: a kernel_info request whose idle status was lost (IOPub
 * not yet subscribed) is asked once more; a kernel that answers neither is reported.
 */
import "../helpers/quiet";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Kernel, KernelMessage } from "@jupyterlab/services";
import { kernelAnswers } from "../../tools/runner/execute-notebook";

/** A connection whose `info` resolves after `answerAfter` kernel_info requests (the connection's own first one included). */
function connection(answerAfter: number): Pick<Kernel.IKernelConnection, "info" | "requestKernelInfo"> & { asked: number } {
  let resolve: (info: KernelMessage.IInfoReply) => void = () => undefined;
  const info = new Promise<KernelMessage.IInfoReply>((r) => (resolve = r));
  const fake = {
    asked: 1,
    info,
    requestKernelInfo: async (): Promise<KernelMessage.IInfoReplyMsg | undefined> => {
      fake.asked++;
      if (fake.asked >= answerAfter) resolve({ status: "ok" } as KernelMessage.IInfoReply);
      return undefined;
    },
  };
  if (answerAfter <= 1) resolve({ status: "ok" } as KernelMessage.IInfoReply);
  return fake;
}

describe("waiting for a new kernel's first answer", () => {
  it("takes the first answer without asking again", async () => {
    const kernel = connection(1);
    assert.equal(await kernelAnswers(kernel, 200), "answered");
    assert.equal(kernel.asked, 1);
  });

  it("asks once more halfway when the first request got no answer, and says so", async () => {
    const kernel = connection(2);
    assert.equal(await kernelAnswers(kernel, 200), "answered when asked again");
    assert.equal(kernel.asked, 2);
  });

  it("gives up after the second request, having asked only twice", async () => {
    const kernel = connection(3);
    assert.equal(await kernelAnswers(kernel, 200), "no answer");
    assert.equal(kernel.asked, 2);
  });
});
