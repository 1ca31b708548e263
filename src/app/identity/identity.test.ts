import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getSuite } from "../../crypto/index.js";
import { toHex } from "../../ledger/bytes.js";
import { decodeSignedTx, verifyTxSignature } from "../../ledger/tx.js";
import { createCrl, parseAndVerifyCrl, type RevocationReason } from "../../pki/crl.js";
import { toPem } from "../../pki/pem.js";
import { decodeUserCode } from "../../pki/user-code.js";
import { readAccount } from "../accounts.js";
import { admitTx, authorizeTx, txCodecs } from "../executor.js";
import { parseGenesis, writeGenesisState } from "../genesis.js";
import { StateOverlay } from "../state.js";
import {
  expiringIdentities,
  listOrganisations,
  lookupIdentity,
  lookupIdentityByAddress,
  payeeAccount,
  revocationList,
} from "./registry.js";
import { DAY_MS, type Member, pemOf, T0, TestChain } from "./testkit.test-util.js";

function setup(suiteId: "sm" | "ecdsa-p256") {
  let operator!: Member;
  let admin1!: Member;
  let admin2!: Member;
  const chain = new TestChain(suiteId, ["org1", "org2"], (c) => {
    operator = c.member("org1", "platform-operator");
    admin1 = c.member("org1", "org-admin");
    admin2 = c.member("org2", "org-admin");
    return [
      { role: "platform-operator", certificate: pemOf(operator) },
      { role: "org-admin", certificate: pemOf(admin1) },
      { role: "org-admin", organisation: "org2", certificate: pemOf(admin2) },
    ];
  });
  return { chain, operator, admin1, admin2 };
}

const transfer = (to: Uint8Array, amountFen: bigint) => ({
  kind: "transfer" as const,
  value: { to, amountFen, memo: "" },
});
const register = (m: Member) => ({ kind: "registerIdentity" as const, value: { certificate: m.cert.der } });
const revoke = (m: Member, reason: RevocationReason = "affiliationChanged") => ({
  kind: "revokeCertificate" as const,
  value: { code: decodeUserCode(m.code), reason },
});

