/** Bare worker-farm contender: worker-farm calls this module with (message, callback). */
export = function echo(message: { readonly args: readonly unknown[] }, callback: (error: Error | null, result?: unknown) => void): void {
  callback(null, message.args[0]);
};
