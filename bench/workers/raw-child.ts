/** Raw child_process.fork contender: answers each IPC message with the task's first argument. */
process.on("message", (message: { readonly args: readonly unknown[] }) => {
  process.send!(message.args[0]);
});
// Leave with the parent: an IPC channel that closes means the benchmark is gone.
process.on("disconnect", () => process.exit(0));