describe.each(["sm", "ecdsa-p256"] as const)("identity registry on the %s suite", (suiteId) => {
  it("knows the genesis identities by code, with no personal data", () => {
    const { chain, admin1 } = setup(suiteId);
    const view = lookupIdentity(chain.state, admin1.code)!;
    expect(view).toEqual({
      code: admin1.code,
      role: "org-admin",
      organisation: "org1",
      status: "active",
      settlementAccount: toHex(chain.address(admin1.keys)),
      certificateSerial: admin1.cert.serialHex,
      certificateNotAfterMs: admin1.cert.notAfterMs,
      keyVersion: 1,
      registeredHeight: 0n,
    });
    expect(listOrganisations(chain.state).map((o) => o.id)).toEqual(["org1", "org2"]);
  });

  it("registers a marketer from a CSR; after revocation its transactions are rejected, earlier ones stay verifiable", () => {
    const { chain, admin1, operator } = setup(suiteId);
    const marketer = chain.member("org1", "employee-marketer");
    expect(chain.run(admin1.keys, register(marketer)).code).toBe("OK");
    const view = lookupIdentity(chain.state, marketer.code)!;
    expect(view).toMatchObject({ role: "employee-marketer", organisation: "org1", status: "active" });
    expect(payeeAccount(chain.state, decodeUserCode(marketer.code))).toEqual(chain.address(marketer.keys));

    // Fund the marketer, who then pays; both succeed.
    const earlier = chain.tx(marketer.keys, transfer(chain.address(admin1.keys), 0n));
    expect(chain.run(admin1.keys, revoke(operator)).code).toBe("ROLE_NOT_PERMITTED");
    expect(chain.block(earlier)[0]!.code).toBe("INVALID_AMOUNT");

    expect(chain.run(admin1.keys, revoke(marketer)).code).toBe("OK");
    expect(lookupIdentity(chain.state, marketer.code)!.status).toBe("revoked");

    const later = chain.tx(marketer.keys, transfer(chain.address(admin1.keys), 1n));
    const admitted = admitTx(chain.suite, chain.env(), later);
    expect(() => authorizeTx(chain.state, chain.env(), admitted)).toThrow(
      expect.objectContaining({ code: "IDENTITY_REVOKED" }),
    );
    expect(chain.block(later)[0]!.code).toBe("IDENTITY_REVOKED");

    // The earlier transaction still verifies under the key the chain keeps for the code.
    const decoded = decodeSignedTx(earlier, txCodecs);
    expect(verifyTxSignature(chain.suite, decoded, txCodecs)).toBe(true);
    expect(toHex(decoded.sender)).toBe(toHex(marketer.keys.publicKey.bytes));

    // The revocation list becomes a CRL signed by the organisation's CA.
    const entries = revocationList(chain.state, "org1");
    expect(entries).toEqual([
      { serialHex: marketer.cert.serialHex, revokedAtMs: expect.any(BigInt), reason: "affiliationChanged" },
    ]);
    const org1 = chain.orgs.get("org1")!;
    const crl = createCrl({
      issuer: org1.cert,
      issuerKey: org1.keys.privateKey,
      entries,
      crlNumber: 1,
      thisUpdateMs: chain.timeMs - (chain.timeMs % 1000n),
      nextUpdateMs: chain.timeMs + DAY_MS,
    });
    expect(parseAndVerifyCrl(crl, org1.cert).serials).toEqual([marketer.cert.serialHex]);

    // A revoked certificate cannot be registered again.
    expect(chain.run(admin1.keys, register(marketer)).code).toBe("CERT_REVOKED");
  });

  it("rejects unknown keys, roles that may not sign, and admins outside their organisation", () => {
    const { chain, admin1, admin2 } = setup(suiteId);
    const stranger = chain.suite.generateKeyPair();
    expect(chain.run(stranger, transfer(chain.address(admin1.keys), 1n)).code).toBe("IDENTITY_UNKNOWN");

    const auditor = chain.member("org1", "auditor");
    expect(chain.run(admin1.keys, register(auditor)).code).toBe("ROLE_NOT_PERMITTED"); // only the operator grants auditors
    const buyer2 = chain.member("org2", "buyer");
    expect(chain.run(admin1.keys, register(buyer2)).code).toBe("ROLE_NOT_PERMITTED");
    expect(chain.run(admin2.keys, register(buyer2)).code).toBe("OK");
    expect(chain.run(admin1.keys, revoke({ ...buyer2 })).code).toBe("ROLE_NOT_PERMITTED");
    expect(lookupIdentity(chain.state, buyer2.code)!.status).toBe("active");
    expect(chain.run(buyer2.keys, register(chain.member("org2", "buyer"))).code).toBe("ROLE_NOT_PERMITTED");
  });

  it("refuses bad certificates with a clear code and changes nothing", () => {
    const { chain, admin1, operator } = setup(suiteId);
    const cases: Array<[Member, string]> = [
      [chain.member("org1", "buyer", { code: "mkl1notthecode" }), "CERT_CODE_MISMATCH"],
      [chain.member("org1", "buyer", { ca: chain.orgs.get("org2")! }), "CERT_WRONG_ISSUER"],
      [chain.member("org9", "buyer", { ca: chain.orgs.get("org1")! }), "ORG_UNKNOWN"],
      [chain.member("org1", "buyer", { days: 1n }), "CERT_EXPIRED"],
    ];
    chain.timeMs = T0 + 2n * DAY_MS;
    for (const [member, code] of cases) {
      const before = readAccount(chain.state, chain.address(admin1.keys));
      const result = chain.run(admin1.keys, register(member));
      expect(result.code, code).toBe(code);
      expect(
        lookupIdentity(chain.state, member.code.startsWith("mkl1notthe") ? operator.code : member.code)?.role,
      ).not.toBe("buyer");
      expect(readAccount(chain.state, chain.address(admin1.keys)).nonce).toBe(before.nonce + 1n);
    }
  });

  it("rotates a key: same code, old key retired, balance follows, old certificate superseded", () => {
    const { chain, admin1, operator } = setup(suiteId);
    const buyer = chain.member("org1", "buyer");
    expect(chain.run(admin1.keys, register(buyer)).code).toBe("OK");
    const replacement = chain.member("org1", "buyer", { code: buyer.code });
    expect(
      chain.run(buyer.keys, {
        kind: "rotateKey",
        value: { code: decodeUserCode(buyer.code), certificate: replacement.cert.der },
      }).code,
    ).toBe("OK");
    const view = lookupIdentity(chain.state, buyer.code)!;
    expect(view).toMatchObject({
      status: "active",
      keyVersion: 2,
      settlementAccount: toHex(chain.address(replacement.keys)),
    });
    expect(chain.run(buyer.keys, transfer(chain.address(operator.keys), 1n)).code).toBe("KEY_RETIRED");
    expect(chain.run(replacement.keys, transfer(chain.address(operator.keys), 1n)).code).toBe(
      "INSUFFICIENT_FUNDS",
    );
    expect(revocationList(chain.state, "org1")).toEqual([
      expect.objectContaining({ serialHex: buyer.cert.serialHex, reason: "superseded" }),
    ]);
  });

  it("reports certificates that lapse soon, from a scan of the state", () => {
    const { chain, admin1 } = setup(suiteId);
    const shortLived = chain.member("org1", "buyer", { days: 10n });
    expect(chain.run(admin1.keys, register(shortLived)).code).toBe("OK");
    const entries = chain.entries();
    expect(expiringIdentities(entries, T0 + 30n * DAY_MS).map((v) => v.code)).toEqual([shortLived.code]);
    expect(expiringIdentities(entries, T0 + 400n * DAY_MS).length).toBe(4);
    expect(listOrganisations(chain.state)[0]!.caNotAfterMs).toBe(chain.orgs.get("org1")!.cert.notAfterMs);
  });

  it("grows the consortium: governance admits an organisation, the operator registers its admin, who registers members", () => {
    const { chain, operator, admin1, admin2 } = setup(suiteId);
    const acme = chain.makeCa("org-ca", "acme");
    const admit = {
      kind: "admitOrganisation" as const,
      value: { id: "acme", name: "Acme Ltd", caCertificate: acme.cert.der, tlsCaCertificate: undefined },
    };
    const propose = { kind: "proposeGovernance" as const, value: { proposalId: "acme", actions: [admit] } };
    const approve = { kind: "approveProposal" as const, value: { proposalId: "acme" } };
    // The platform operator alone cannot admit one: it does not vote.
    expect(chain.run(operator.keys, propose).code).toBe("ROLE_NOT_PERMITTED");
    expect(chain.run(admin1.keys, propose).code).toBe("OK");
    expect(listOrganisations(chain.state).map((o) => o.id)).toEqual(["org1", "org2"]); // 1 of 2
    expect(chain.run(admin2.keys, approve).code).toBe("OK");
    const again = { ...propose, value: { proposalId: "acme-again", actions: [admit] } };
    expect(chain.run(admin1.keys, again).code).toBe("ORG_EXISTS");
    chain.orgs.set("acme", acme);
    const acmeAdmin = chain.member("acme", "org-admin");
    expect(chain.run(admin1.keys, register(acmeAdmin)).code).toBe("ROLE_NOT_PERMITTED");
    expect(chain.run(operator.keys, register(acmeAdmin)).code).toBe("OK");
    const seller = chain.member("acme", "enterprise");
    expect(chain.run(acmeAdmin.keys, register(seller)).code).toBe("OK");
    expect(lookupIdentity(chain.state, seller.code)).toMatchObject({
      role: "enterprise",
      organisation: "acme",
    });
    expect(listOrganisations(chain.state).map((o) => o.id)).toEqual(["org1", "org2", "acme"]);
  });

  it("renews an expired certificate by rotating the key; an expired admin manages nobody", () => {
    const { chain, admin1, operator } = setup(suiteId);
    const buyer = chain.member("org1", "buyer", { days: 10n });
    expect(chain.run(admin1.keys, register(buyer)).code).toBe("OK");
    chain.timeMs = T0 + 20n * DAY_MS;
    expect(chain.run(buyer.keys, transfer(chain.address(operator.keys), 1n)).code).toBe("CERT_EXPIRED");
    const renewed = chain.member("org1", "buyer", { code: buyer.code });
    const rotate = {
      kind: "rotateKey" as const,
      value: { code: decodeUserCode(buyer.code), certificate: renewed.cert.der },
    };
    expect(chain.run(buyer.keys, rotate).code).toBe("OK");
    expect(chain.run(renewed.keys, transfer(chain.address(operator.keys), 1n)).code).toBe(
      "INSUFFICIENT_FUNDS",
    );

    const shortAdmin = chain.member("org1", "org-admin", { days: 10n });
    chain.timeMs = T0 + DAY_MS;
    expect(chain.run(operator.keys, register(shortAdmin)).code).toBe("OK");
    chain.timeMs = T0 + 20n * DAY_MS;
    const other = chain.member("org1", "buyer", { code: renewed.code });
    const rotateOther = {
      kind: "rotateKey" as const,
      value: { code: decodeUserCode(buyer.code), certificate: other.cert.der },
    };
    expect(chain.run(shortAdmin.keys, rotateOther).code).toBe("CERT_EXPIRED");
  });

  it("admits by governance only an organisation whose CA is a CA of the consortium root", () => {
    const { chain, admin1 } = setup(suiteId);
    const org3 = chain.suite.generateKeyPair();
    const ca = chain.member("org3", "org-admin", { keys: org3, ca: chain.root });
    // A user profile certificate is not a CA: refused when proposed, and nothing is recorded.
    const op = (der: Uint8Array) => ({
      kind: "proposeGovernance" as const,
      value: {
        proposalId: "org3",
        actions: [
          {
            kind: "admitOrganisation" as const,
            value: { id: "org3", name: "Org 3", caCertificate: der, tlsCaCertificate: undefined },
          },
        ],
      },
    });
    expect(chain.run(admin1.keys, op(ca.cert.der)).code).toBe("CERT_NOT_CA");
    expect(listOrganisations(chain.state).map((o) => o.id)).toEqual(["org1", "org2"]);
  });
});

