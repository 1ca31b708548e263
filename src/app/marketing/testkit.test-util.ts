import { getSuite } from "../../crypto/index.js";
import type { KeyPair, Suite, SuiteId } from "../../crypto/suite.js";
import { toHex } from "../../ledger/bytes.js";
import { applyBatch, EMPTY_ROOT, MemoryNodeStore } from "../../ledger/index.js";
import { encodeSignedTx, signTx } from "../../ledger/tx.js";
import { issueCertificate } from "../../pki/certificate.js";
import { toPem } from "../../pki/pem.js";
import type { Role } from "../../pki/roles.js";
import { userCodeBytesOf } from "../../pki/user-code.js";
import { addressOf } from "../address.js";
import { type AppEvent, describeResult, type TxResult } from "../events.js";
import { executeBlock, txCodecs } from "../executor.js";
import { parseGenesis, writeGenesisState } from "../genesis.js";
import type { Operation } from "../operations/index.js";
import { StateOverlay, type StateReader } from "../state.js";
import { marketerEarnings } from "./queries.js";
import {
  type Commission,
  type Earnings,
  type PolicyRules,
  type ProductInput,
  policyRules,
  readCommission,
  type ScopeKind,
} from "./records.js";

export const T0 = 1_767_225_600_000n; // 2026-01-01T00:00:00Z
export const DAY_MS = 86_400_000n;
export const CHAIN = "marketing-test";

export interface Actor {
  readonly name: string;
  readonly keys: KeyPair;
  readonly code: Uint8Array;
  readonly address: Uint8Array;
}

export const ACTORS: ReadonlyArray<{ name: string; role: Role; organisation?: string }> = [
  { name: "enterprise", role: "enterprise", organisation: "org1" },
  { name: "enterprise2", role: "enterprise", organisation: "org2" },
  { name: "li", role: "employee-marketer", organisation: "org1" },
  { name: "lead", role: "employee-marketer", organisation: "org1" },
  { name: "wang", role: "outside-marketer", organisation: "org2" },
  { name: "zhao", role: "buyer", organisation: "org2" },
  { name: "qian", role: "buyer", organisation: "org2" },
];
export const ENTERPRISE_FUNDS_FEN = 100_000_000n;

export interface RecordedBlock {
  readonly timeMs: bigint;
  readonly txs: Uint8Array[];
}

/** A key pair derived from a name, so that a story's state roots are the same on every run. */
function fixedKeyPair(suite: Suite, name: string): KeyPair {
  const privateKey = suite.privateKeyFromBytes(suite.hash(new TextEncoder().encode(`MKL/test-key/${name}`)));
  return { privateKey, publicKey: suite.publicKeyOf(privateKey) };
}

let sharedKeys:
  | { suite: Suite; keys: Map<string, KeyPair>; ca: KeyPair; orgCas: Map<string, KeyPair> }
  | undefined;

function keysFor(suiteId: SuiteId) {
  if (sharedKeys?.suite.id !== suiteId) {
    const suite = getSuite(suiteId);
    sharedKeys = {
      suite,
      keys: new Map(ACTORS.map((a) => [a.name, fixedKeyPair(suite, a.name)])),
      ca: fixedKeyPair(suite, "root-ca"),
      orgCas: new Map(["org1", "org2"].map((o) => [o, fixedKeyPair(suite, `${o}-ca`)])),
    };
  }
  return sharedKeys;
}

/** A root CA and the CAs of org1 and org2 (valid from T0 - 1 day for ten years), as genesis JSON. */
export function consortiumPki(shared: { ca: KeyPair; orgCas: Map<string, KeyPair> }) {
  const serial = (n: number) => Uint8Array.of(0x21, n);
  const root = issueCertificate({
    profile: "root-ca",
    subject: { commonName: "Root CA" },
    subjectPublicKey: shared.ca.publicKey,
    serial: serial(1),
    notBeforeMs: T0 - DAY_MS,
    notAfterMs: T0 + 3650n * DAY_MS,
    issuerKey: shared.ca.privateKey,
  });
  const organisations = [...shared.orgCas].map(([id, keys], i) => ({
    id,
    name: `Organisation ${id}`,
    caCertificate: toPem(
      "CERTIFICATE",
      issueCertificate({
        profile: "org-ca",
        subject: { commonName: `${id} CA`, organization: id },
        subjectPublicKey: keys.publicKey,
        serial: serial(2 + i),
        notBeforeMs: T0 - DAY_MS,
        notAfterMs: T0 + 3650n * DAY_MS,
        issuer: root,
        issuerKey: shared.ca.privateKey,
      }).der,
    ),
  }));
  return { pki: { rootCertificate: toPem("CERTIFICATE", root.der) }, organisations };
}

