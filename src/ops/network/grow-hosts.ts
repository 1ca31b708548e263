import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { toHex } from "../../ledger/bytes.js";
import { readJsonFile, writeJsonFile, writePublicFile } from "../../node/files.js";
import { readCertificateFile } from "../../node/key-files.js";
import { networkNodes } from "../network-up.js";
import {
  type BundleManifest,
  bundleName,
  DEFAULT_INSTALL_DIR,
  hostReadme,
  nftAccept,
  systemdUnit,
} from "./bundles.js";
import { NetworkError } from "./errors.js";
import { loadNodeIssuers, nextNodeNumber, planContext, readManifest } from "./grow.js";
import { listenAddressOf, type NodeConfigJson, type PeerJson, planNode } from "./plan.js";
import { DEFAULT_BASE_PORT, type NodePorts } from "./ports.js";
import { isHostAddress } from "./topology.js";
import { writeNodeHome } from "./write.js";

/**
 * Growing a network of host bundles (`mkl network init --hosts|--manifest`): a new node of an
 * organisation on a new host (a new bundle) or on a host of its own organisation (its bundle
 * gains the node), wired both ways. The new node's config lists every node at its host's
 * address; every other node's config.json, bundle.json and README gain the new node, so what
 * each host must be sent again is exactly the files this returns.
 */

/** A node of a bundle, as its peers dial it. */
interface BundledNode {
  readonly moniker: string;
  readonly host: string;
  readonly home: string;
  readonly peer: PeerJson;
}

/** One node of another bundle whose peer list gained the new node. */
export interface ChangedNode {
  readonly moniker: string;
  readonly host: string;
  /** The file to copy to the host again, and where its node home is installed there. */
  readonly configPath: string;
  readonly installedHome: string;
}

export interface HostGrowth {
  readonly moniker: string;
  readonly organisation: string;
  readonly host: string;
  readonly home: string;
  readonly bundleDir: string;
  /** Whether the host had no bundle before. */
  readonly newBundle: boolean;
  readonly ports: NodePorts;
  /** Every other node, whose config.json (and its bundle's bundle.json and README.md) now lists it. */
  readonly changed: readonly ChangedNode[];
  /** What each other host must let in from the new node's host (p2p to its nodes): one nftables line per host. */
  readonly firewall: ReadonlyArray<{ host: string; rule: string }>;
}

function readBundle(bundleDir: string): BundleManifest | undefined {
  const path = join(bundleDir, "bundle.json");
  return existsSync(path) ? (readJsonFile(path) as BundleManifest) : undefined;
}

function bundledNodes(dir: string): BundledNode[] {
  return networkNodes(dir).map((node) => {
    const config = readJsonFile(join(node.home, "config.json")) as NodeConfigJson;
    const id = toHex(readCertificateFile(join(node.home, "node.cert.pem")).publicKey.bytes);
    const host = node.host as string;
    return { moniker: node.name, host, home: node.home, peer: { id, host, port: config.p2p.port } };
  });
}

/** The first API and p2p ports from `basePort` that no node of the host holds (ports.ts's layout while it fits). */
function nextPorts(basePort: number, held: BundleManifest | undefined): NodePorts {
  const taken = new Set(held?.nodes.flatMap((node) => [node.apiPort, node.p2pPort]) ?? []);
  const free = (from: number) => {
    let port = from;
    while (taken.has(port)) port++;
    taken.add(port);
    return port;
  };
  const api = free(basePort);
  const p2p = free(basePort + 10);
  if (p2p > 65_535) throw new NetworkError("NETWORK_BAD_PORT", `no port left on the host from ${basePort}`);
  return { api, p2p };
}

/** Where the bundles' units expect node homes: as the bundles already written say. */
function installDirOf(bundles: readonly BundleManifest[]): string {
  const home = bundles.find((b) => b.nodes.length > 0)?.nodes[0]?.home;
  return home === undefined ? DEFAULT_INSTALL_DIR : dirname(home);
}

/**
 * Adds an observer node of `orgId` on `host` to the bundles of the network in `dir`: keys and
 * certificates from its organisation's CA, its node home, systemd unit, bundle.json and README in
 * `hosts/HOST/`, and the new peer in every other node's config. A host already running another
 * organisation's nodes is refused (a bundle holds one organisation's keys). Checks everything
 * before it writes.
 */
