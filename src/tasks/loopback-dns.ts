/**
 * A DNS server on 127.0.0.1 that answers every A question with 127.0.0.1: the name server of the
 * libuv-pool experiment, so that `dns.Resolver#resolve4` has something to ask without any packet
 * leaving the machine. Packets are encoded and decoded by `dns-packet`; the socket is
 * `node:dgram`. It counts what it answered, so a run can show that its questions reached it.
 */
import { createSocket, type Socket } from "node:dgram";
import * as packet from "dns-packet";

export interface LoopbackDns {
  /** `127.0.0.1:<port>`: what `resolver.setServers([...])` takes. */
  readonly address: string;
  readonly port: number;
  /** Questions answered so far. */
  readonly answered: number;
  /** Stops serving. Safe to call twice. */
  close(): Promise<void>;
}

/** The one answer it gives: every A name is this loopback address. */
export const LOOPBACK_ANSWER = "127.0.0.1";

/** Starts the server on a free UDP port of 127.0.0.1; rejects with the socket's error where it cannot bind. */
export function startLoopbackDns(): Promise<LoopbackDns> {
  const socket: Socket = createSocket("udp4");
  let answered = 0;
  let closed: Promise<void> | null = null;
  socket.on("message", (message, from) => {
    let query: packet.DecodedPacket;
    try {
      query = packet.decode(message);
    } catch {
      return; // not DNS: dropped
    }
    if (query.type !== "query") return;
    const answers = (query.questions ?? [])
      .filter((q) => q.type === "A")
      .map((q): packet.Answer => ({ type: "A", class: "IN", name: q.name, ttl: 0, data: LOOPBACK_ANSWER }));
    const reply = packet.encode({ type: "response", id: query.id, flags: packet.AUTHORITATIVE_ANSWER | packet.RECURSION_DESIRED, questions: query.questions, answers });
    answered++;
    socket.send(reply, from.port, from.address);
  });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      socket.off("error", reject);
      socket.on("error", () => undefined); // a failed send to a client that went away
      const port = socket.address().port;
      resolve({
        address: `127.0.0.1:${port}`,
        port,
        get answered() {
          return answered;
        },
        close() {
          closed ??= new Promise<void>((done) => socket.close(() => done()));
          return closed;
        },
      });
    });
  });
}