/** Fresh keys for a consortium (root CA, org1 and org2 CAs). */
export function consortiumKeys(suite: Suite) {
  return {
    ca: suite.generateKeyPair(),
    orgCas: new Map(["org1", "org2"].map((o) => [o, suite.generateKeyPair()])),
  };
}

/** A chain without storage or network: genesis with two enterprises, marketers and buyers. */
export class MarketChain {
  readonly suite: Suite;
  readonly actors = new Map<string, Actor>();
  private readonly committed = new Map<string, Uint8Array>();
  readonly state: StateReader = { get: (k) => this.committed.get(toHex(k)) };
  readonly blocks: RecordedBlock[] = [];
  readonly endEvents: AppEvent[][] = [];
  /** The state root after each block (hex), for replay comparisons. */
  readonly roots: string[] = [];
  height = 0n;
  timeMs = T0;
  private readonly nonces = new Map<string, bigint>();
  private nodes = new MemoryNodeStore();
  root: Uint8Array = EMPTY_ROOT;

  constructor(suiteId: SuiteId = "ed25519") {
    const shared = keysFor(suiteId);
    this.suite = shared.suite;
    const { pki, organisations: orgs } = consortiumPki(shared);
    for (const a of ACTORS) {
      const keys = shared.keys.get(a.name)!;
      this.actors.set(a.name, {
        name: a.name,
        keys,
        code: userCodeBytesOf(this.suite.hash, keys.publicKey.bytes),
        address: addressOf(this.suite.hash, keys.publicKey.bytes),
      });
    }
    const genesis = parseGenesis({
      chainId: CHAIN,
      suite: suiteId,
      genesisTimeMs: T0.toString(),
      validators: [{ name: "v0", publicKey: toHex(shared.ca.publicKey.bytes), power: "1" }],
      pki,
      organisations: orgs,
      identities: ACTORS.map((a) => ({
        role: a.role,
        ...(a.organisation ? { organisation: a.organisation } : {}),
        publicKey: toHex(this.actor(a.name).keys.publicKey.bytes),
      })),
      accounts: ["enterprise", "enterprise2"].map((n) => ({
        address: toHex(this.actor(n).address),
        balanceFen: ENTERPRISE_FUNDS_FEN.toString(),
      })),
    });
    const overlay = new StateOverlay(this.state);
    writeGenesisState(overlay, genesis);
    this.apply(overlay.sortedWrites());
  }

  actor(name: string): Actor {
    const a = this.actors.get(name);
    if (!a) throw new Error(`no actor ${name}`);
    return a;
  }

  tx(name: string, op: Operation): Uint8Array {
    const signer = this.actor(name).keys;
    const nonce = this.nonces.get(name) ?? 0n;
    const bytes = encodeSignedTx(
      signTx(
        this.suite,
        signer.privateKey,
        { chainId: CHAIN, sender: signer.publicKey.bytes, nonce, expiryHeight: 1_000_000n, op },
        txCodecs,
      ),
      txCodecs,
    );
    // The nonce is taken only by a transaction that could be encoded.
    this.nonces.set(name, nonce + 1n);
    return bytes;
  }

  /** Executes and commits one block at the current time; then time moves on by `stepMs`. */
  block(txs: Uint8Array[], stepMs = 1000n): { results: TxResult[]; endBlockEvents: AppEvent[] } {
    const env = { chainId: CHAIN, height: this.height + 1n, timeMs: this.timeMs };
    const outcome = executeBlock(this.suite, this.state, env, txs);
    this.apply(outcome.writes);
    this.blocks.push({ timeMs: this.timeMs, txs });
    this.endEvents.push(outcome.endBlockEvents ?? []);
    this.roots.push(toHex(this.root));
    this.height++;
    this.timeMs += stepMs;
    return { results: outcome.results, endBlockEvents: outcome.endBlockEvents ?? [] };
  }

  /** One operation in its own block; returns its result. */
  run(name: string, op: Operation): TxResult {
    return this.block([this.tx(name, op)]).results[0]!;
  }

  /**
   * Executes one operation in a block at the current time and keeps nothing: the state, the
   * nonce and the height stay as they were, so every dry run starts from the same state.
   */
  dryRun(name: string, op: Operation): TxResult {
    const nonce = this.nonces.get(name);
    try {
      const env = { chainId: CHAIN, height: this.height + 1n, timeMs: this.timeMs };
      return executeBlock(this.suite, this.state, env, [this.tx(name, op)]).results[0]!;
    } finally {
      if (nonce === undefined) this.nonces.delete(name);
      else this.nonces.set(name, nonce);
    }
  }

