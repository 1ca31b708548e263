import { bytesEqual } from "../../ledger/bytes.js";
import {
  bool,
  type Codec,
  encode,
  list,
  type Reader,
  string,
  struct,
  u32,
  u64,
  type Writer,
} from "../../ledger/codec.js";
import { CodecError } from "../../ledger/errors.js";

/**
 * The encoding of a policy's rules: a format byte, then one clause per rule that differs from
 * its neutral value, each a u8 kind tag and the rule's value, in increasing tag order. A rule
 * at its neutral value (no tiers, no cap, a 30-day period, ...) is absent, so adding a rule
 * kind later (a new tag, neutral by default) leaves the bytes, and the hash every commission
 * records, of every policy already stored exactly as they were. Decoding refuses an unknown
 * format or tag, tags out of order or repeated, and a clause holding its neutral value (two
 * encodings of one policy).
 */

export const RULES_FORMAT = 1;

export interface RuleKind<T> {
  /** The wire tag: once used, never reused for another rule. */
  readonly tag: number;
  readonly codec: Codec<Exclude<T, undefined>>;
  /** The value an absent clause means. */
  readonly neutral: T;
}
// biome-ignore lint/suspicious/noExplicitAny: a rule map holds kinds of any value type
export type RuleKinds = Record<string, RuleKind<any>>;
export type RulesOf<K extends RuleKinds> = { [F in keyof K]: K[F] extends RuleKind<infer T> ? T : never };

const tierCodec = struct({ minPeriodVolumeFen: u64, bps: u32 });
const channelRateCodec = struct({ channel: string(32), bps: u32 });

/** The rule kinds of format 1, by tag. */
export const RULE_KINDS = {
  /** Commission in basis points of the amount actually received (net of refunds). */
  baseBps: { tag: 1, codec: u32, neutral: 0 } as RuleKind<number>,
  /** A fixed amount per unit kept (net of returned units), added to the percentage. */
  fixedPerUnitFen: { tag: 2, codec: u64, neutral: 0n } as RuleKind<bigint>,
  /** Volume tiers: the highest tier whose minimum the marketer's window volume reached replaces baseBps. */
  tiers: { tag: 3, codec: list(tierCodec, 16), neutral: [] } as RuleKind<
    Array<{ minPeriodVolumeFen: bigint; bps: number }>
  >,
  /** Per channel rate: replaces both baseBps and the tiers for orders of that channel. */
  channelBps: { tag: 4, codec: list(channelRateCodec, 16), neutral: [] } as RuleKind<
    Array<{ channel: string; bps: number }>
  >,
  capPerOrderFen: { tag: 5, codec: u64, neutral: undefined } as RuleKind<bigint | undefined>,
  capPerMarketerPeriodFen: { tag: 6, codec: u64, neutral: undefined } as RuleKind<bigint | undefined>,
  /** Length of the window of tiers and caps, in days of block time since the epoch. */
  periodDays: { tag: 7, codec: u32, neutral: 30 } as RuleKind<number>,
  /** Whether an order the marketer refers to themself (same identity or account) earns. */
  ownPurchaseEarns: { tag: 8, codec: bool, neutral: false } as RuleKind<boolean>,
  /** The team lead's share of the commission, in bps of it (carved out, one level only). */
  teamLeadShareBps: { tag: 9, codec: u32, neutral: 0 } as RuleKind<number>,
};

function isNeutral<T>(kind: RuleKind<T>, value: T): boolean {
  if (kind.neutral === undefined || value === undefined) return value === kind.neutral;
  return bytesEqual(
    encode(kind.codec, value as Exclude<T, undefined>),
    encode(kind.codec, kind.neutral as Exclude<T, undefined>),
  );
}

/** The codec of a set of rule kinds (RULE_KINDS on the chain; tests add kinds to show old bytes stay). */
export function ruleSetCodec<K extends RuleKinds>(kinds: K): Codec<RulesOf<K>> {
  const byTag = Object.entries(kinds).sort(([, a], [, b]) => a.tag - b.tag);
  const tags = new Set(byTag.map(([, k]) => k.tag));
  if (tags.size !== byTag.length || byTag.some(([, k]) => k.tag < 1 || k.tag > 0xff)) {
    throw new TypeError("rule kinds have distinct tags 1..255");
  }
  return {
    encode(v: RulesOf<K>, w: Writer) {
      const present = byTag.filter(([name, kind]) => !isNeutral(kind, v[name]));
      w.u8(RULES_FORMAT);
      w.u8(present.length);
      for (const [name, kind] of present) {
        w.u8(kind.tag);
        kind.codec.encode(v[name], w);
      }
    },
    decode(r: Reader) {
      const format = r.u8();
      if (format !== RULES_FORMAT) {
        throw new CodecError(
          "CODEC_UNKNOWN_TAG",
          `policy rules format ${format}, this node reads ${RULES_FORMAT}`,
          {
            format,
          },
        );
      }
      const out: Record<string, unknown> = Object.fromEntries(
        byTag.map(([name, kind]) => [name, kind.neutral]),
      );
      const count = r.u8();
      let previous = 0;
      for (let i = 0; i < count; i++) {
        const offset = r.offset;
        const tag = r.u8();
        const entry = byTag.find(([, kind]) => kind.tag === tag);
        if (!entry)
          throw new CodecError("CODEC_UNKNOWN_TAG", `unknown policy rule tag ${tag}`, { offset, tag });
        if (tag <= previous) {
          throw new CodecError("CODEC_NON_CANONICAL", "policy rules are in increasing tag order, once each", {
            offset,
            tag,
          });
        }
        previous = tag;
        const [name, kind] = entry;
        const value = kind.codec.decode(r);
        if (isNeutral(kind, value)) {
          throw new CodecError(
            "CODEC_NON_CANONICAL",
            `policy rule ${name} at its neutral value is written as absent`,
            {
              offset,
              tag,
            },
          );
        }
        out[name] = value;
      }
      return out as RulesOf<K>;
    },
  };
}

export const policyRulesCodec = ruleSetCodec(RULE_KINDS);
export type PolicyRules = RulesOf<typeof RULE_KINDS>;

/** Policy rules from the fields that matter, the rest at their neutral values. */
export function policyRules(over: Partial<PolicyRules> & Pick<PolicyRules, "baseBps">): PolicyRules {
  const neutral = Object.fromEntries(Object.entries(RULE_KINDS).map(([name, kind]) => [name, kind.neutral]));
  return { ...(neutral as PolicyRules), ...over };
}
