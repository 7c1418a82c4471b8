// A request body for the loopback fakes, read whole but bounded: past `maxBytes` it throws "body too large".
import type { IncomingMessage } from "node:http";

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > maxBytes) throw new Error("body too large");
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
