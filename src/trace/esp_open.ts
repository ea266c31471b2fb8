/**
 * Opening an ESP packet of a run with the keys the run recorded (as the keys file does), for the
 * inspector's decrypted view: the fields of src/wire/esp_trailer.ts, or why it cannot be opened.
 */
import { type EspKeys, espOpen } from "../stack/ipsec/esp.ts";
import {
  ESP_AUTHS,
  ESP_CIPHERS,
  type EspEncryption,
  type EspIntegrity,
  GCM_ICV,
} from "../stack/ipsec/config.ts";
import { describeOpenedEsp } from "../wire/esp_trailer.ts";
import type { Decoded, Field } from "../wire/field.ts";
import { fail, ok } from "../wire/field.ts";
import { type EspSaKey, ipsecKeysFromTrace } from "./keys_file.ts";
import type { TraceRecord } from "./record.ts";

const fromHex = (text: string) =>
  Uint8Array.from(text.replace(/^0x/, "").match(/../g) ?? [], (b) => parseInt(b, 16));

/** The SA's algorithms from the names the keys file uses (AES-CBC's size from its key's length). */
function keysOf(sa: EspSaKey): EspKeys | undefined {
  const encKey = fromHex(sa.encryptionKey);
  const encryption = (Object.keys(ESP_CIPHERS) as EspEncryption[]).find((name) =>
    ESP_CIPHERS[name].wireshark === sa.encryption && ESP_CIPHERS[name].keyLength === encKey.length
  );
  const integrity =
    (Object.keys(ESP_AUTHS) as EspIntegrity[]).find((name) =>
      ESP_AUTHS[name].wireshark === sa.authentication
    ) ?? "hmac-sha1-96";
  if (!encryption) return undefined;
  return { spi: parseInt(sa.spi, 16), encryption, integrity, encKey, authKey: fromHex(sa.authenticationKey) };
}

/**
 * Fields of the ESP packet `esp` (from its SPI on) at `offset` in its frame, opened with the run's keys.
 */
export function openEspFields(
  records: readonly TraceRecord[],
  esp: Uint8Array,
  offset: number,
): Decoded<Field[]> {
  if (esp.length < 8) return fail("too short for ESP");
  const spi = ((esp[0] << 24) | (esp[1] << 16) | (esp[2] << 8) | esp[3]) >>> 0;
  const sa = ipsecKeysFromTrace(records).esp.find((k) => parseInt(k.spi, 16) === spi);
  if (!sa) return fail(`no keys recorded for SPI 0x${spi.toString(16).padStart(8, "0")}`);
  const keys = keysOf(sa);
  if (!keys) return fail(`unknown ESP cipher ${sa.encryption}`);
  const opened = espOpen(keys, esp);
  if (!opened.ok) return opened;
  const cipher = ESP_CIPHERS[keys.encryption];
  return ok(describeOpenedEsp(esp, offset, {
    spi,
    seq: opened.value.seq,
    ivLength: cipher.iv,
    icvLength: cipher.aead ? GCM_ICV : ESP_AUTHS[keys.integrity].icv,
    payloadLength: opened.value.payload.length,
    padLength: opened.value.padLength,
    nextHeader: opened.value.nextHeader,
    encryption: keys.encryption,
    integrity: cipher.aead ? "gcm" : keys.integrity,
  }));
}
