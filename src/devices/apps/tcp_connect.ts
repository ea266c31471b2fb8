/**
 * `tcp connect DST PORT`: opens a bare TCP connection (like `nc -z`), reports how the handshake went
 * (connected with the round-trip time, refused by a reset, or timed out after the SYN retries), then
 * closes it with a FIN.
 */
import { MS } from "../../engine/time.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import type { TcpConnection } from "../../stack/tcp/connection.ts";
import type { Device } from "../device.ts";
import { tcpOf } from "../tcp_host.ts";

/** Connects to `dst:port` and logs the outcome. */
export function startTcpConnect(device: Device, dst: Ip4, port: number): void {
  const { sched } = device.ctx;
  const target = `${formatIp(dst)}:${port}`;
  const began = sched.now;
  let connected = false;
  device.log(`tcp connect to ${target}`);
  const result = tcpOf(device).connect(dst, port, {
    onConnected() {
      connected = true;
      const c = result as TcpConnection;
      device.log(
        `tcp: connected to ${target} from ${formatIp(c.localIp)}:${c.localPort} in ${
          ((sched.now - began) / MS).toFixed(2)
        } ms (MSS ${c.mss})`,
        { tool: "tcp", connected: true, mss: c.mss },
      );
      c.close();
    },
    onClosed(error) {
      if (error && !connected) {
        device.log(`tcp: connect to ${target} failed: ${error}`, { tool: "tcp", connected: false, error });
      } else if (error) device.log(`tcp: connection to ${target} ended: ${error}`);
      else device.log(`tcp: connection to ${target} closed`);
    },
  });
  if (typeof result === "string") {
    device.log(`tcp: connect to ${target} failed: ${result}`, {
      tool: "tcp",
      connected: false,
      error: result,
    });
    return;
  }
}