  /** Like run, but throws unless the operation succeeded. */
  ok(name: string, op: Operation): TxResult {
    const result = this.run(name, op);
    if (result.code !== "OK") throw new Error(`${op.kind} by ${name} failed: ${describeResult(result)}`);
    return result;
  }

  /**
   * The enterprise confirms payment of each order (at `paidFen`), ships and delivers it, one
   * block per step, each of them all OK: the orders then wait out their return windows.
   */
  payShipDeliver(orderIds: readonly bigint[], paidFen: bigint): void {
    for (const [kind, reason] of [
      ["confirmPayment", ""],
      ["shipOrder", "shipped"],
      ["confirmDelivery", "delivered"],
    ] as const) {
      const txs = orderIds.map((orderId, i) =>
        this.tx(
          "enterprise",
          kind === "confirmPayment"
            ? { kind, value: { idempotencyKey: `${kind}${i}`, orderId, amountReceivedFen: paidFen } }
            : { kind, value: { idempotencyKey: `${kind}${i}`, orderId, reason } },
        ),
      );
      const refused = this.block(txs).results.filter((r) => r.code !== "OK");
      if (refused.length > 0) throw new Error(`${kind}: ${refused.map(describeResult).join("; ")}`);
    }
  }

  /** Lets block time pass: an empty block at now + ms. */
  advance(ms: bigint): AppEvent[] {
    this.timeMs += ms;
    return this.block([]).endBlockEvents;
  }

  /** Replays recorded blocks on this (fresh) chain; returns the state root after each. */
  replay(blocks: readonly RecordedBlock[]): string[] {
    for (const b of blocks) {
      this.timeMs = b.timeMs;
      this.block(b.txs);
    }
    return this.roots;
  }

  private apply(writes: ReadonlyArray<{ key: Uint8Array; value: Uint8Array | undefined }>): void {
    for (const w of writes) {
      if (w.value === undefined) this.committed.delete(toHex(w.key));
      else this.committed.set(toHex(w.key), w.value);
    }
    const batch = applyBatch(this.nodes, this.suite.hash, this.root, [...writes]);
    this.nodes.putAll(batch.newNodes);
    this.root = batch.root;
  }
}

export function attr(event: AppEvent, key: string): string | undefined {
  return event.attributes.find((a) => a.key === key)?.value;
}

export function eventsOf(result: { events: AppEvent[] }, type: string): AppEvent[] {
  return result.events.filter((e) => e.type === type);
}

export const plainRules = (over: Partial<PolicyRules> = {}): PolicyRules =>
  policyRules({ baseBps: 1000, ...over });

/** A catalogue row with neutral values (a 7-day return window, online only). */
export const productRow = (sku: string, over: Partial<ProductInput> = {}): ProductInput => ({
  sku,
  name: sku,
  category: "tea",
  priceFen: 10_000n,
  costFen: 1n,
  stock: 10n,
  channels: ["online"],
  serviceTerms: "",
  returnWindowDays: 7,
  status: "active" as const,
  ...over,
});

/**
 * org1 lists `skus` (100 fen each, no cost, a 1-day return window) and sets one plain
 * enterprise-wide policy: a catalogue whose orders all fall due a day after delivery.
 */
export function oneDayCatalogue(c: MarketChain, skus: readonly string[], stock: bigint): void {
  const shop = new Shop(c);
  const row = (sku: string) =>
    productRow(sku, { category: "", priceFen: 100n, costFen: 0n, stock, returnWindowDays: 1 });
  shop.roster(skus.map(row), []);
  shop.policy("std", "enterprise", "", plainRules());
}

/**
 * The business steps of a story on a MarketChain for org1, each in its own block and each
 * required to succeed (`attempt` returns the result of one that may fail).
 */
export class Shop {
  private n = 0;
  constructor(readonly c: MarketChain = new MarketChain()) {}

  key(): string {
    return `shop-${++this.n}`;
  }

  attempt(signer: string, op: Operation): TxResult {
    return this.c.run(signer, op);
  }

  /** The commission of a completed order line. */
  commission(orderId: bigint): Commission {
    const found = readCommission(this.c.state, orderId);
    if (!found) throw new Error(`order ${orderId} has no commission`);
    return found;
  }

  /** What org1 owes (and paid) `who`. */
  earnings(who: string): Earnings {
    return marketerEarnings(this.c.state, "org1", this.c.actor(who).code);
  }

