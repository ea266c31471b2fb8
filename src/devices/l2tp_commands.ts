/**
 * Hosts run `vpn connect NAME` and `vpn disconnect NAME` through the node-command registry, so the
 * host kind's class needs no change to carry a VPN client.
 */
import { registerNodeCommand } from "./device.ts";
import { vpnClientOf } from "./vpn_client.ts";

registerNodeCommand(
  "vpn-connect",
  (device, command) => vpnClientOf(device).connect(String(command.args.name)),
);
registerNodeCommand(
  "vpn-disconnect",
  (device, command) => vpnClientOf(device).disconnect(String(command.args.name)),
);
