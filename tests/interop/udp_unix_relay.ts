/**
 * Runs inside the private network namespace of the strongSwan interop test: UDP sockets on
 * 127.0.0.2 (the simulated peer's address, ports 500 and 4500) relayed over a Unix stream socket to
 * the test outside the namespace. Frames: source port, destination port, length (16 bits each), bytes.
 */
import dgram from "node:dgram";

const [path, ...ports] = Deno.args;
const listener = Deno.listen({ transport: "unix", path });
const conn = await listener.accept();
const sockets = new Map<number, dgram.Socket>();
for (const port of ports.map(Number)) {
  const socket = dgram.createSocket("udp4");
  socket.on("message", (message: Uint8Array, from: { port: number }) => {
    const frame = new Uint8Array(6 + message.length);
    const view = new DataView(frame.buffer);
    view.setUint16(0, from.port);
    view.setUint16(2, port);
    view.setUint16(4, message.length);
    frame.set(message, 6);
    conn.write(frame).catch(() => Deno.exit(0));
  });
  await new Promise<void>((resolve) => socket.bind(port, "127.0.0.2", () => resolve()));
  sockets.set(port, socket);
}
let buffer = new Uint8Array(0);
const chunk = new Uint8Array(65536);
for (;;) {
  const n = await conn.read(chunk).catch(() => null);
  if (n === null) Deno.exit(0);
  const joined = new Uint8Array(buffer.length + n);
  joined.set(buffer);
  joined.set(chunk.subarray(0, n), buffer.length);
  buffer = joined;
  while (buffer.length >= 6) {
    const view = new DataView(buffer.buffer, buffer.byteOffset);
    const length = view.getUint16(4);
    if (buffer.length < 6 + length) break;
    const src = view.getUint16(0);
    const dst = view.getUint16(2);
    sockets.get(src)?.send(buffer.slice(6, 6 + length), dst, "127.0.0.1");
    buffer = buffer.slice(6 + length);
  }
}
