import { isIP } from "node:net";
import { genesisSchema, PROTOCOL_VERSION, writeGenesisState } from "../../app/genesis.js";
import { StateOverlay } from "../../app/state.js";
import { getSuite } from "../../crypto/index.js";
import type { KeyPair, SuiteId } from "../../crypto/suite.js";
import { toHex } from "../../ledger/bytes.js";
import { parseWith } from "../../node/config.js";
import { createCrl, type ParsedCertificate, toPem } from "../../pki/index.js";
import {
  type AltNames,
  type Ca,
  DAY_MS,
  type Issuer,
  issue,
  type MemberPlan,
  newCa,
  newMember,
} from "./issue.js";
import { hostPorts, type NodePorts } from "./ports.js";

/**
 * A whole consortium as data: a root CA (and, on suites Node's TLS cannot use, an ECDSA P-256
 * TLS root), one CA per organisation with its admin and empty CRL, a platform operator, the
 * nodes with their consensus and TLS keys, certificates and config.json, and genesis. Nothing
 * here touches the disk; `write.ts` puts a plan there.
 */

const VALIDATOR_POWER = "10";
const CRL_DAYS = 30n;
const LOOPBACK = "127.0.0.1";
/** What a node on its own machine listens on: every address (its config's host is where peers dial). */
const ANY_ADDRESS = "0.0.0.0";

/**
 * Where a node of a host bundle listens: every address, but a loopback host (127.0.0.0/8, ::1)
 * is this machine itself, so its nodes listen on that address alone and a whole directory of
 * such bundles runs on one machine (`mkl network up --home DIR`), each host on its own address.
 */
export function listenAddressOf(host: string): string {
  const loopback = (isIP(host) === 4 && host.startsWith("127.")) || host === "::1";
  return loopback ? host : ANY_ADDRESS;
}

/** The shape of network.json: what add-org and add-observer need to know of a generated network. */
export interface NetworkManifest {
  chainId: string;
  suite: SuiteId;
  separateTls: boolean;
  /** Where node1's API port is; p2p ports follow (ports.ts). Absent in networks made before it. */
  basePort?: number;
  orgs: Array<{ id: string; name: string }>;
  nodes: Array<{ moniker: string; organisation: string; observer?: boolean; host?: string }>;
}

/** Which organisations run which nodes where. */
export interface Topology {
  readonly chainId: string;
  readonly basePort: number;
  /** local: every node on this machine's loopback; hosts: each node on the machine it names. */
  readonly placement: "local" | "hosts";
  readonly orgs: ReadonlyArray<{
    readonly id: string;
    readonly name: string;
    readonly nodes: ReadonlyArray<{ readonly host: string; readonly observer?: boolean | undefined }>;
  }>;
}

export interface OrgPlan {
  readonly id: string;
  readonly name: string;
  readonly ca: Ca;
  readonly tlsCa: Ca | undefined;
  readonly admin: MemberPlan;
  /** The organisation's first (empty) revocation list and the CRL signed from it. */
  readonly revocations: { crlNumber: number; entries: [] };
  readonly crl: Uint8Array;
}

export interface PeerJson {
  id: string;
  host: string;
  port: number;
}

export interface NodeConfigJson {
  moniker: string;
  api: { host: string; port: number };
  p2p: { host: string; port: number };
  peers?: PeerJson[];
}

export interface NodePlan {
  readonly n: number;
  readonly moniker: string;
  readonly organisation: string;
  readonly observer: boolean;
  /** Where the other nodes reach it. */
  readonly host: string;
  readonly ports: NodePorts;
  readonly keys: KeyPair;
  /** Node certificate, then its organisation's CA. */
  readonly chain: readonly ParsedCertificate[];
  readonly tlsKeys: KeyPair;
  readonly tlsChain: readonly ParsedCertificate[];
  /** The root its consensus certificate chains to, and the root its TLS certificate chains to. */
  readonly rootCa: ParsedCertificate;
  readonly tlsRootCa: ParsedCertificate;
  readonly config: NodeConfigJson;
}

export interface NetworkPlan {
  readonly chainId: string;
  readonly suite: SuiteId;
  readonly root: Ca;
  readonly tlsRoot: Ca | undefined;
  readonly orgs: readonly OrgPlan[];
  readonly operator: MemberPlan;
  readonly nodes: readonly NodePlan[];
  readonly genesis: Record<string, unknown>;
  readonly manifest: NetworkManifest;
}

/** Issuing context plus the time the first CRLs are signed at. */
export interface PlanContext extends Issuer {
  readonly nowMs: bigint;
}

