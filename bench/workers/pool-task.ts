/** The piscina and tinypool contenders' worker module: the trivial task, returning its first argument. */
export = function echo(message: { readonly args: readonly unknown[] }): unknown {
  return message.args[0];
};
