/** The `tap` kind: an eavesdropper on a link that records every frame and changes nothing. */
import { Tap, type TapSettings } from "../devices/tap.ts";
import { list, str } from "../topology/schema.ts";
import { type Agree, defineKind, optional, required, type SettingsOf } from "./kind.ts";

const keys = {
  link: required(str({ nonEmpty: true })),
  wordlist: optional(list(str({ nonEmpty: true }), { min: 1 })),
};

const _agree: Agree<SettingsOf<typeof keys>, TapSettings> = true;

/** A tap on a link. */
export const tapKind = defineKind({
  name: "tap",
  summary:
    "an eavesdropper on a link: records every frame it sees there, changes nothing; psk-crack tests a wordlist against a captured Aggressive Mode exchange",
  routes: false,
  gateway: false,
  interfacesRequired: false,
  keys,
  commands: ["crack mschapv2", "psk-crack"],
  check(_node, settings, model, report, positions) {
    const names = model.links.map((l) => l.name);
    if (!names.includes(settings.link)) {
      report(
        positions.link,
        `link: there is no link "${settings.link}" to tap (links: ${names.join(", ") || "none"})`,
      );
    }
  },
  create: (spec, settings, ctx) => new Tap(spec, ctx, settings),
});