describe("hostile and replayed input", () => {
  it("a malformed certificate in a transaction fails that transaction, never the node", () => {
    const { chain, admin1, admin2 } = setup("sm");
    const good = chain.member("org1", "buyer").cert.der;
    fc.assert(
      fc.property(
        fc.nat(good.length - 1),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (at, byte, truncate) => {
          const bad = truncate ? good.slice(0, at) : good.slice();
          if (!truncate) bad[at] = byte;
          const results = chain.dryRun([
            chain.tx(admin1.keys, { kind: "registerIdentity", value: { certificate: bad } }, 0n),
            chain.tx(
              admin2.keys,
              {
                kind: "proposeGovernance",
                value: {
                  proposalId: "orgx",
                  actions: [
                    {
                      kind: "admitOrganisation",
                      value: { id: "orgx", name: "X", caCertificate: bad, tlsCaCertificate: undefined },
                    },
                  ],
                },
              },
              0n,
            ),
          ]).results;
          expect(results[1]!.code).not.toBe("OK");
        },
      ),
      { numRuns: 150 },
    );
  });

  it("every backend of the suite reaches the same results and state (the same on every node)", () => {
    const { chain, admin1 } = setup("sm");
    const marketer = chain.member("org1", "outside-marketer");
    const txs = [
      chain.tx(admin1.keys, register(marketer)),
      chain.tx(marketer.keys, transfer(chain.address(admin1.keys), 0n)),
      chain.tx(admin1.keys, revoke(marketer, "keyCompromise")),
      chain.tx(marketer.keys, transfer(chain.address(admin1.keys), 1n)),
    ];
    const native = chain.dryRun(txs);
    const pure = chain.dryRun(txs, getSuite("sm", { backend: "pure-js" }));
    expect(native.results.map((r) => r.code)).toEqual(["OK", "INVALID_AMOUNT", "OK", "IDENTITY_REVOKED"]);
    expect(pure.results).toEqual(native.results);
    expect(pure.writes).toEqual(native.writes);
  });
});

