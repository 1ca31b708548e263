import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../crypto/bytes.js";
import { getSuite, SUITE_IDS } from "../crypto/index.js";
import { buildSignedTx, transferOp } from "./transactions.js";

// In the "browser-modules" project: the SDK as the console's bundle runs it (see src/crypto/portable.browser-test.ts).
describe("transactions built in the bundle", () => {
  it("a transaction signed in the bundle hashes and verifies as the node computes it", () => {
    for (const id of SUITE_IDS) {
      const suite = getSuite(id);
      const signer = suite.generateKeyPair();
      const envelope = { chainId: "portable-test", nonce: 3n, expiryHeight: 99n };
      const tx = buildSignedTx(suite, signer, envelope, transferOp(new Uint8Array(20).fill(7), 12_345n));
      const nativeHash = createHash(suite.hashName).update(tx.bytes).digest("hex");
      expect(bytesToHex(tx.hash)).toBe(nativeHash);
    }
  });
});
