import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getSuite } from "../../crypto/index.js";
import { toHex } from "../../ledger/bytes.js";
import { ROLES, type Role } from "../../pki/roles.js";
import { decodeUserCode } from "../../pki/user-code.js";
import { addressOf } from "../address.js";
import { parseGenesis, writeGenesisState } from "../genesis.js";
import { OPERATIONS } from "../operations/index.js";
import { StateOverlay } from "../state.js";
import { authorizeSender } from "./authorize.js";
import { mayManage, ORG_ADMIN_GRANTS } from "./grants.js";
import { maySign, PERMISSIONS } from "./permissions.js";
import { writeIdentity } from "./records.js";
import { lookupIdentityByAddress } from "./registry.js";

const KINDS = Object.keys(OPERATIONS);
const suite = getSuite("ecdsa-p256");
const T = 1_800_000_000_000n;

/** A genesis state with one identity per role (declared by key, expiry set below). */
function stateWithEveryRole() {
  const keys = ROLES.map(() => suite.generateKeyPair());
  const genesis = parseGenesis({
    chainId: "perm",
    suite: "ecdsa-p256",
    genesisTimeMs: "0",
    validators: [{ name: "v", publicKey: toHex(suite.generateKeyPair().publicKey.bytes), power: "1" }],
    identities: ROLES.map((role, i) => ({ role, publicKey: toHex(keys[i]!.publicKey.bytes) })),
  });
  const state = new StateOverlay({ get: () => undefined });
  writeGenesisState(state, genesis);
  const addresses = keys.map((k) => addressOf(suite.hash, k.publicKey.bytes));
  return { state, addresses };
}

describe("the permission matrix", () => {
  const { state, addresses } = stateWithEveryRole();
  const roleIndex = fc.integer({ min: 0, max: ROLES.length - 1 });
  const kind = fc.constantFrom(...KINDS);

  it("has a row for every operation kind, naming only known roles", () => {
    const missing = KINDS.filter((k) => !(k in PERMISSIONS));
    expect(missing, "operation kinds without a permission row").toEqual([]);
    for (const roles of Object.values(PERMISSIONS)) for (const r of roles) expect(ROLES).toContain(r);
  });

  it("admits an active identity exactly when its role may sign the kind", () => {
    fc.assert(
      fc.property(roleIndex, kind, (i, k) => {
        const role = ROLES[i]!;
        const attempt = () => authorizeSender(state, T, addresses[i]!, k);
        if (maySign(role, k)) expect(attempt().role).toBe(role);
        else expect(attempt).toThrow(expect.objectContaining({ code: "ROLE_NOT_PERMITTED" }));
      }),
    );
  });

  it("admits nobody for a kind without a row, and no unknown key for any kind", () => {
    fc.assert(
      fc.property(
        roleIndex,
        fc.string(),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        (i, k, address) => {
          fc.pre(!KINDS.includes(k));
          expect(() => authorizeSender(state, T, addresses[i]!, k)).toThrow(
            expect.objectContaining({ code: "ROLE_NOT_PERMITTED" }),
          );
          fc.pre(!addresses.some((a) => toHex(a) === toHex(address)));
          expect(() => authorizeSender(state, T, address, KINDS[0]!)).toThrow(
            expect.objectContaining({ code: "IDENTITY_UNKNOWN" }),
          );
        },
      ),
    );
  });

  it("rejects a revoked identity whatever the kind, an expired one for all but its renewal", () => {
    fc.assert(
      fc.property(roleIndex, kind, fc.constantFrom("revoked", "expired"), (i, k, how) => {
        const overlay = new StateOverlay(state);
        const view = lookupIdentityByAddress(state, addresses[i]!)!;
        const code = decodeUserCode(view.code);
        const record = {
          code,
          role: view.role,
          organisation: view.organisation,
          status: how === "revoked" ? ("revoked" as const) : ("active" as const),
          publicKey: new Uint8Array(65),
          settlementAccount: addresses[i]!,
          certificate: undefined,
          certificateSerial: "",
          certificateNotAfterMs: how === "expired" ? T - 1n : undefined,
          registeredHeight: 0n,
          keyVersion: 1,
        };
        writeIdentity(overlay, record);
        const attempt = () => authorizeSender(overlay, T, addresses[i]!, k);
        if (how === "expired" && k === "rotateKey")
          expect(attempt().role).toBe(view.role); // renewal
        else
          expect(attempt).toThrow(
            expect.objectContaining({ code: how === "revoked" ? "IDENTITY_REVOKED" : "CERT_EXPIRED" }),
          );
      }),
    );
  });

  it("keeps the consortium's separations of duty", () => {
    const signers = (k: string) => ROLES.filter((r) => maySign(r, k));
    // Organisations join by a vote of organisation admins; the platform operator has none.
    expect(signers("proposeGovernance")).toEqual(["org-admin"]);
    expect(signers("approveProposal")).toEqual(["org-admin"]);
    for (const k of KINDS) if (k !== "rotateKey") expect(maySign("auditor", k), k).toBe(false);
    // A node signs only its own key's renewal and the evidence of double signing it witnessed.
    const nodeDuties = ["rotateKey", "reportDoubleSign"];
    for (const k of KINDS) expect(maySign("node-operator", k), k).toBe(nodeDuties.includes(k));
    expect(ROLES.every((r) => maySign(r, "rotateKey"))).toBe(true);
  });
});

describe("who may manage whom", () => {
  const role = fc.constantFrom(...ROLES);
  const org = fc.constantFrom("", "org1", "org2");

  it("the platform operator manages everyone; an admin only grantable roles of its own organisation; others nobody", () => {
    fc.assert(
      fc.property(role, org, role, org, (actor: Role, actorOrg, target: Role, targetOrg) => {
        const allowed = mayManage(actor, actorOrg, target, targetOrg);
        if (actor === "platform-operator") expect(allowed).toBe(true);
        else if (actor === "org-admin")
          expect(allowed).toBe(
            actorOrg !== "" && actorOrg === targetOrg && ORG_ADMIN_GRANTS.includes(target),
          );
        else expect(allowed).toBe(false);
        if (target === "platform-operator" || target === "auditor")
          expect(allowed).toBe(actor === "platform-operator");
      }),
    );
  });
});
