import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { systemClock } from "../../clock.js";
import { getSuite } from "../../crypto/index.js";
import type { SuiteId } from "../../crypto/suite.js";
import { toHex } from "../../ledger/bytes.js";
import { readJsonFile, writeJsonFile, writePublicFile } from "../../node/files.js";
import { randomSerial, readCertificateFile, readKeyFile, validityStartMs } from "../../node/key-files.js";
import { isOrgId } from "../../pki/index.js";
import { nodeHomeOf, nodeHomes } from "../network-up.js";
import { wirePeers } from "../peers.js";
import { NetworkError } from "./errors.js";
import type { Ca } from "./issue.js";
import {
  adminGenesis,
  checkGenesis,
  issueNodeCertificates,
  type NetworkManifest,
  type OrgPlan,
  orgGenesis,
  type PlanContext,
  planNode,
  planOrg,
} from "./plan.js";
import { DEFAULT_BASE_PORT } from "./ports.js";
import { pemChain, writeNodeHome, writeOrg } from "./write.js";

/** Adding to a network made by `mkl network init`: organisations and observer nodes. */

/** Issuing now, with fresh serials: the shell's clock and randomness for a plan. */
export function planContext(suite: SuiteId, days: bigint): PlanContext {
  return { suite, days, startMs: validityStartMs(), nowMs: BigInt(systemClock.now()), serial: randomSerial };
}

export function readManifest(dir: string): NetworkManifest {
  const doc = readJsonFile(join(dir, "network.json")) as NetworkManifest;
  if (!doc.chainId || !Array.isArray(doc.orgs) || !Array.isArray(doc.nodes)) {
    throw new NetworkError("NETWORK_NOT_FOUND", `${dir}/network.json is not a network manifest`);
  }
  return doc;
}

export function loadCa(dir: string, name: string, passphrase: string | undefined): Ca {
  const cert = readCertificateFile(join(dir, `${name}.cert.pem`));
  const privateKey = readKeyFile(join(dir, `${name}.key.pem`), passphrase);
  return { cert, keys: { privateKey, publicKey: getSuite(privateKey.suite).publicKeyOf(privateKey) } };
}

export function loadRoots(dir: string, manifest: NetworkManifest, passphrase: string | undefined) {
  const root = loadCa(join(dir, "ca"), "root", passphrase);
  const tlsRoot = manifest.separateTls ? loadCa(join(dir, "ca"), "tls-root", passphrase) : undefined;
  return { root, tlsRoot };
}

/** The roots and organisation `orgId`'s CAs: what a new node of it is issued from. */
export function loadNodeIssuers(
  dir: string,
  manifest: NetworkManifest,
  orgId: string,
  passphrase: string | undefined,
): ReturnType<typeof loadRoots> & { org: { id: string; ca: Ca; tlsCa: Ca | undefined } } {
  const orgDir = join(dir, "orgs", orgId);
  const org = {
    id: orgId,
    ca: loadCa(orgDir, "ca", passphrase),
    tlsCa: manifest.separateTls ? loadCa(orgDir, "tls-ca", passphrase) : undefined,
  };
  return { ...loadRoots(dir, manifest, passphrase), org };
}

/** The number of the next node: one past the highest nodeN of the network. */
export function nextNodeNumber(manifest: NetworkManifest): number {
  return 1 + Math.max(0, ...manifest.nodes.map((node) => Number(node.moniker.replace(/^node/, ""))));
}

export interface AddOrgRequest {
  readonly id: string;
  readonly name: string;
  readonly days: bigint;
  /** Into genesis.json (only before the chain starts); otherwise its admin's registration is written, for after governance admits it. */
  readonly genesis: boolean;
  readonly passphrase: string | undefined;
}

