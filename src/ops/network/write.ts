import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { getSuite } from "../../crypto/index.js";
import { writeJsonFile, writePublicFile, writeSecretFile } from "../../node/files.js";
import { keyFileText } from "../../node/key-files.js";
import { type ParsedCertificate, toPem } from "../../pki/index.js";
import { NetworkError } from "./errors.js";
import type { Ca, MemberPlan } from "./issue.js";
import type { NetworkPlan, NodePlan, OrgPlan } from "./plan.js";

/**
 * Puts a network plan on disk:
 *
 * DIR/ca/            root.cert.pem root.key.pem [tls-root.cert.pem tls-root.key.pem]
 * DIR/orgs/ORG/      ca.cert.pem ca.key.pem [tls-ca.*] admin.key.pem admin.cert.pem revocations.json crl.pem
 * DIR/operator/      operator.key.pem operator.cert.pem (the platform operator, in org1)
 * DIR/nodeN/         config.json node.key.pem node.cert.pem tls.key.pem tls.cert.pem root-ca.pem tls-ca.pem genesis.json
 * DIR/genesis.json   DIR/network.json (what add-org and add-observer need to know)
 *
 * CA, admin and operator keys are encrypted under the passphrase when one is given; node keys
 * never are (mode 0600), because a node restarts unattended.
 */

export function pemChain(certs: readonly ParsedCertificate[]): string {
  return certs.map((cert) => toPem("CERTIFICATE", cert.der)).join("");
}

export function writeCa(dir: string, name: string, ca: Ca, passphrase: string | undefined): void {
  writePublicFile(join(dir, `${name}.cert.pem`), toPem("CERTIFICATE", ca.cert.der));
  writeSecretFile(join(dir, `${name}.key.pem`), keyFileText(ca.keys.privateKey, passphrase));
}

export function writeMember(dir: string, member: MemberPlan, passphrase: string | undefined): void {
  writeSecretFile(join(dir, `${member.file}.key.pem`), keyFileText(member.keys.privateKey, passphrase));
  writePublicFile(join(dir, `${member.file}.cert.pem`), pemChain(member.chain));
}

/** An organisation's directory: its CA (and TLS CA), admin, revocations.json and crl.pem. */
export function writeOrg(dir: string, org: OrgPlan, passphrase: string | undefined): void {
  writeCa(dir, "ca", org.ca, passphrase);
  if (org.tlsCa) writeCa(dir, "tls-ca", org.tlsCa, passphrase);
  writeMember(dir, org.admin, passphrase);
  writeJsonFile(join(dir, "revocations.json"), org.revocations);
  writePublicFile(join(dir, "crl.pem"), toPem("X509 CRL", org.crl));
}

/** A node home: what `mkl node start --home DIR` needs, and nothing of anyone else's. */
export function writeNodeHome(dir: string, node: NodePlan, genesis: unknown): void {
  writeSecretFile(
    join(dir, "node.key.pem"),
    getSuite(node.keys.privateKey.suite).privateKeyToPem(node.keys.privateKey),
  );
  writePublicFile(join(dir, "node.cert.pem"), pemChain(node.chain));
  writePublicFile(join(dir, "root-ca.pem"), pemChain([node.rootCa]));
  writeSecretFile(join(dir, "tls.key.pem"), getSuite("ecdsa-p256").privateKeyToPem(node.tlsKeys.privateKey));
  writePublicFile(join(dir, "tls.cert.pem"), pemChain(node.tlsChain));
  writePublicFile(join(dir, "tls-ca.pem"), pemChain([node.tlsRootCa]));
  writeJsonFile(join(dir, "config.json"), node.config);
  writeJsonFile(join(dir, "genesis.json"), genesis);
}

/** What only the consortium's generating machine keeps: the CAs, organisations, operator, genesis. */
export function writeConsortium(dir: string, plan: NetworkPlan, passphrase: string | undefined): void {
  writeCa(join(dir, "ca"), "root", plan.root, passphrase);
  if (plan.tlsRoot) writeCa(join(dir, "ca"), "tls-root", plan.tlsRoot, passphrase);
  for (const org of plan.orgs) writeOrg(join(dir, "orgs", org.id), org, passphrase);
  writeMember(join(dir, "operator"), plan.operator, passphrase);
  writeJsonFile(join(dir, "genesis.json"), plan.genesis);
  writeJsonFile(join(dir, "network.json"), plan.manifest);
}

/** A whole network on one machine: the consortium's files and every node home as DIR/nodeN. */
export function writeNetwork(out: string, plan: NetworkPlan, passphrase: string | undefined): void {
  buildBeside(out, (work) => {
    writeConsortium(work, plan, passphrase);
    for (const node of plan.nodes) writeNodeHome(join(work, node.moniker), node, plan.genesis);
  });
}

export function refuseNonEmpty(out: string): void {
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw new NetworkError(
      "NETWORK_DIR_NOT_EMPTY",
      `${out} exists and is not empty: choose a new directory`,
      {
        path: out,
      },
    );
  }
}

/**
 * Builds `target` in a directory beside it and renames it into place once everything is written,
 * so a failure part way leaves nothing behind. `target` must be absent or empty.
 */
export function buildBeside(target: string, build: (work: string) => void): void {
  refuseNonEmpty(target);
  const work = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  try {
    build(work);
    if (existsSync(target)) rmSync(target, { recursive: true });
    renameSync(work, target);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}
