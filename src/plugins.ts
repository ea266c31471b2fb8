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
import "./wire/wireguard.ts";
import "./topology/kinds_wireguard.ts";
