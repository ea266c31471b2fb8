/**
 * Menus for IPsec proposals written as text (`ike: 3des-sha1-modp1024`, `esp: aes256-sha256`): every
 * single proposal the kind's schema allows, built from the enumerations its map form takes (IKE's
 * encryption × hash × group, ESP's encryption × integrity) and written the way the file writes them,
 * in strongSwan's words. So a student picks 3DES/SHA-1 or AES-256/SHA-256 from a list and can never
 * pick what the loader would refuse; a list of several proposals stays a text field.
 */
import { settingChoices } from "../../src/kinds/index.ts";
import type {
  DhGroupName,
  EspEncryption,
  EspIntegrity,
  IkeEncryption,
} from "../../src/stack/ipsec/config.ts";
import {
  espProposalText,
  ikeProposalText,
  parseEspProposals,
  parseIkeProposals,
} from "../../src/stack/ipsec/proposal_text.ts";
import type { HashAlg } from "../../src/crypto/index.ts";

/** The schema's words at `path` (from the node down), or none. */
function words(kind: string, path: readonly string[]): readonly string[] {
  const key = path.join("\u0000");
  return settingChoices(kind).find((c) => c.path.join("\u0000") === key)?.options ?? [];
}

/**
 * The proposals a menu offers at a node's `ipsec.ike` or `ipsec.esp` (`block` the two keys down to it),
 * each once, in the schema's order; empty when the kind has no such proposals.
 */
export function proposalChoices(kind: string, block: readonly string[]): string[] {
  const last = block[block.length - 1];
  const out: string[] = [];
  const add = (text: string) => {
    if (!out.includes(text)) out.push(text);
  };
  if (last === "ike") {
    for (const encryption of words(kind, [...block, "encryption"])) {
      for (const hash of words(kind, [...block, "hash"])) {
        for (const group of words(kind, [...block, "group"])) {
          add(ikeProposalText({
            encryption: encryption as IkeEncryption,
            hash: hash as HashAlg,
            group: group as DhGroupName,
          }));
        }
      }
    }
  } else if (last === "esp") {
    for (const encryption of words(kind, [...block, "encryption"])) {
      for (const integrity of words(kind, [...block, "integrity"])) {
        // An AEAD cipher (GCM) has no integrity of its own to name: espProposalText writes it once.
        add(
          espProposalText({ encryption: encryption as EspEncryption, integrity: integrity as EspIntegrity }),
        );
      }
    }
  }
  return out;
}

/**
 * A text proposal as the menu writes it (`aes256-sha2_256-modp2048` → `aes256-sha256-modp2048`), or
 * undefined when it is not one proposal the menu could show (a list, or not a proposal at all).
 */
export function menuValue(block: readonly string[], text: string): string | undefined {
  const last = block[block.length - 1];
  if (last === "ike") {
    const parsed = parseIkeProposals(text);
    return parsed.ok && parsed.value.length === 1 ? ikeProposalText(parsed.value[0]) : undefined;
  }
  if (last === "esp") {
    const parsed = parseEspProposals(text);
    return parsed.ok && parsed.value.length === 1 ? espProposalText(parsed.value[0]) : undefined;
  }
  return undefined;
}
