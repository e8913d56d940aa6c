/**
 * The child process of `startDelayServer({ inChildProcess: true })`: starts the same loopback
 * server, reports its port and token over IPC, answers requests for its counts, and ends on
 * `close`, when its IPC channel closes, or when its parent dies (its parent pid changes).
 */
import { endWithParent } from "../runtime/child-life";
import { listenDelayServer, type DelayChildMessage, type DelayParentMessage, type LocalDelayServer } from "./delay-server";

/** At most how often the child reports its counts unasked. */
const POLL_MS = 250;

function send(message: DelayChildMessage): void {
  if (process.connected) process.send?.(message);
}

function main(): void {
  if (typeof process.send !== "function") {
    process.stderr.write("delay-server-child: start it through startDelayServer({ inChildProcess: true }), not by hand\n");
    process.exit(2);
  }
  // Event-driven: it sees "disconnect" when its parent dies; a timer is the belt to those braces.
  endWithParent({ busy: false });

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