describe("genesis", () => {
  it("refuses an organisation CA that the root did not sign", () => {
    const chain = new TestChain("ecdsa-p256", ["org1"], () => []);
    const other = new TestChain("ecdsa-p256", ["org1"], () => []);
    const genesis = parseGenesis({
      chainId: "g",
      suite: "ecdsa-p256",
      genesisTimeMs: T0.toString(),
      validators: [
        { name: "v", publicKey: toHex(chain.suite.generateKeyPair().publicKey.bytes), power: "1" },
      ],
      pki: { rootCertificate: toPem("CERTIFICATE", chain.root.cert.der) },
      organisations: [
        { id: "org1", name: "Org 1", caCertificate: toPem("CERTIFICATE", other.orgs.get("org1")!.cert.der) },
      ],
    });
    expect(() => writeGenesisState(new StateOverlay({ get: () => undefined }), genesis)).toThrow(
      expect.objectContaining({ code: "GENESIS_INVALID" }),
    );
  });

  it("makes every validator a node operator", () => {
    const chain = new TestChain("sm", [], () => []);
    expect(lookupIdentityByAddress(chain.state, chain.address(chain.validator))).toMatchObject({
      role: "node-operator",
      organisation: "",
      status: "active",
    });
    // A node operator may rotate its key but not move money.
    expect(chain.run(chain.validator, transfer(new Uint8Array(20), 1n)).code).toBe("ROLE_NOT_PERMITTED");
  });
});
