import { z } from "zod";
import { SUITE_IDS } from "../crypto/suite.js";
import { fromHex } from "../ledger/bytes.js";
import { bytes, type CodecType, encode, list, string, struct, u32, u64 } from "../ledger/codec.js";
import { writeAccount } from "./accounts.js";
import { ADDRESS_BYTES } from "./address.js";
import {
  genesisIdentitySchema,
  genesisOrganisationSchema,
  genesisPkiSchema,
  orgIdSchema,
  writeIdentityGenesis,
} from "./identity/genesis.js";
import type { StateOverlay } from "./state.js";

const decimal = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,19})$/, "a non-negative integer written in decimal, as a string")
  .transform((s) => BigInt(s));
const hex = (bytes?: number) =>
  z
    .string()
    .regex(bytes === undefined ? /^([0-9a-f]{2})+$/ : new RegExp(`^[0-9a-f]{${bytes * 2}}$`), "lowercase hex")
    .transform((s) => fromHex(s));

/** Protocol parameters: the same on every node, fixed at genesis (governance may change them later). */
export const paramsSchema = z.object({
  maxBlockTxs: z.number().int().min(1).max(20_000).default(2_000),
  maxBlockBytes: z
    .number()
    .int()
    .min(1024)
    .max(32 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  /** How far ahead of its next nonce a sender may queue transactions. */
  nonceWindow: z.number().int().min(1).max(10_000).default(256),
});
export type ProtocolParams = z.infer<typeof paramsSchema>;

/**
 * The version of the chain's encodings and rules that this code implements. A chain runs one
 * version from genesis; a node refuses a genesis file of another. 1: transaction results
 * hashed with their message; 2: results hash only their code and details; 3: the header's
 * lastCommitHash commits to the previous block's certificate, which the block carries;
 * 4: marketing policy rules as tagged clauses after a format byte, marketing statuses and
 * reason codes as closed enumerations, royalty rules R1-R5, instant payout; 5: policies checked
 * with the one schema the SDK shares (R6; a refusal's details name the field), and one
 * operation, decideWithdrawal, for finance and authorised payment services (tag 220 retired);
 * 6: every operation's stateless check is one function the executor and the SDK share
 * (OperationHandler.checkValue), with idempotency keys of printable ASCII, no empty import,
 * no 0-unit line (QUANTITY_INVALID), and revocation reasons as a closed enumeration;
 * 7: one governance proposal of tagged actions (tag 302; validator changes, organisations,
 * observers, node certificates) under gov/proposals/, tag 300 retired, removed organisations;
 * 8: organisations join only by governance (admitOrganisation): registerOrganisation, with which
 * the platform operator admitted one alone, is retired (tag 100);
 * 9: an order line records its unit cost at creation, sales records their cost, and anomalies
 * are counted per enterprise and kind (mkt/anomalies/);
 * 10: p2p messages backfillRequest (tag 7) and backfillBlocks (tag 8), with which a node
 * restored from a snapshot fetches the blocks below it with their results;
 * 11: p2p messages compactProposal (tag 9: a signed proposal whose block names its
 * transactions by hash, resolved from the receiver's pool) and proposalRequest (tag 10: a height
 * and round, answered with the whole proposal by its proposer);
 * 12: a block's work bound (src/app/block-work.ts, src/app/tx-work.ts): a transaction starts
 * only while the block's earlier transactions weigh below TX_WORK_LIMIT work units (else the
 * block is invalid, BLOCK_OVER_WORK_LIMIT; a proposer fills its block up to it), and the
 * end-block hook completes due orders and settles waiting commissions only while the block
 * weighs below BLOCK_WORK_LIMIT.
 */
export const PROTOCOL_VERSION = 12;

export const genesisSchema = z.object({
  protocolVersion: z
    .number()
    .int()
    .default(PROTOCOL_VERSION)
    .refine((v) => v === PROTOCOL_VERSION, `this node implements protocol version ${PROTOCOL_VERSION}`),
  chainId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and dashes"),
  suite: z.enum(SUITE_IDS),
  genesisTimeMs: decimal,
  params: paramsSchema.default(paramsSchema.parse({})),
  validators: z
    .array(
      z.object({
        name: z.string().min(1).max(64),
        publicKey: hex(),
        power: decimal,
        /** The organisation running the validator; it becomes a node-operator identity of it. */
        organisation: orgIdSchema.optional(),
      }),
    )
    .min(1, "a chain needs at least one validator"),
  accounts: z.array(z.object({ address: hex(ADDRESS_BYTES), balanceFen: decimal })).default([]),
  /** The consortium root CA (and, on chains whose suite TLS cannot use, a P-256 TLS root). */
  pki: genesisPkiSchema.optional(),
  organisations: z.array(genesisOrganisationSchema).default([]),
  /** Identities that exist from genesis: platform operators, first organisation admins, ... */
  identities: z.array(genesisIdentitySchema).default([]),
});
export type Genesis = z.infer<typeof genesisSchema>;
/** The JSON form of a genesis file, as written to disk. */
export type GenesisJson = z.input<typeof genesisSchema>;

/** Public keys are 65 bytes (SEC1 uncompressed point) or 32 (Ed25519). */
export const genesisValidatorCodec = struct({ name: string(64), publicKey: bytes(65), power: u64 });
export const validatorSetCodec = list(genesisValidatorCodec, 1_000);
export type GenesisValidator = CodecType<typeof genesisValidatorCodec>;

const paramsCodec = struct({ maxBlockTxs: u32, maxBlockBytes: u32, nonceWindow: u32 });

export const PARAMS_KEY = new TextEncoder().encode("params");
export const PROTOCOL_VERSION_KEY = new TextEncoder().encode("protocol-version");
export const VALIDATORS_KEY = new TextEncoder().encode("validators");

export function parseGenesis(json: unknown): Genesis {
  return genesisSchema.parse(json);
}

/**
 * Writes the genesis state: protocol parameters, the validator set, the opening balances and
 * the identity registry (throws GENESIS_INVALID on a certificate that does not chain).
 */
export function writeGenesisState(state: StateOverlay, genesis: Genesis): void {
  state.set(PROTOCOL_VERSION_KEY, encode(u32, genesis.protocolVersion));
  state.set(PARAMS_KEY, encode(paramsCodec, genesis.params));
  state.set(
    VALIDATORS_KEY,
    encode(
      validatorSetCodec,
      genesis.validators.map(({ name, publicKey, power }) => ({ name, publicKey, power })),
    ),
  );
  for (const account of genesis.accounts) {
    writeAccount(state, account.address, { balanceFen: account.balanceFen, nonce: 0n });
  }
  writeIdentityGenesis(state, genesis);
}
