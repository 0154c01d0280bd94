/**
 * Frames on the pipes between `tcpemu real` and its agents in the namespaces (lib/real/netns-link.ts,
 * lib/real/netns-agent.ts): one byte of kind, four of length (big-endian), then the body. A packet
 * frame carries one IPv4 packet as the TUN device gave it or is to take it; a message frame one JSON
 * object.
 */
export const PACKET = 1;
export const MESSAGE = 2;
/** A packet whose writing the agent confirms (a `written` message) once what the kernel answered at once has gone up. */
export const PACKET_CONFIRMED = 3;

export function frame(kind: number, body: Buffer): Buffer {
  const head = Buffer.allocUnsafe(5);
  head[0] = kind;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

export function messageFrame(m: unknown): Buffer {
  return frame(MESSAGE, Buffer.from(JSON.stringify(m)));
}

/** Cuts a byte stream into frames: feed it chunks, it calls `on` once per whole frame. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly on: (kind: number, body: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 5) {
      const len = buf.readUInt32BE(1);
      if (buf.length < 5 + len) break;
      const kind = buf[0];
      const body = Buffer.from(buf.subarray(5, 5 + len));
      buf = buf.subarray(5 + len);
      this.on(kind, body);
    }
    this.pending = buf;
  }
}