export function planRoots(ctx: Issuer, chainId: string): { root: Ca; tlsRoot: Ca | undefined } {
  const organization = "MarketLedger consortium";
  const root = newCa(ctx, ctx.suite, { commonName: `${chainId} Root CA`, organization }, undefined);
  const tlsRoot =
    ctx.suite === "ecdsa-p256"
      ? undefined
      : newCa(ctx, "ecdsa-p256", { commonName: `${chainId} TLS Root CA`, organization }, undefined);
  return { root, tlsRoot };
}

/** An organisation's CA, TLS CA (when the suite needs one), admin and empty CRL. */
export function planOrg(
  ctx: PlanContext,
  id: string,
  name: string,
  root: Ca,
  tlsRoot: Ca | undefined,
): OrgPlan {
  const ca = newCa(ctx, ctx.suite, { commonName: `${id} CA`, organization: id }, root);
  const tlsCa =
    tlsRoot && newCa(ctx, "ecdsa-p256", { commonName: `${id} TLS CA`, organization: id }, tlsRoot);
  const admin = newMember(ctx, ca, id, "org-admin", "admin");
  const revocations = { crlNumber: 1, entries: [] as [] };
  const crl = createCrl({
    issuer: ca.cert,
    issuerKey: ca.keys.privateKey,
    entries: [],
    crlNumber: revocations.crlNumber,
    thisUpdateMs: ctx.nowMs,
    nextUpdateMs: ctx.nowMs + CRL_DAYS * DAY_MS,
  });
  return { id, name, ca, tlsCa, admin, revocations, crl };
}

/** The names a node's certificates carry: its moniker, loopback, and the address peers dial. */
export function altNamesOf(moniker: string, host: string): AltNames {
  const dnsNames = [moniker, "localhost"];
  const ipAddresses = [LOOPBACK];
  if (isIP(host) !== 0) {
    if (!ipAddresses.includes(host)) ipAddresses.push(host);
  } else if (!dnsNames.includes(host)) dnsNames.push(host);
  return { dnsNames, ipAddresses };
}

export interface NodePlacement {
  readonly n: number;
  readonly host: string;
  readonly ports: NodePorts;
  readonly observer: boolean;
  /** The address it listens on. */
  readonly listen: string;
}

/**
 * A node's consensus certificate (from its organisation's CA) and TLS certificate (from the TLS
 * CA, which may be the same), for its keys: as a plan first issues them and as a renewal does.
 */
export function issueNodeCertificates(
  ctx: Issuer,
  node: { readonly moniker: string; readonly organisation: string; readonly host: string },
  { keys, tlsKeys }: { readonly keys: KeyPair; readonly tlsKeys: KeyPair },
  ca: Ca,
  tlsCa: Ca,
): { cert: ParsedCertificate; tlsCert: ParsedCertificate } {
  const altNames = altNamesOf(node.moniker, node.host);
  const subject = {
    commonName: node.moniker,
    organization: node.organisation,
    organizationalUnit: "node-operator",
  };
  return {
    cert: issue(ctx, "node", subject, keys, ca, altNames),
    tlsCert: issue(ctx, "node", subject, tlsKeys, tlsCa, altNames),
  };
}

/** A node's consensus key and certificate (from its organisation's CA) and TLS key and certificate. */
export function planNode(
  ctx: Issuer,
  place: NodePlacement,
  org: Pick<OrgPlan, "id" | "ca" | "tlsCa">,
  root: Ca,
  tlsRoot: Ca | undefined,
  peers: PeerJson[] | undefined,
): NodePlan {
  const moniker = `node${place.n}`;
  const keys = getSuite(ctx.suite).generateKeyPair();
  const tlsIssuer = org.tlsCa ?? org.ca;
  const tlsKeys = getSuite("ecdsa-p256").generateKeyPair();
  const { cert, tlsCert } = issueNodeCertificates(
    ctx,
    { moniker, organisation: org.id, host: place.host },
    { keys, tlsKeys },
    org.ca,
    tlsIssuer,
  );
  return {
    n: place.n,
    moniker,
    organisation: org.id,
    observer: place.observer,
    host: place.host,
    ports: place.ports,
    keys,
    chain: [cert, org.ca.cert],
    tlsKeys,
    tlsChain: [tlsCert, tlsIssuer.cert],
    rootCa: root.cert,
    tlsRootCa: (tlsRoot ?? root).cert,
    config: {
      moniker,
      api: { host: place.listen, port: place.ports.api },
      p2p: { host: place.listen, port: place.ports.p2p },
      ...(peers === undefined ? {} : { peers }),
    },
  };
}

