/**
 * The child process of `startDelayServer({ inChildProcess: true })`: starts the same loopback
 * server, reports its port and token over IPC, answers requests for its counts, and ends on
 * `close`, when its IPC channel closes, or when its parent dies (its parent pid changes).
 */
import { DELAY_PARENT_PID_ENV, listenDelayServer, type DelayChildMessage, type DelayParentMessage, type LocalDelayServer } from "./delay-server";

/** How often the child checks that its parent is alive, and at most how often it reports counts. */
const POLL_MS = 250;

function send(message: DelayChildMessage): void {
  if (process.connected) process.send?.(message);
}

function main(): void {
  if (typeof process.send !== "function") {
    process.stderr.write("delay-server-child: start it through startDelayServer({ inChildProcess: true }), not by hand\n");
    process.exit(2);
  }
  const parent = Number(process.env[DELAY_PARENT_PID_ENV]) || process.ppid;
  // The parent may have died before this child got going.
  if (process.ppid !== parent) process.exit(1);
  // A Jupyter interrupt signals the kernel's whole process group; the kernel decides what stops.
  process.on("SIGINT", () => undefined);
  process.once("disconnect", () => process.exit(0));
  // An event-driven child sees "disconnect" when its parent dies; this is the belt to those braces.
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, POLL_MS).unref();

  let server: LocalDelayServer | undefined;
  let reportTimer: NodeJS.Timeout | undefined;
  const report = (id?: number): void => {
    const counts = server?.counts() ?? { answered: 0, refused: 0 };
    send({ type: "counts", ...(id === undefined ? {} : { id }), ...counts });
  };
  // Pushes counts now and then, so that the parent's `answered` getter stays close.
  const onCount = (): void => {
    reportTimer ??= setTimeout(() => {
      reportTimer = undefined;
      report();
    }, POLL_MS);
  };

  process.on("message", (message: DelayParentMessage) => {
    switch (message.type) {
      case "start":
        listenDelayServer(message.delayMs, message.bodyBytes, onCount).then(
          (started) => {
            server = started;
            send({ type: "ready", port: started.port, token: started.token });
          },
          (error: unknown) => {
            send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
            process.exit(1);
          },
        );
        break;
      case "counts":
        report(message.id);
        break;
      case "close":
        clearTimeout(reportTimer);
        void (server?.close() ?? Promise.resolve()).finally(() => {
          report();
          process.exit(0);
        });
        break;
      default:
        break;
    }
  });
}

main();
