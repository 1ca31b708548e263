// A broken invariant is a bug, never bad input: it escapes every catch site of the state
// machine (a failed transaction, an invalid block, a completion-failed anomaly) instead of
// being recorded, while the typed errors of bad input still are.
import { afterEach, describe, expect, it, vi } from "vitest";
import { getSuite } from "../crypto/index.js";
import { InvariantError, LedgerError } from "../errors.js";
import { verifySignatureBytes } from "../ledger/suite.js";
import { OperationError } from "./errors.js";
import { executeBlock } from "./executor.js";
import { pemOf, TestChain } from "./identity/testkit.test-util.js";
import { keys } from "./marketing/records.js";
import { attr, DAY_MS, plainRules, productRow, Shop } from "./marketing/testkit.test-util.js";
import { transferOperation } from "./operations/transfer.js";
import type { StateReader } from "./state.js";

afterEach(() => vi.restoreAllMocks());

const bug = () => {
  throw new InvariantError("a broken invariant");
};

function identityChain() {
  let admin!: ReturnType<TestChain["member"]>;
  const chain = new TestChain("ed25519", ["org1"], (c) => {
    admin = c.member("org1", "org-admin");
    return [{ role: "org-admin", certificate: pemOf(admin) }];
  });
  const pay = { kind: "transfer" as const, value: { to: new Uint8Array(20), amountFen: 1n, memo: "" } };
  return { chain, admin, pay };
}

describe("an InvariantError", () => {
  it("is not a LedgerError, so no catch for bad input takes it", () => {
    expect(new InvariantError("x")).not.toBeInstanceOf(LedgerError);
    expect(new InvariantError("x").code).toBe("INVARIANT_VIOLATED");
  });

  it("in an operation escapes the block instead of failing the transaction", () => {
    const { chain, admin, pay } = identityChain();
    vi.spyOn(transferOperation, "execute").mockImplementation(bug);
    expect(() => chain.run(admin.keys, pay)).toThrow(InvariantError);
    const fresh = identityChain();
    vi.spyOn(transferOperation, "execute").mockImplementation(() => {
      throw new OperationError("SOME_FAILURE", "bad input");
    });
    expect(fresh.chain.run(fresh.admin.keys, pay).code).toBe("SOME_FAILURE");
  });

  it("while a transaction decodes escapes the block instead of making it invalid", () => {
    const { chain, admin, pay } = identityChain();
    const tx = chain.tx(admin.keys, pay);
    vi.spyOn(transferOperation.codec, "decode").mockImplementation(bug);
    expect(() => chain.block(tx)).toThrow(InvariantError);
  });

  it("in signature checking propagates; a malformed key is just an invalid signature", () => {
    const suite = getSuite("ed25519");
    const message = new Uint8Array(1);
    expect(verifySignatureBytes(suite, new Uint8Array(3), message, new Uint8Array(64))).toBe(false);
    expect(() =>
      verifySignatureBytes(
        { ...suite, verify: bug },
        suite.generateKeyPair().publicKey.bytes,
        message,
        new Uint8Array(64),
      ),
    ).toThrow(InvariantError);
  });

  it("while an order completes by block time escapes the end-block work; an operation's failure is an anomaly", () => {
    const s = new Shop();
    s.roster([productRow("TEA", { returnWindowDays: 1 })], [{ name: "li" }]);
    s.deposit(1_000_000n);
    s.policy("std", "enterprise", "", plainRules());
    const id = s.order("zhao", "TEA", s.referral("li", "TEA"));
    s.deliver(id, 10_000n);
    const productKey = Buffer.from(keys.product("org1", "TEA")).toString("hex");
    const failing = (error: () => never): StateReader => ({
      get: (key) => (Buffer.from(key).toString("hex") === productKey ? error() : s.c.state.get(key)),
    });
    const env = { chainId: "x", height: s.c.height + 1n, timeMs: s.c.timeMs + 2n * DAY_MS };
    expect(() => executeBlock(s.c.suite, failing(bug), env, [])).toThrow(InvariantError);
    const outcome = executeBlock(
      s.c.suite,
      failing(() => {
        throw new OperationError("SOME_FAILURE", "a message that is not hashed");
      }),
      env,
      [],
    );
    const anomaly = outcome.endBlockEvents?.find((e) => e.type === "anomaly");
    expect(anomaly && [attr(anomaly, "kind"), attr(anomaly, "code"), attr(anomaly, "message")]).toEqual([
      "completion-failed",
      "SOME_FAILURE",
      undefined,
    ]);
  });
});
