import { isIP } from "node:net";
import { join } from "node:path";
import { writeJsonFile, writePublicFile } from "../../node/files.js";
import type { NetworkPlan, NodePlan } from "./plan.js";
import { buildBeside, writeConsortium, writeNodeHome } from "./write.js";

/**
 * A network of several machines on disk: the consortium's files as in write.ts (CAs, organisations,
 * operator, genesis: they stay with whoever generated the network) and one bundle per host,
 *
 * DIR/hosts/HOST/    nodeN/ (the node home)  marketledger-nodeN.service  bundle.json  README.md
 *
 * which is everything that machine needs and nothing else: its own nodes' keys (one organisation's),
 * public certificates, genesis, and its peers at their real addresses.
 */

export const DEFAULT_INSTALL_DIR = "/var/lib/marketledger";

/** A host's directory name: the host itself, with IPv6 colons made safe for file systems. */
export function bundleName(host: string): string {
  return host.replaceAll(":", "_");
}

export interface BundleManifest {
  host: string;
  organisation: string;
  chainId: string;
  nodes: Array<{ moniker: string; observer: boolean; apiPort: number; p2pPort: number; home: string }>;
  /** Where this host's nodes dial out to. */
  peers: Array<{ moniker: string; host: string; p2pPort: number }>;
}

export function bundleOf(plan: NetworkPlan, host: string, installDir: string): BundleManifest {
  const own = plan.nodes.filter((node) => node.host === host);
  return {
    host,
    organisation: own[0]!.organisation,
    chainId: plan.chainId,
    nodes: own.map((node) => ({
      moniker: node.moniker,
      observer: node.observer,
      apiPort: node.ports.api,
      p2pPort: node.ports.p2p,
      home: join(installDir, node.moniker),
    })),
    peers: plan.nodes
      .filter((node) => node.host !== host)
      .map((node) => ({ moniker: node.moniker, host: node.host, p2pPort: node.ports.p2p })),
  };
}

/** A systemd unit that runs one node from its installed home, restarting it unless its input is bad. */
export function systemdUnit(node: NodePlan, home: string): string {
  return `[Unit]
Description=MarketLedger node ${node.moniker} (${node.organisation}${node.observer ? ", observer" : ""})
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=marketledger
Group=marketledger
ExecStart=/usr/bin/env mkl node start --home ${home}
Restart=on-failure
RestartSec=5
# Exit 2 is bad input (config, genesis, a port taken): restarting cannot help.
RestartPreventExitStatus=2
KillSignal=SIGTERM
TimeoutStopSec=30
LimitNOFILE=65536
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
ReadWritePaths=${home}

[Install]
WantedBy=multi-user.target
`;
}

/** An nftables rule accepting p2p from one peer (a DNS name is resolved when the rule is added). */
export function nftAccept(host: string, ports: string): string {
  const family = isIP(host) === 6 ? "ip6" : "ip";
  return `nft add rule inet filter input ${family} saddr ${host} tcp dport { ${ports} } accept`;
}

export function hostReadme(bundle: BundleManifest, installDir: string): string {
  const rows = bundle.nodes.flatMap((node) => [
    `| ${node.p2pPort} | TCP | ${node.moniker} p2p: consensus and block sync (mutual TLS 1.3) | the peers below |`,
    `| ${node.apiPort} | TCP | ${node.moniker} HTTP API, web console, /metrics | clients, the monitor, Prometheus |`,
  ]);
  const peerHosts = [...new Set(bundle.peers.map((peer) => peer.host))];
  const p2pPorts = bundle.nodes.map((node) => node.p2pPort).join(",");
  const apiPorts = bundle.nodes.map((node) => node.apiPort).join(",");
  return `# MarketLedger bundle for ${bundle.host}

Chain \`${bundle.chainId}\`, organisation \`${bundle.organisation}\`: ${bundle.nodes
    .map((node) => `${node.moniker}${node.observer ? " (observer)" : " (validator)"}`)
    .join(", ")}. This directory holds the private keys of these nodes only: copy it to ${bundle.host}
over a channel you trust and to nowhere else.

## Ports to open (inbound)

| port | protocol | what | from |
| --- | --- | --- | --- |
${rows.join("\n")}

Outbound, this host dials its peers' p2p ports:

| peer | address |
| --- | --- |
${bundle.peers.map((peer) => `| ${peer.moniker} | ${peer.host}:${peer.p2pPort} |`).join("\n")}

For example with nftables (p2p from the peers only, the API from anywhere you choose):

\`\`\`sh
${peerHosts.map((host) => nftAccept(host, p2pPorts)).join("\n")}
nft add rule inet filter input tcp dport { ${apiPorts} } accept
\`\`\`

## Install and start

\`\`\`sh
useradd --system --home ${installDir} marketledger     # once
npm install -g marketledger                              # or any install that puts mkl on PATH
${bundle.nodes
  .map(
    (node) => `install -d -o marketledger -g marketledger -m 0700 ${node.home}
cp -r ${node.moniker}/. ${node.home}/ && chown -R marketledger:marketledger ${node.home}
cp marketledger-${node.moniker}.service /etc/systemd/system/
systemctl daemon-reload && systemctl enable --now marketledger-${node.moniker}`,
  )
  .join("\n")}
journalctl -u 'marketledger-*' -f                        # its log
\`\`\`

Or without systemd: \`mkl node start --home ${bundle.nodes[0]!.moniker}\` from this directory.
${bundle.nodes.map((node) => `${node.moniker} answers at http://${bundle.host}:${node.apiPort}/v1/status once it runs.`).join("\n")}
The chain commits once nodes holding more than 2/3 of the voting power are up.
`;
}

/** The hosts of a plan, in the order their first node appears. */
export function hostsOf(plan: NetworkPlan): string[] {
  return [...new Set(plan.nodes.map((node) => node.host))];
}

/** One bundle directory for `host` (its nodes' homes, units, bundle.json, README.md) under `dir`. */
export function writeBundle(dir: string, plan: NetworkPlan, host: string, installDir: string): void {
  const bundle = bundleOf(plan, host, installDir);
  for (const node of plan.nodes.filter((n) => n.host === host)) {
    writeNodeHome(join(dir, node.moniker), node, plan.genesis);
    writePublicFile(
      join(dir, `marketledger-${node.moniker}.service`),
      systemdUnit(node, join(installDir, node.moniker)),
    );
  }
  writeJsonFile(join(dir, "bundle.json"), bundle);
  writePublicFile(join(dir, "README.md"), hostReadme(bundle, installDir));
}

/** The consortium's files and every host's bundle, built beside `out` and renamed into place. */
export function writeHostBundles(
  out: string,
  plan: NetworkPlan,
  passphrase: string | undefined,
  installDir = DEFAULT_INSTALL_DIR,
): void {
  buildBeside(out, (work) => {
    writeConsortium(work, plan, passphrase);
    for (const host of hostsOf(plan))
      writeBundle(join(work, "hosts", bundleName(host)), plan, host, installDir);
  });
}
