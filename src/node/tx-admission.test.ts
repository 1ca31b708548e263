import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressOf } from "../app/address.js";
import { txCodecs } from "../app/executor.js";
import { getSuite } from "../crypto/index.js";
import type { KeyPair } from "../crypto/suite.js";
import { LedgerError } from "../errors.js";
import { encodeSignedTx, signTx } from "../ledger/tx.js";
import { LedgerNode } from "./node.js";
import { type SoloTestHome, soloTestHome } from "./solo-home.test-util.js";
import { admitToMempool } from "./tx-admission.js";
import { VerifyBudget } from "./verify-budget.js";

/**
 * The unsigned-flood attack: forged transactions (distinct, so no cache helps) must be refused by
 * the cheap checks, or cost at most their client's verification budget, not a full SM2
 * verification each.
 */
const suite = getSuite("sm");
const BURST = 50;
let solo: SoloTestHome;
let node: LedgerNode;
let alice: KeyPair;
let bob: KeyPair;

beforeAll(async () => {
  solo = soloTestHome("flood", { admission: { clientVerifyPerSecond: 1, clientVerifyBurst: BURST } });
  ({ alice, bob } = solo);
  node = await LedgerNode.open(solo.home, pino({ level: "silent" }));
});

afterAll(async () => {
  await node.stop();
  solo.remove();
});

/** A transfer claiming `sender`, signed by `signer` (a forgery unless they are the same key). */
function transfer(sender: KeyPair, signer: KeyPair, nonce: bigint, amountFen: bigint): Uint8Array {
  const unsigned = {
    chainId: "flood-test",
    sender: sender.publicKey.bytes,
    nonce,
    expiryHeight: 1_000n,
    op: {
      kind: "transfer" as const,
      value: { to: addressOf(suite.hash, bob.publicKey.bytes), amountFen, memo: "" },
    },
  };
  return encodeSignedTx(signTx(suite, signer.privateKey, unsigned, txCodecs), txCodecs);
}

function refusalCodes(txs: Uint8Array[], client: string): Map<string, number> {
  const codes = new Map<string, number>();
  for (const tx of txs) {
    try {
      node.submitTx(tx, client);
      codes.set("ADMITTED", (codes.get("ADMITTED") ?? 0) + 1);
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
    }
  }
  return codes;
}

async function signatureChecks(): Promise<number> {
  return (await node.metrics.txSignatureChecks.get()).values[0]?.value ?? 0;
}

describe("admission under a forged flood", () => {
  const mallory = suite.generateKeyPair();
  const strangers = Array.from({ length: 10 }, () => suite.generateKeyPair());

  it("refuses forgeries from unknown senders and out-of-window nonces with no signature check", async () => {
    const unknown = Array.from({ length: 500 }, (_, i) =>
      transfer(strangers[i % 10]!, mallory, 0n, BigInt(i + 1)),
    );
    const farAhead = Array.from({ length: 500 }, (_, i) => transfer(alice, mallory, 1_000n + BigInt(i), 1n));
    expect(refusalCodes(unknown, "10.0.0.1")).toEqual(new Map([["IDENTITY_UNKNOWN", 500]]));
    expect(refusalCodes(farAhead, "10.0.0.1")).toEqual(new Map([["TX_NONCE_TOO_HIGH", 500]]));
    expect(await signatureChecks()).toBe(0);
  });

  it("verifies at most a client's budget of plausible forgeries, and still admits another client's transaction", async () => {
    const started = performance.now();
    const plausible = Array.from({ length: 1_000 }, (_, i) => transfer(alice, mallory, 0n, BigInt(i + 1)));
    const codes = refusalCodes(plausible, "10.0.0.1");
    const elapsedSeconds = (performance.now() - started) / 1000;
    // The budget refills at 1 verification per second: the bound holds however slow this machine is.
    const bound = BURST + Math.ceil(elapsedSeconds);
    expect(codes.get("TX_BAD_SIGNATURE")).toBeLessThanOrEqual(bound);
    expect((codes.get("TX_BAD_SIGNATURE") ?? 0) + (codes.get("TX_VERIFY_BUDGET") ?? 0)).toBe(1_000);
    expect(await signatureChecks()).toBe(codes.get("TX_BAD_SIGNATURE"));
    expect(refusalCodes([transfer(alice, alice, 0n, 7n)], "10.0.0.2")).toEqual(new Map([["ADMITTED", 1]]));
  });
});

