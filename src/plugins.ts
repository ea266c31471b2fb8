/**
 * The one list of modules that add node kinds, commands and dissectors to the core. Importing this
 * file registers them all; the loader, the CLI and the browser entry import it before anything else,
 * so every shell sees the same protocols. Add a line here when a module registers something.
 */
import "./topology/kinds.ts";
import "./topology/commands.ts";
import "./wire/l2tp.ts";
import "./wire/stun.ts";
import "./topology/kinds_nat.ts";
import "./topology/kinds_l2tp.ts";
import "./devices/l2tp_commands.ts";
import "./devices/lac.ts";
import "./wire/isakmp.ts";
import "./wire/esp.ts";
import "./topology/kinds_ipsec.ts";
import { registerIpDissector } from "./wire/dissect.ts";
import { PROTO_TCP, tcpDissector } from "./wire/tcp.ts";
import { registerCommand } from "./topology/commands.ts";
import { TCP_COMMANDS } from "./topology/tcp_commands.ts";
import { registerNodeCommand } from "./devices/device.ts";
import { TCP_NODE_COMMANDS } from "./devices/apps/tcp_tools.ts";

// TCP lists what it adds instead of registering it when imported.
registerIpDissector(PROTO_TCP, tcpDissector);
for (const def of TCP_COMMANDS) registerCommand(def);
for (const [id, handler] of Object.entries(TCP_NODE_COMMANDS)) registerNodeCommand(id, handler);
