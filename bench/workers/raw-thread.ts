/** Raw worker_threads contender: answers each message with the task's first argument, nothing else. */
import { parentPort } from "node:worker_threads";

parentPort!.on("message", (message: { readonly args: readonly unknown[] }) => {
  parentPort!.postMessage(message.args[0]);
});