/** Every node of a topology numbered from 1 in order, with the ports of its host. */
export function placeNodes(topology: Topology): Array<NodePlacement & { organisation: string }> {
  const flat = topology.orgs.flatMap((org) =>
    org.nodes.map((node) => ({ organisation: org.id, host: node.host, observer: node.observer === true })),
  );
  const portsByHost = new Map<string, NodePorts[]>();
  for (const host of new Set(flat.map((node) => node.host))) {
    const count = flat.filter((node) => node.host === host).length;
    portsByHost.set(host, hostPorts(topology.basePort, count));
  }
  return flat.map((node, index) => ({
    ...node,
    n: index + 1,
    ports: portsByHost.get(node.host)!.shift()!,
    listen: topology.placement === "local" ? LOOPBACK : listenAddressOf(node.host),
  }));
}

export function nodeId(node: Pick<NodePlan, "keys">): string {
  return toHex(node.keys.publicKey.bytes);
}

/** Every other node, known by its consensus key, at the address and p2p port it is dialled on. */
function peersOf(node: NodePlan, nodes: readonly NodePlan[]): PeerJson[] {
  return nodes
    .filter((peer) => peer !== node)
    .map((peer) => ({ id: nodeId(peer), host: peer.host, port: peer.ports.p2p }));
}

export function orgGenesis(org: Pick<OrgPlan, "id" | "name" | "ca" | "tlsCa">) {
  return {
    id: org.id,
    name: org.name,
    caCertificate: toPem("CERTIFICATE", org.ca.cert.der),
    ...(org.tlsCa ? { tlsCaCertificate: toPem("CERTIFICATE", org.tlsCa.cert.der) } : {}),
  };
}

export function adminGenesis(member: MemberPlan) {
  return {
    role: member.role,
    organisation: member.organisation,
    certificate: toPem("CERTIFICATE", member.chain[0]!.der),
  };
}

/** Parses and executes a genesis document in memory: what we write, every node will accept. */
export function checkGenesis(genesis: unknown): void {
  writeGenesisState(
    new StateOverlay({ get: () => undefined }),
    parseWith(genesisSchema, genesis, "genesis.json"),
  );
}

/** The whole consortium of a topology; the platform operator belongs to the first organisation. */
export function planNetwork(ctx: PlanContext, topology: Topology): NetworkPlan {
  const { root, tlsRoot } = planRoots(ctx, topology.chainId);
  const orgs = topology.orgs.map((org) => planOrg(ctx, org.id, org.name, root, tlsRoot));
  const unwired = placeNodes(topology).map((place) =>
    planNode(ctx, place, orgs.find((org) => org.id === place.organisation)!, root, tlsRoot, undefined),
  );
  const nodes = unwired.map((node) => ({
    ...node,
    config: { ...node.config, peers: peersOf(node, unwired) },
  }));
  const first = orgs[0]!;
  const operator = newMember(ctx, first.ca, first.id, "platform-operator", "operator");
  const genesis = {
    chainId: topology.chainId,
    suite: ctx.suite,
    protocolVersion: PROTOCOL_VERSION,
    genesisTimeMs: (ctx.startMs + 3_600_000n).toString(),
    params: {},
    validators: nodes
      .filter((node) => !node.observer)
      .map((node) => ({
        name: node.moniker,
        publicKey: nodeId(node),
        power: VALIDATOR_POWER,
        organisation: node.organisation,
      })),
    accounts: [],
    pki: {
      rootCertificate: toPem("CERTIFICATE", root.cert.der),
      ...(tlsRoot ? { tlsRootCertificate: toPem("CERTIFICATE", tlsRoot.cert.der) } : {}),
    },
    organisations: orgs.map(orgGenesis),
    identities: [adminGenesis(operator), ...orgs.map((org) => adminGenesis(org.admin))],
  };
  checkGenesis(genesis);
  const hosts = topology.placement === "hosts";
  const manifest: NetworkManifest = {
    chainId: topology.chainId,
    suite: ctx.suite,
    separateTls: tlsRoot !== undefined,
    basePort: topology.basePort,
    orgs: orgs.map((org) => ({ id: org.id, name: org.name })),
    nodes: nodes.map((node) => ({
      moniker: node.moniker,
      organisation: node.organisation,
      ...(node.observer ? { observer: true } : {}),
      ...(hosts ? { host: node.host } : {}),
    })),
  };
  return {
    chainId: topology.chainId,
    suite: ctx.suite,
    root,
    tlsRoot,
    orgs,
    operator,
    nodes,
    genesis,
    manifest,
  };
}