/** Adds an organisation (CA, TLS CA, admin, CRL) to the network in `dir`; checks everything first. */
export function addOrganisation(dir: string, request: AddOrgRequest): OrgPlan {
  const manifest = readManifest(dir);
  if (!isOrgId(request.id)) {
    throw new NetworkError(
      "NETWORK_BAD_ORG",
      `bad organisation id "${request.id}": lowercase letters, digits, dashes`,
    );
  }
  if (manifest.orgs.some((org) => org.id === request.id) || existsSync(join(dir, "orgs", request.id))) {
    throw new NetworkError("NETWORK_BAD_ORG", `organisation "${request.id}" already exists`);
  }
  if (request.name.length === 0 || request.name.length > 128) {
    throw new NetworkError("NETWORK_BAD_ORG", "--name must be 1..128 characters");
  }
  const { root, tlsRoot } = loadRoots(dir, manifest, request.passphrase);
  const genesisPath = join(dir, "genesis.json");
  const genesis = request.genesis ? (readJsonFile(genesisPath) as Record<string, unknown[]>) : undefined;
  const org = planOrg(planContext(manifest.suite, request.days), request.id, request.name, root, tlsRoot);
  const next = genesis && {
    ...genesis,
    organisations: [...(genesis.organisations ?? []), orgGenesis(org)],
    identities: [...(genesis.identities ?? []), adminGenesis(org.admin)],
  };
  if (next) checkGenesis(next);
  // Built beside its final place and moved there once everything is written.
  const work = join(dir, "orgs", `.${request.id}.partial-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  try {
    writeOrg(work, org, request.passphrase);
    // Governance admits it (mkl gov propose admit-org with its CA files); then its first admin is registered.
    if (!next) {
      writeJsonFile(join(work, "register-admin.json"), {
        kind: "registerIdentity",
        certificate: toHex(org.admin.chain[0]!.der),
      });
    }
    renameSync(work, join(dir, "orgs", request.id));
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  if (next) {
    writeJsonFile(genesisPath, next);
    for (const home of nodeHomes(dir)) writeJsonFile(join(home, "genesis.json"), next);
  }
  manifest.orgs.push({ id: org.id, name: org.name });
  writeJsonFile(join(dir, "network.json"), manifest);
  return org;
}

/**
 * An observer node (for an auditor or regulator) of organisation `orgId` on this machine: keys
 * and certificates like a validator's, but not in the validator set, so it follows the chain by
 * block sync and never votes. Every node's peer list gains it. Returns its home.
 */
export function addObserver(dir: string, orgId: string, passphrase: string | undefined): string {
  const manifest = readManifest(dir);
  const orgDir = join(dir, "orgs", orgId);
  if (!existsSync(orgDir)) throw new NetworkError("NETWORK_BAD_ORG", `no organisation "${orgId}" in ${dir}`);
  if (manifest.nodes.some((node) => node.host !== undefined)) {
    throw new NetworkError(
      "NETWORK_NOT_LOCAL",
      `${dir} is a network of several hosts: name the new node's host (addHostObserver, mkl network add-observer --host)`,
    );
  }
  const { root, tlsRoot, org } = loadNodeIssuers(dir, manifest, orgId, passphrase);
  const n = nextNodeNumber(manifest);
  const base = manifest.basePort ?? DEFAULT_BASE_PORT;
  const ports = { api: base + n - 1, p2p: base + 10 + n - 1 };
  const place = { n, host: "127.0.0.1", listen: "127.0.0.1", observer: true, ports };
  const node = planNode(planContext(manifest.suite, 365n), place, org, root, tlsRoot, undefined);
  const home = join(dir, node.moniker);
  writeNodeHome(home, node, readJsonFile(join(dir, "genesis.json")));
  manifest.nodes.push({ moniker: node.moniker, organisation: orgId, observer: true });
  writeJsonFile(join(dir, "network.json"), manifest);
  wirePeers(dir);
  return home;
}

/**
 * New node and TLS certificates for `moniker` of the network in `dir`, from its organisation's
 * CAs, for the keys it already has: the same name, organisation and key, a later expiry. The
 * node certificate then goes to governance (`mkl gov propose renew-node-cert`); the node uses
 * both files from its next start. Returns the node certificate's path.
 */
export function renewNodeCertificates(
  dir: string,
  moniker: string,
  days: bigint,
  passphrase: string | undefined,
): string {
  const manifest = readManifest(dir);
  const node = manifest.nodes.find((n) => n.moniker === moniker);
  if (node === undefined)
    throw new NetworkError("NETWORK_NOT_FOUND", `no node "${moniker}" in ${dir}/network.json`);
  // Its home in either layout: DIR/nodeN, or its host's bundle DIR/hosts/HOST/nodeN.
  const home = nodeHomeOf(dir, moniker) ?? join(dir, moniker);
  if (!existsSync(join(home, "node.key.pem")))
    throw new NetworkError("NETWORK_NOT_FOUND", `no node home for ${moniker} in ${dir} (nor in hosts/*/)`);
  const orgDir = join(dir, "orgs", node.organisation);
  const ca = loadCa(orgDir, "ca", passphrase);
  const tlsCa = manifest.separateTls ? loadCa(orgDir, "tls-ca", passphrase) : ca;
  const keyPair = (file: string) => {
    const privateKey = readKeyFile(join(home, file), undefined);
    return { privateKey, publicKey: getSuite(privateKey.suite).publicKeyOf(privateKey) };
  };
  const { cert, tlsCert } = issueNodeCertificates(
    planContext(manifest.suite, days),
    { moniker, organisation: node.organisation, host: node.host ?? "127.0.0.1" },
    { keys: keyPair("node.key.pem"), tlsKeys: keyPair("tls.key.pem") },
    ca,
    tlsCa,
  );
  writePublicFile(join(home, "node.cert.pem"), pemChain([cert, ca.cert]));
  writePublicFile(join(home, "tls.cert.pem"), pemChain([tlsCert, tlsCa.cert]));
  return join(home, "node.cert.pem");
}
