import { mayMarketFor } from "../../../src/app/marketing/operations.js";
import { keys, marketerCodec } from "../../../src/app/marketing/records.js";
import { fromHex } from "../../../src/ledger/bytes.js";
import { encodeUserCode } from "../../../src/pki/user-code.js";
import { type IdentityJson, identityOrNone } from "./api.js";
import { readIndexValues, readState } from "./state-reads.js";

/** One marketer an enterprise knows: their HR record (if imported) and their identity on the chain. */
export interface RosterEntry {
  code: string;
  identity: IdentityJson | undefined;
  /** Absent for a marketer who earned here but was never imported by HR. */
  teamLead: string | undefined;
  active: boolean;
  imported: boolean;
}

/** The enterprise's marketers: everyone its marketer index holds (imported by HR or paid here). */
export async function roster(org: string): Promise<RosterEntry[]> {
  const hexCodes = await readIndexValues(org, "marketer");
  return Promise.all(
    hexCodes.map(async (hex): Promise<RosterEntry> => {
      const bytes = fromHex(hex);
      const [record, identity] = await Promise.all([
        readState(keys.marketer(org, bytes), marketerCodec),
        identityOrNone(encodeUserCode(bytes)),
      ]);
      const m = record.value;
      return {
        code: encodeUserCode(bytes),
        identity,
        teamLead: m?.teamLead ? encodeUserCode(m.teamLead) : undefined,
        active: m?.active ?? true,
        imported: m !== undefined,
      };
    }),
  );
}

/** Why a user code cannot be a marketer of `org` (the chain's rule in checkMarketer), or undefined. */
export function notAMarketerHere(identity: IdentityJson | undefined, org: string): string | undefined {
  if (!identity) return "noIdentity";
  return mayMarketFor(identity.role, identity.organisation, org) ? undefined : "notMarketer";
}
