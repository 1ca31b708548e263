import { addressOf } from "../../../app/address.js";
import { txCodecs } from "../../../app/executor.js";
import { type Genesis, parseGenesis } from "../../../app/genesis.js";
import type { Operation } from "../../../app/operations/index.js";
import { getSuite } from "../../../crypto/index.js";
import type { KeyPair, Suite } from "../../../crypto/suite.js";
import { toHex } from "../../../ledger/bytes.js";
import { encodeSignedTx, signTx } from "../../../ledger/tx.js";
import { issueCertificate, type ParsedCertificate } from "../../../pki/certificate.js";
import { toPem } from "../../../pki/pem.js";

/**
 * The simulated consortium: fixed keys (so a seed replays exactly in any process), organisations
 * org0..org3 with their CAs and admins (who govern the validator set), one validator per
 * organisation plus a spare key that joins by governance, and a funded client.
 */
export const CHAIN_ID = "engine-sim";
export const GENESIS_TIME_MS = 1_767_225_600_000n; // 2026-01-01T00:00:00Z
export const ORGANISATIONS = 4;
/** Validators 0..3 at genesis; key 4 starts as an observer and may join by governance. */
export const NODE_KEYS = 5;

const DAY_MS = 86_400_000n;
const real = getSuite("ed25519");

function fixedKey(name: string): KeyPair {
  const privateKey = real.privateKeyFromBytes(real.hash(new TextEncoder().encode(`engine-sim/${name}`)));
  return { privateKey, publicKey: real.publicKeyOf(privateKey) };
}

export const nodeKeys: readonly KeyPair[] = Array.from({ length: NODE_KEYS }, (_, i) =>
  fixedKey(`node/${i}`),
);
export const adminKeys: readonly KeyPair[] = Array.from({ length: ORGANISATIONS }, (_, i) =>
  fixedKey(`admin/${i}`),
);
export const clientKey = fixedKey("client");
export const payeeAddress = addressOf(real.hash, fixedKey("payee").publicKey.bytes);

let certificates: { root: string; orgs: string[] } | undefined;

/** The root and organisation CA certificates (real Ed25519 X.509, made once per process). */
function caCertificates(): { root: string; orgs: string[] } {
  if (certificates !== undefined) return certificates;
  const rootKey = fixedKey("root-ca");
  const validity = { notBeforeMs: GENESIS_TIME_MS - DAY_MS, notAfterMs: GENESIS_TIME_MS + 3650n * DAY_MS };
  const root: ParsedCertificate = issueCertificate({
    profile: "root-ca",
    subject: { commonName: "Sim Root CA", organization: "MarketLedger consortium" },
    subjectPublicKey: rootKey.publicKey,
    serial: Uint8Array.of(0x01),
    ...validity,
    issuerKey: rootKey.privateKey,
  });
  const orgs = Array.from({ length: ORGANISATIONS }, (_, i) => {
    const key = fixedKey(`org-ca/${i}`);
    const cert = issueCertificate({
      profile: "org-ca",
      subject: { commonName: `org${i} CA`, organization: `org${i}` },
      subjectPublicKey: key.publicKey,
      serial: Uint8Array.of(0x02, i + 1),
      ...validity,
      issuer: root,
      issuerKey: rootKey.privateKey,
    });
    return toPem("CERTIFICATE", cert.der);
  });
  certificates = { root: toPem("CERTIFICATE", root.der), orgs };
  return certificates;
}

const geneses = new Map<string, Genesis>();

/**
 * The genesis of a run: validators 0..3 with `powers`, the client funded. One object per set
 * of powers, so the chain computes its genesis block (and checks its certificates) once.
 */
export function simGenesis(powers: readonly bigint[]): Genesis {
  const key = powers.join(",");
  let genesis = geneses.get(key);
  if (genesis === undefined) {
    genesis = makeGenesis(powers);
    geneses.set(key, genesis);
  }
  return genesis;
}

function makeGenesis(powers: readonly bigint[]): Genesis {
  const cas = caCertificates();
  return parseGenesis({
    chainId: CHAIN_ID,
    suite: "ed25519",
    genesisTimeMs: GENESIS_TIME_MS.toString(),
    validators: powers.map((power, i) => ({
      name: `v${i}`,
      publicKey: toHex((nodeKeys[i] as KeyPair).publicKey.bytes),
      power: power.toString(),
      organisation: `org${i}`,
    })),
    accounts: [{ address: toHex(addressOf(real.hash, clientKey.publicKey.bytes)), balanceFen: "1000000000" }],
    pki: { rootCertificate: cas.root },
    organisations: cas.orgs.map((caCertificate, i) => ({
      id: `org${i}`,
      name: `Organisation ${i}`,
      caCertificate,
    })),
    identities: [
      { role: "buyer", publicKey: toHex(clientKey.publicKey.bytes) },
      ...adminKeys.map((k, i) => ({
        role: "org-admin" as const,
        organisation: `org${i}`,
        publicKey: toHex(k.publicKey.bytes),
      })),
    ],
  });
}

export function signedTx(suite: Suite, signer: KeyPair, nonce: bigint, op: Operation): Uint8Array {
  const tx = signTx(
    suite,
    signer.privateKey,
    { chainId: CHAIN_ID, sender: signer.publicKey.bytes, nonce, expiryHeight: 1_000_000n, op },
    txCodecs,
  );
  return encodeSignedTx(tx, txCodecs);
}

export function transfer(amountFen: bigint): Operation {
  return { kind: "transfer", value: { to: payeeAddress, amountFen, memo: "" } };
}

/** Governance adds node key 4 with `power`: org0's admin proposes (and approves), others approve. */
export function addValidatorOps(power: bigint): { propose: Operation; approve: Operation } {
  const proposalId = "add-v4";
  return {
    propose: {
      kind: "proposeGovernance",
      value: {
        proposalId,
        actions: [
          {
            kind: "changeValidators",
            value: { changes: [{ name: "v4", publicKey: (nodeKeys[4] as KeyPair).publicKey.bytes, power }] },
          },
        ],
      },
    },
    approve: { kind: "approveProposal", value: { proposalId } },
  };
}
