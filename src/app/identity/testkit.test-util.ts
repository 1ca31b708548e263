import { getSuite } from "../../crypto/index.js";
import type { KeyPair, PrivateKey, Suite, SuiteId } from "../../crypto/suite.js";
import { toHex } from "../../ledger/bytes.js";
import { encodeSignedTx, signTx } from "../../ledger/tx.js";
import { issueCertificate, type ParsedCertificate } from "../../pki/certificate.js";
import { createCsr, parseAndVerifyCsr } from "../../pki/csr.js";
import { toPem } from "../../pki/pem.js";
import type { Role } from "../../pki/roles.js";
import { userCodeOf } from "../../pki/user-code.js";
import { addressOf } from "../address.js";
import type { TxResult } from "../events.js";
import { type BlockEnv, executeBlock, txCodecs } from "../executor.js";
import { type GenesisJson, parseGenesis, writeGenesisState } from "../genesis.js";
import type { Operation } from "../operations/index.js";
import { StateOverlay, type StateReader } from "../state.js";

export const T0 = 1_767_225_600_000n; // 2026-01-01T00:00:00Z
export const DAY_MS = 24n * 3600n * 1000n;
const CHAIN = "identity-test";

let serial = 0x100;
const nextSerial = () => {
  serial++;
  return Uint8Array.of(0x11, serial >> 8, serial & 0xff);
};

export interface Ca {
  keys: KeyPair;
  cert: ParsedCertificate;
}

export interface Member {
  keys: KeyPair;
  code: string;
  cert: ParsedCertificate;
}

/** A committed state that executes blocks of signed operations: the chain without storage. */
export class TestChain {
  readonly suite: Suite;
  readonly root: Ca;
  readonly orgs = new Map<string, Ca>();
  private readonly committed = new Map<string, Uint8Array>();
  readonly state: StateReader = { get: (k) => this.committed.get(toHex(k)) };
  height = 0n;
  timeMs = T0;
  private readonly nonces = new Map<string, bigint>();
  readonly validator: KeyPair;

  constructor(
    readonly suiteId: SuiteId,
    orgIds: string[],
    genesisIdentities: (chain: TestChain) => GenesisJson["identities"],
  ) {
    this.suite = getSuite(suiteId);
    this.root = this.makeCa("root-ca");
    for (const id of orgIds) this.orgs.set(id, this.makeCa("org-ca", id));
    const validator = this.suite.generateKeyPair();
    this.validator = validator;
    const genesis = parseGenesis({
      chainId: CHAIN,
      suite: suiteId,
      genesisTimeMs: T0.toString(),
      validators: [{ name: "v0", publicKey: toHex(validator.publicKey.bytes), power: "1" }],
      pki: { rootCertificate: toPem("CERTIFICATE", this.root.cert.der) },
      organisations: orgIds.map((id) => ({
        id,
        name: `Organisation ${id}`,
        caCertificate: toPem("CERTIFICATE", this.orgs.get(id)!.cert.der),
      })),
      identities: genesisIdentities(this),
    });
    const overlay = new StateOverlay(this.state);
    writeGenesisState(overlay, genesis);
    this.apply(overlay);
  }

  makeCa(profile: "root-ca" | "org-ca", org?: string): Ca {
    const keys = this.suite.generateKeyPair();
    const cert = issueCertificate({
      profile,
      subject: org ? { commonName: `${org} CA`, organization: org } : { commonName: "Root CA" },
      subjectPublicKey: keys.publicKey,
      serial: nextSerial(),
      notBeforeMs: T0,
      notAfterMs: T0 + 3650n * DAY_MS,
      ...(profile === "org-ca" ? { issuer: this.root.cert } : {}),
      issuerKey: profile === "org-ca" ? this.root.keys.privateKey : keys.privateKey,
    });
    return { keys, cert };
  }

  /** A key, a CSR with its code as CN, and a certificate from `org`'s CA (or from `ca`). */
  member(
    org: string,
    role: Role,
    opts: { keys?: KeyPair; code?: string; days?: bigint; ca?: Ca; orgName?: string } = {},
  ): Member {
    const keys = opts.keys ?? this.suite.generateKeyPair();
    const code = opts.code ?? userCodeOf(this.suite.hash, keys.publicKey.bytes);
    const csr = parseAndVerifyCsr(
      createCsr(keys.privateKey, {
        commonName: code,
        organization: opts.orgName ?? org,
        organizationalUnit: role,
      }),
    );
    const ca = opts.ca ?? this.orgs.get(org)!;
    const cert = issueCertificate({
      profile: "user",
      subject: csr.subject,
      subjectPublicKey: csr.publicKey,
      serial: nextSerial(),
      notBeforeMs: T0,
      notAfterMs: T0 + (opts.days ?? 365n) * DAY_MS,
      issuer: ca.cert,
      issuerKey: ca.keys.privateKey,
    });
    return { keys, code, cert };
  }

  /** A signed tx with the signer's next nonce (or `fixedNonce`, which does not advance it). */
  tx(signer: KeyPair, op: Operation, fixedNonce?: bigint): Uint8Array {
    const id = toHex(signer.publicKey.bytes);
    const nonce = fixedNonce ?? this.nonces.get(id) ?? 0n;
    if (fixedNonce === undefined) this.nonces.set(id, nonce + 1n);
    return encodeSignedTx(
      signTx(
        this.suite,
        signer.privateKey,
        { chainId: CHAIN, sender: signer.publicKey.bytes, nonce, expiryHeight: 1_000_000n, op },
        txCodecs,
      ),
      txCodecs,
    );
  }

  env(): BlockEnv {
    return { chainId: CHAIN, height: this.height + 1n, timeMs: this.timeMs };
  }

  /** Executes a block on the committed state without committing it (to compare backends). */
  dryRun(txs: Uint8Array[], suite: Suite = this.suite) {
    return executeBlock(suite, this.state, this.env(), txs);
  }

  /** Executes and commits one block; returns its result codes. */
  block(...txs: Uint8Array[]): TxResult[] {
    const outcome = executeBlock(this.suite, this.state, this.env(), txs);
    for (const w of outcome.writes) {
      if (w.value === undefined) this.committed.delete(toHex(w.key));
      else this.committed.set(toHex(w.key), w.value);
    }
    this.height++;
    this.timeMs += 1000n;
    return outcome.results;
  }

  run(signer: KeyPair, op: Operation): TxResult {
    return this.block(this.tx(signer, op))[0]!;
  }

  entries(): Array<{ key: Uint8Array; value: Uint8Array }> {
    return [...this.committed.entries()].map(([k, value]) => ({
      key: Uint8Array.from(Buffer.from(k, "hex")),
      value,
    }));
  }

  address(keys: KeyPair): Uint8Array {
    return addressOf(this.suite.hash, keys.publicKey.bytes);
  }

  private apply(overlay: StateOverlay): void {
    for (const w of overlay.sortedWrites()) if (w.value) this.committed.set(toHex(w.key), w.value);
  }
}

export function pemOf(member: Member): string {
  return toPem("CERTIFICATE", member.cert.der);
}

export type { PrivateKey };
