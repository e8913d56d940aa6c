/** Listening sockets, from /proc (Linux): which addresses a process accepts connections on. */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Inodes of the sockets a process holds open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

function hexToIPv4(hex: string): string {
  return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join(".");
}

function hexToIPv6(hex: string): string {
  // /proc/net/tcp6 stores four 32-bit words, each in host (little-endian) order.
  const bytes: number[] = [];
  for (let word = 0; word < 4; word++) for (const i of [3, 2, 1, 0]) bytes.push(parseInt(hex.slice(word * 8 + i * 2, word * 8 + i * 2 + 2), 16));
  const groups = Array.from({ length: 8 }, (_, g) => ((bytes[2 * g]! << 8) | bytes[2 * g + 1]!).toString(16));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** `address:port` of every TCP socket in LISTEN state that `pid` holds. */
export function listeningAddresses(pid: number): string[] {
  const mine = socketInodes(pid);
  const found: string[] = [];
  for (const [file, toAddress] of [["/proc/net/tcp", hexToIPv4], ["/proc/net/tcp6", hexToIPv6]] as const) {
    let table: string;
    try {
      table = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of table.trim().split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [address, port] = fields[1]!.split(":") as [string, string];
      if (fields[3] === "0A" && mine.has(fields[9]!)) found.push(`${toAddress(address)}:${parseInt(port, 16)}`);
    }
  }
  return found.sort();
}
