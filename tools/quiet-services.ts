// @jupyterlab/services logs every WebSocket it opens with console.debug; keep command output readable.
console.debug = (): void => undefined;