  roster(products: ProductInput[], marketers: Array<{ name: string; lead?: string; active?: boolean }>) {
    this.c.ok("enterprise", {
      kind: "importBatch",
      value: {
        idempotencyKey: this.key(),
        products,
        marketers: marketers.map((m) => ({
          code: this.c.actor(m.name).code,
          teamLead: m.lead === undefined ? undefined : this.c.actor(m.lead).code,
          active: m.active ?? true,
        })),
      },
    });
  }

  policy(policyId: string, scopeKind: ScopeKind, scopeValue: string, rules: PolicyRules): void {
    this.c.ok("enterprise", {
      kind: "setRoyaltyPolicy",
      value: { idempotencyKey: this.key(), policyId, scopeKind, scopeValue, rules },
    });
  }

  deposit(amountFen: bigint): void {
    this.c.ok("enterprise", {
      kind: "depositEscrow",
      value: { idempotencyKey: this.key(), amountFen, reference: "FIN" },
    });
  }

  referral(who: string, sku: string): string {
    const r = this.c.ok(who, {
      kind: "createReferralCode",
      value: { idempotencyKey: this.key(), enterprise: "org1", sku },
    });
    return attr(r.events[0]!, "code") ?? attr(r.events[0]!, "ref")!;
  }

  orderOp(
    sku: string,
    referralCode: string | undefined,
    o: { quantity?: number; channel?: string; buyerCode?: Uint8Array } = {},
  ): Operation {
    return {
      kind: "createOrder",
      value: {
        idempotencyKey: this.key(),
        enterprise: "org1",
        channel: o.channel ?? "online",
        lines: [{ sku, quantity: o.quantity ?? 1, referralCode }],
        buyerCommitment: new Uint8Array(32).fill(1),
        buyerCode: o.buyerCode,
      },
    };
  }

  /** A one-line order; an enterprise-created order names its buyer's code (`buyerCode`). */
  order(
    signer: string,
    sku: string,
    referralCode: string | undefined,
    o: { quantity?: number; channel?: string; buyerCode?: Uint8Array } = {},
  ): bigint {
    const r = this.c.ok(signer, this.orderOp(sku, referralCode, o));
    return BigInt(attr(r.events[0]!, "orderId")!);
  }

  /** Paid, shipped and delivered (a product without a return window completes in that block). */
  deliver(orderId: bigint, amountReceivedFen: bigint): void {
    this.c.ok("enterprise", {
      kind: "confirmPayment",
      value: { idempotencyKey: this.key(), orderId, amountReceivedFen },
    });
    this.c.ok("enterprise", {
      kind: "shipOrder",
      value: { idempotencyKey: this.key(), orderId, reason: "shipped" },
    });
    this.c.ok("enterprise", {
      kind: "confirmDelivery",
      value: { idempotencyKey: this.key(), orderId, reason: "delivered" },
    });
  }

  receipt(buyer: string, orderId: bigint): void {
    this.c.ok(buyer, {
      kind: "confirmReceipt",
      value: { idempotencyKey: this.key(), orderId, reason: "buyer-confirmed" },
    });
  }

  /** A buyer's order through `referralCode`, delivered and confirmed by the buyer: completed now. */
  sale(
    buyer: string,
    sku: string,
    referralCode: string | undefined,
    amountReceivedFen: bigint,
    o: { quantity?: number; channel?: string } = {},
  ): bigint {
    const id = this.order(buyer, sku, referralCode, o);
    this.deliver(id, amountReceivedFen);
    this.receipt(buyer, id);
    return id;
  }

  refund(orderId: bigint, amountFen: bigint, returnedUnits = 0): void {
    this.c.ok("enterprise", {
      kind: "refundOrder",
      value: { idempotencyKey: this.key(), orderId, amountFen, returnedUnits, reason: "damaged" },
    });
  }

  /** Returns the withdrawal id. */
  withdraw(who: string, amountFen: bigint): number {
    const r = this.c.ok(who, {
      kind: "requestWithdrawal",
      value: { idempotencyKey: this.key(), enterprise: "org1", amountFen },
    });
    return Number(attr(eventsOf(r, "withdrawalRequested")[0]!, "withdrawalId"));
  }

  decide(withdrawalId: number, paid: boolean, signer = "enterprise"): TxResult {
    return this.c.ok(signer, {
      kind: "decideWithdrawal",
      value: {
        idempotencyKey: this.key(),
        enterprise: "org1",
        withdrawalId,
        paid,
        externalReference: paid ? `BANK-${withdrawalId}` : "",
      },
    });
  }
}
