/**
 * Script commands that modules add to existing node kinds (`nat-check` and `stun-server` on a host),
 * without each kind's class knowing them.
 *
 * Kinds pass commands they do not know to `Device.prototype.runCommand` (`super.runCommand`), so
 * this module wraps that fallback once: a registered handler runs first, and the original fallback
 * ("has no command") runs otherwise. The core could offer the same as a registry consulted in
 * `Device.runCommand`; this wrapper is the stand-in until it does, and keeps the same contract.
 */
import type { ParsedCommand } from "../topology/model.ts";
import { Device } from "./device.ts";

/** Runs a command on a device. */
export type NodeCommandHandler = (device: Device, command: ParsedCommand) => void;

const handlers = new Map<string, NodeCommandHandler>();
let installed = false;

/** Lets every node kind run the command whose parsed name is `id`. */
export function registerNodeCommand(id: string, handler: NodeCommandHandler): void {
  handlers.set(id, handler);
  if (installed) return;
  installed = true;
  const fallback = Device.prototype.runCommand;
  Device.prototype.runCommand = function (this: Device, command: ParsedCommand): void {
    const handler = handlers.get(command.name);
    if (handler) return handler(this, command);
    return fallback.call(this, command);
  };
}
