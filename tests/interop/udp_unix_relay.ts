/**
 * Runs inside the private network namespace of the strongSwan interop tests: UDP sockets on
 * 127.0.0.2 (the simulated peer's address, ports 500 and 4500) relayed over a Unix stream socket to
 * the test outside the namespace, framed as relay_frames.ts says.
 */
import dgram from "node:dgram";
import { encodeFrame, readFrames } from "./relay_frames.ts";

const [path, ...ports] = Deno.args;
const listener = Deno.listen({ transport: "unix", path });
const conn = await listener.accept();
const sockets = new Map<number, dgram.Socket>();
for (const port of ports.map(Number)) {
  const socket = dgram.createSocket("udp4");
  socket.on("message", (message: Uint8Array, from: { port: number }) => {
    conn.write(encodeFrame(from.port, port, message)).catch(() => Deno.exit(0));
  });
  await new Promise<void>((resolve) => socket.bind(port, "127.0.0.2", () => resolve()));
  sockets.set(port, socket);
}
await readFrames(conn, ({ src, dst, payload }) => sockets.get(src)?.send(payload, dst, "127.0.0.1"));
Deno.exit(0);