describe("admission at the commit pace", () => {
  /** The node's own admission parts, with budgets that never run out. */
  const admissionOf = () => {
    const budget = () => new VerifyBudget({ perSecond: 1_000, burst: 1_000, maxClients: 10 });
    return { suite, chain: node.chain, mempool: node.mempool, clientBudget: budget(), peerBudget: budget() };
  };

  it("refuses a client's transaction with MEMPOOL_FULL, unverified, once the pool holds the paced amount; a peer's relay still enters", async () => {
    const deps = { ...admissionOf(), clientPoolLimit: () => node.mempool.size };
    const before = node.mempool.size;
    const nonce = node.chain.accountNonce(addressOf(suite.hash, alice.publicKey.bytes)) + 1n;
    const client = { kind: "client", address: "10.0.0.3" } as const;
    let checks = 0;
    const counted = { ...deps, onSignatureCheck: () => checks++ };
    expect(() => admitToMempool(counted, transfer(alice, alice, nonce, 9n), client)).toThrow(
      expect.objectContaining({ code: "MEMPOOL_FULL" }),
    );
    expect(checks).toBe(0);
    admitToMempool(counted, transfer(alice, alice, nonce, 9n), { kind: "peer", id: "p" });
    expect(checks).toBe(1);
    expect(node.mempool.size).toBe(before + 1);
  });

  it("refuses a client's transaction past the pool's bound or this node's share before decoding it, unless it fills a gap", () => {
    const base = admissionOf();
    const client = { kind: "client", address: "10.0.0.4" } as const;
    const bobNonce = node.chain.accountNonce(addressOf(suite.hash, bob.publicKey.bytes));
    // Bob has nothing pending: a transaction cut short after its nonce is refused for want of
    // room, not for its encoding (nothing past the sender was read).
    const cut = transfer(bob, bob, bobNonce, 1n).subarray(0, 100);
    const atPoolBound = { ...base, clientPoolLimit: () => node.mempool.runnable };
    expect(() => admitToMempool(atPoolBound, cut, client)).toThrow(
      expect.objectContaining({ code: "MEMPOOL_FULL" }),
    );
    const atLocalBound = { ...base, clientLocalLimit: () => node.mempool.local };
    expect(() => admitToMempool(atLocalBound, cut, client)).toThrow(
      expect.objectContaining({ code: "MEMPOOL_FULL" }),
    );
    // With room, the same bytes are read and refused for what they are.
    const roomy = { ...base, clientPoolLimit: () => 1_000, clientLocalLimit: () => 1_000 };
    expect(() => admitToMempool(roomy, cut, client)).toThrow(
      expect.not.objectContaining({ code: "MEMPOOL_FULL" }),
    );
    // A client's admitted transaction counts against this node's share; a relay does not.
    const local = node.mempool.local;
    admitToMempool(roomy, transfer(bob, bob, bobNonce + 1n, 1n), client);
    expect(node.mempool.local).toBe(local + 1);
    // Bob now holds nonce +1 and misses +0: the gap's filler is read and admitted at the bound.
    const filler = transfer(bob, bob, bobNonce, 2n);
    admitToMempool(atLocalBound, filler, client);
    expect(node.mempool.local).toBe(local + 2);
  });
});

describe("reloading config.json (SIGHUP)", () => {
  it("applies the log level and the verification budgets, names what needs a restart, and refuses a bad file whole", () => {
    const path = join(solo.home, "config.json");
    writeFileSync(
      path,
      JSON.stringify({
        logLevel: "warn",
        api: { port: 1234 },
        admission: { clientVerifyPerSecond: 5, clientVerifyBurst: 10 },
      }),
    );
    expect(node.reloadConfig(solo.home)).toEqual({
      applied: ["admission", "logLevel"],
      needsRestart: ["api"],
    });
    expect(node.log.level).toBe("warn");
    expect(node.config.admission.clientVerifyBurst).toBe(10);
    expect(node.config.api.port).not.toBe(1234);
    writeFileSync(path, JSON.stringify({ logLevel: "debug", apii: {} }));
    expect(() => node.reloadConfig(solo.home)).toThrow(/apii/);
    expect(node.log.level).toBe("warn");
  });
});