export function addHostObserver(
  dir: string,
  orgId: string,
  host: string,
  passphrase: string | undefined,
): HostGrowth {
  const manifest = readManifest(dir);
  if (!manifest.nodes.some((node) => node.host !== undefined)) {
    throw new NetworkError(
      "NETWORK_NOT_HOSTS",
      `${dir} is a network on this machine: add its observer without --host`,
    );
  }
  const orgDir = join(dir, "orgs", orgId);
  if (!existsSync(orgDir)) throw new NetworkError("NETWORK_BAD_ORG", `no organisation "${orgId}" in ${dir}`);
  if (!isHostAddress(host)) {
    throw new NetworkError(
      "NETWORK_BAD_TOPOLOGY",
      `--host "${host}" is not a host address (an IP address or a DNS name others can reach)`,
    );
  }
  const bundleDir = join(dir, "hosts", bundleName(host));
  const held = readBundle(bundleDir);
  if (held !== undefined && held.organisation !== orgId) {
    throw new NetworkError(
      "NETWORK_BAD_TOPOLOGY",
      `host ${host} runs nodes of ${held.organisation}: one organisation per host, so no bundle holds another's keys`,
    );
  }
  const nodes = bundledNodes(dir);
  const bundleDirs = [...new Set(nodes.map((node) => dirname(node.home)))];
  const installDir = installDirOf(bundleDirs.flatMap((d) => readBundle(d) ?? []));
  const { root, tlsRoot, org } = loadNodeIssuers(dir, manifest, orgId, passphrase);
  const n = nextNodeNumber(manifest);
  const ports = nextPorts(manifest.basePort ?? DEFAULT_BASE_PORT, held);
  const place = { n, host, listen: listenAddressOf(host), observer: true, ports };
  const peers = nodes.map((node) => node.peer);
  const node = planNode(planContext(manifest.suite, 365n), place, org, root, tlsRoot, peers);
  const installedHome = join(installDir, node.moniker);

  const home = join(bundleDir, node.moniker);
  writeNodeHome(home, node, readJsonFile(join(dir, "genesis.json")));
  writePublicFile(join(bundleDir, `marketledger-${node.moniker}.service`), systemdUnit(node, installedHome));
  const entry = {
    moniker: node.moniker,
    observer: true,
    apiPort: ports.api,
    p2pPort: ports.p2p,
    home: installedHome,
  };
  writeBundleFiles(
    bundleDir,
    held === undefined
      ? {
          host,
          organisation: orgId,
          chainId: manifest.chainId,
          nodes: [entry],
          peers: nodes.map((other) => ({
            moniker: other.moniker,
            host: other.host,
            p2pPort: other.peer.port,
          })),
        }
      : { ...held, nodes: [...held.nodes, entry] },
    installDir,
  );

  // Every other node dials the new one too, and its host lets it in.
  const self: PeerJson = { id: toHex(node.keys.publicKey.bytes), host, port: ports.p2p };
  for (const other of nodes) {
    const path = join(other.home, "config.json");
    const config = readJsonFile(path) as NodeConfigJson;
    writeJsonFile(path, { ...config, peers: [...(config.peers ?? []), self] });
  }
  for (const other of bundleDirs.filter((d) => d !== bundleDir)) {
    const bundle = readBundle(other) as BundleManifest;
    const peer = { moniker: node.moniker, host, p2pPort: ports.p2p };
    writeBundleFiles(other, { ...bundle, peers: [...bundle.peers, peer] }, installDir);
  }
  manifest.nodes.push({ moniker: node.moniker, organisation: orgId, observer: true, host });
  writeJsonFile(join(dir, "network.json"), manifest);

  const otherHosts = [...new Set(nodes.map((other) => other.host).filter((h) => h !== host))];
  return {
    moniker: node.moniker,
    organisation: orgId,
    host,
    home,
    bundleDir,
    newBundle: held === undefined,
    ports,
    changed: nodes.map((other) => ({
      moniker: other.moniker,
      host: other.host,
      configPath: join(other.home, "config.json"),
      installedHome: join(installDir, other.moniker),
    })),
    firewall: otherHosts.map((h) => {
      const own = nodes.filter((other) => other.host === h).map((other) => other.peer.port);
      return { host: h, rule: nftAccept(host, own.join(",")) };
    }),
  };
}

function writeBundleFiles(bundleDir: string, bundle: BundleManifest, installDir: string): void {
  writeJsonFile(join(bundleDir, "bundle.json"), bundle);
  writePublicFile(join(bundleDir, "README.md"), hostReadme(bundle, installDir));
}

/** Whether the network in `dir` is one of host bundles (made with --hosts or --manifest). */
export function isHostsNetwork(dir: string): boolean {
  return readManifest(dir).nodes.some((node) => node.host !== undefined);
}

/**
 * The hosts a new organisation's nodes go to, checked before anything is written: addresses
 * others can reach, each new to the network (another organisation's host would put two
 * organisations' keys in one bundle).
 */
export function checkNewOrganisationHosts(dir: string, hosts: readonly string[]): void {
  for (const host of hosts) {
    if (!isHostAddress(host))
      throw new NetworkError(
        "NETWORK_BAD_TOPOLOGY",
        `--host "${host}" is not a host address (an IP address or a DNS name others can reach)`,
      );
    const held = readBundle(join(dir, "hosts", bundleName(host)));
    if (held !== undefined)
      throw new NetworkError(
        "NETWORK_BAD_TOPOLOGY",
        `host ${host} runs nodes of ${held.organisation}: a new organisation's nodes go to hosts of their own`,
      );
  }
  const twice = hosts.find((host, i) => hosts.indexOf(host) !== i);
  if (twice !== undefined) throw new NetworkError("NETWORK_BAD_TOPOLOGY", `--host names ${twice} twice`);
}
