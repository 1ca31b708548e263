import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getSuite } from "../crypto/index.js";
import { parseCertificate, verifyIssuedBy } from "./certificate.js";
import { createCrl, parseAndVerifyCrl } from "./crl.js";
import { createCsr, parseAndVerifyCsr } from "./csr.js";
import { PkiError } from "./errors.js";
import { makeOrgCa, makeRoot, T0 } from "./hierarchy.test-util.js";

/**
 * The chain parses certificates that arrive in transactions: a malformed one must fail with a
 * PkiError (which fails its transaction), never with another exception (which would halt nodes).
 */
function mutations(der: Uint8Array) {
  return fc.oneof(
    fc.record({ at: fc.nat(der.length - 1), byte: fc.integer({ min: 0, max: 255 }) }).map(({ at, byte }) => {
      const out = der.slice();
      out[at] = byte;
      return out;
    }),
    fc.nat(der.length - 1).map((n) => der.slice(0, n)),
    fc.uint8Array({ maxLength: 64 }).map((extra) => new Uint8Array([...der, ...extra])),
  );
}

function onlyPkiErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(PkiError);
  }
}

describe.each(["sm", "ecdsa-p256", "ed25519"] as const)("parsing hostile input (%s)", (suiteId) => {
  const root = makeRoot(suiteId);
  const org = makeOrgCa(root, "org1");

  it("certificates: a mutated certificate parses or throws PkiError, and never verifies if changed", () => {
    fc.assert(
      fc.property(mutations(org.cert.der), (bytes) => {
        onlyPkiErrors(() => {
          const cert = parseCertificate(bytes);
          verifyIssuedBy(cert, root.cert, T0 + 1000n);
          // It verified: then the signed part and the key are what the root signed.
          expect(cert.tbs).toEqual(org.cert.tbs);
        });
      }),
      { numRuns: 300 },
    );
  });

  it("CRLs: a mutated CRL parses or throws PkiError", () => {
    const crl = createCrl({
      issuer: org.cert,
      issuerKey: org.keys.privateKey,
      entries: [{ serialHex: "01ab", revokedAtMs: T0, reason: "keyCompromise" }],
      crlNumber: 1,
      thisUpdateMs: T0,
      nextUpdateMs: T0 + 86_400_000n,
    });
    fc.assert(
      fc.property(mutations(crl), (bytes) => onlyPkiErrors(() => parseAndVerifyCrl(bytes, org.cert))),
      { numRuns: 200 },
    );
  });

  it("CSRs and CRLs throw only PkiError", () => {
    const csr = createCsr(getSuite(suiteId).generateKeyPair().privateKey, {
      commonName: "x",
      organization: "o",
    });
    fc.assert(
      fc.property(mutations(csr), fc.uint8Array({ maxLength: 300 }), (bytes, junk) => {
        onlyPkiErrors(() => parseAndVerifyCsr(bytes));
        onlyPkiErrors(() => parseAndVerifyCsr(junk));
        onlyPkiErrors(() => parseCertificate(junk));
        onlyPkiErrors(() => parseAndVerifyCrl(junk, org.cert));
      }),
      { numRuns: 200 },
    );
  });
});
