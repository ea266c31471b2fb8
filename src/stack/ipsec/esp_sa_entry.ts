/**
 * One ESP SA as Wireshark's ESP SA table (the esp_sa UAT) wants it: the entry an "established"
 * record carries for the keys file. IKEv1's SA database and the IKEv2 daemon export their pairs
 * through it, so both protocols' keys read the same in tshark.
 */
import { toHex } from "../../crypto/index.ts";
import { formatIp, type Ip4 } from "../../wire/addr.ts";
import { hexNum } from "../../wire/octets.ts";
import { ESP_AUTHS, ESP_CIPHERS } from "./config.ts";
import type { EspKeys } from "./esp.ts";

export function wiresharkEspSa(
  spi: number,
  keys: EspKeys,
  src: Ip4,
  dst: Ip4,
  udpEncap: boolean,
): Record<string, unknown> {
  const cipher = ESP_CIPHERS[keys.encryption];
  return {
    spi: hexNum(spi, 8),
    src: formatIp(src),
    dst: formatIp(dst),
    encryption: cipher.wireshark,
    encryptionKey: toHex(keys.encKey),
    authentication: cipher.aead ? "NULL" : ESP_AUTHS[keys.integrity].wireshark,
    authenticationKey: cipher.aead ? "" : toHex(keys.authKey),
    udpEncap,
  };
}
