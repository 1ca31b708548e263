import { join, resolve } from "node:path";
import type { Command } from "commander";
import { readJsonFile } from "../../node/files.js";
import { bundleName, DEFAULT_INSTALL_DIR, hostsOf, writeHostBundles } from "../../ops/network/bundles.js";
import { addObserver, addOrganisation, planContext, renewNodeCertificates } from "../../ops/network/grow.js";
import {
  addHostObserver,
  checkNewOrganisationHosts,
  type HostGrowth,
  isHostsNetwork,
} from "../../ops/network/grow-hosts.js";
import { type NetworkPlan, planNetwork } from "../../ops/network/plan.js";
import { DEFAULT_BASE_PORT } from "../../ops/network/ports.js";
import { hostsTopology, localTopology, manifestTopology } from "../../ops/network/topology.js";
import { refuseNonEmpty, writeNetwork } from "../../ops/network/write.js";
import { CliError, passphraseFrom, printer } from "../io.js";
import { parseDays, parseSuiteOption } from "./cert.js";

/**
 * `mkl network init|add-org|add-observer`: flags in, a plan from `src/ops/network` out to disk.
 * init writes a whole consortium into DIR (built beside it, then renamed, so a failure leaves
 * nothing behind): a root CA, one CA per organisation, an admin per organisation, a platform
 * operator, one validator node per organisation, and genesis.json. On suites Node's TLS cannot
 * use (sm, secp256k1, ed25519) a parallel ECDSA P-256 hierarchy issues the nodes' TLS
 * certificates; on ecdsa-p256 the organisation CA issues them. The layout is in write.ts.
 */

export interface InitOptions {
  orgs?: string;
  hosts?: string;
  manifest?: string;
  installDir?: string;
  suite: string;
  out: string;
  chainId: string;
  days: string;
  basePort?: string;
  passphraseEnv?: string;
}

/** A port flag: a whole number (the range is checked with the ports it must leave room for). */
export function parsePortOption(flag: string, value: string): number {
  if (!/^[0-9]{1,5}$/.test(value)) throw new CliError(`${flag} must be a port number, got "${value}"`);
  return Number(value);
}

function printPlan(plan: NetworkPlan, print: (line: string) => void): void {
  print(`root CA (${plan.suite}) ${plan.root.cert.serialHex}`);
  if (plan.tlsRoot) print("TLS root CA (ecdsa-p256): Node's TLS cannot use this chain's suite");
  plan.orgs.forEach((org, i) => {
    const nodes = plan.nodes.filter((node) => node.organisation === org.id).map((node) => node.moniker);
    print(
      `[${i + 1}/${plan.orgs.length}] ${org.id}: CA, admin ${org.admin.code}, validator ${nodes.join(", ")}`,
    );
  });
  print(`platform operator ${plan.operator.code} (in ${plan.orgs[0]!.id})`);
  print("genesis.json written and checked (every certificate chains to the root)");
}

export function initNetwork(o: InitOptions, print: (line: string) => void): void {
  const basePort = o.basePort === undefined ? DEFAULT_BASE_PORT : parsePortOption("--base-port", o.basePort);
  const given = [o.orgs, o.hosts, o.manifest].filter((v) => v !== undefined).length;
  if (given !== 1) throw new CliError("give one of --orgs N, --hosts HOST1,HOST2,… or --manifest FILE");
  const topology =
    o.hosts !== undefined
      ? hostsTopology(
          o.chainId,
          o.hosts.split(",").map((h) => h.trim()),
          basePort,
        )
      : o.manifest !== undefined
        ? manifestTopology(o.chainId, readJsonFile(o.manifest), o.manifest, basePort)
        : localTopology(o.chainId, Number(o.orgs), basePort);
  const suite = parseSuiteOption(o.suite);
  const days = parseDays(o.days);
  const out = resolve(o.out);
  refuseNonEmpty(out);
  const passphrase = passphraseFrom(o.passphraseEnv);
  const plan = planNetwork(planContext(suite, days), topology);
  if (topology.placement === "hosts") {
    writeHostBundles(out, plan, passphrase, o.installDir ?? DEFAULT_INSTALL_DIR);
    printPlan(plan, print);
    for (const host of hostsOf(plan)) {
      const nodes = plan.nodes.filter((node) => node.host === host);
      print(
        `  ${join(out, "hosts", bundleName(host))}: ${nodes.map((n) => `${n.moniker} api ${n.ports.api} p2p ${n.ports.p2p}`).join(", ")}`,
      );
    }
    print(
      `done: ${plan.orgs.length} organisations, ${plan.nodes.length} nodes on ${hostsOf(plan).length} hosts in ${out}`,
    );
    print(
      `copy each ${join(out, "hosts", "HOST")} to its machine and follow its README.md; keep ${out}/ca and ${out}/orgs offline`,
    );
    return;
  }
  writeNetwork(out, plan, passphrase);
  printPlan(plan, print);
  print(`done: ${plan.orgs.length} organisations, ${plan.nodes.length} validators in ${out}`);
  print(
    `start every node: mkl network up --home ${out} (or one: mkl node start --home ${join(out, "node1")})`,
  );
}

interface AddOrgOptions {
  dir: string;
  id: string;
  name: string;
  days: string;
  genesis: boolean;
  host?: string;
  passphraseEnv?: string;
}

/** `--host a,b`: the hosts named, trimmed. */
const hostList = (value: string) => value.split(",").map((h) => h.trim());

function addOrg(o: AddOrgOptions, print: (line: string) => void): void {
  const days = parseDays(o.days);
  const passphrase = passphraseFrom(o.passphraseEnv);
  const dir = resolve(o.dir);
  const hosts = o.host === undefined ? [] : hostList(o.host);
  const bundled = isHostsNetwork(dir);
  if (hosts.length > 0) {
    if (o.genesis) throw new CliError("--host adds nodes after genesis: give --genesis or --host, not both");
    if (!bundled)
      throw new CliError(
        `${dir} is a network on this machine: add the organisation's node with mkl network add-observer --org ${o.id}`,
      );
    checkNewOrganisationHosts(dir, hosts);
  }
  const org = addOrganisation(dir, { id: o.id, name: o.name, days, genesis: o.genesis, passphrase });
  print(`${org.id}: CA ${org.ca.cert.serialHex}, admin ${org.admin.code}`);
  if (o.genesis) {
    print("genesis.json updated in DIR and every node (only before the chain starts)");
    return;
  }
  const tlsCa = org.tlsCa ? ` --tls-ca-cert orgs/${org.id}/tls-ca.cert.pem` : "";
  print(
    `governance admits it: an admin proposes mkl gov propose admit-org --org ${org.id} --name ${JSON.stringify(org.name)} --ca-cert orgs/${org.id}/ca.cert.pem${tlsCa}, the others approve (mkl gov approve)`,
  );
  print(
    `then the platform operator registers its admin: mkl tx registerIdentity --value-file orgs/${org.id}/register-admin.json`,
  );
  for (const host of hosts) printGrowth(dir, addHostObserver(dir, org.id, host, passphrase), print);
  if (bundled && hosts.length === 0)
    print(
      `its nodes, one bundle per host: mkl network add-observer --dir ${o.dir} --org ${org.id} --host HOST`,
    );
}

/** What a grown bundle network asks of its operators: the new bundle, governance, and each host's new files. */
function printGrowth(dir: string, g: HostGrowth, print: (line: string) => void): void {
  const where = g.newBundle ? "a new bundle" : "its bundle, which gains it";
  print(
    `observer ${g.moniker} of ${g.organisation} on ${g.host} (api ${g.ports.api}, p2p ${g.ports.p2p}) in ${g.bundleDir}, ${where}:`,
  );
  print(`  copy ${g.bundleDir} to ${g.host} and follow its README.md (it installs ${g.moniker})`);
  print(
    `  register it: mkl gov propose add-observer --key ${join(dir, "orgs", g.organisation, "admin.key.pem")} --node-cert ${join(g.home, "node.cert.pem")}, the other admins approve; then it syncs (to make it a validator: mkl gov propose add-validator --validator-key ${join(g.home, "node.key.pem")} --name ${g.moniker})`,
  );
  print(
    "  every other node's config.json now lists it (a node takes its peer list when it starts; the chain lets a registered observer in without one):",
  );
  for (const node of g.changed)
    print(`    ${node.host}: copy ${node.configPath} to ${node.installedHome}/config.json`);
  for (const rule of g.firewall) print(`    ${rule.host}: let its p2p in: ${rule.rule}`);
}

export function registerNetworkCommands(program: Command): void {
  const network = program.command("network").description("generate and grow a consortium network");
  const init = network
    .command("init")
    .description(
      "write a CA hierarchy, organisations, nodes and genesis.json: on this machine (--orgs), or one bundle per host (--hosts, --manifest)",
    )
    .option("--orgs <n>", "number of organisations, each running one validator on this machine's loopback")
    .option(
      "--hosts <list>",
      "comma-separated hosts (IP or DNS name): one organisation and validator each, one bundle per host",
    )
    .option(
      "--manifest <file>",
      "a JSON file of organisations and their nodes' hosts (README: Running a network across machines)",
    )
    .option("--install-dir <dir>", "where bundles' systemd units expect node homes", DEFAULT_INSTALL_DIR)
    .requiredOption("--out <dir>", "a new (or empty) directory")
    .option("--suite <suite>", "crypto suite: sm | ecdsa-p256 | ecdsa-secp256k1 | ed25519", "sm")
    .option("--chain-id <id>", "chain id", "marketledger-local")
    .option("--days <n>", "validity of node and member certificates, in days", "365")
    .option(
      "--base-port <port>",
      `node1's API port; node N's is base+N-1, its p2p port base+10+N-1 (more when over 10 nodes)`,
      String(DEFAULT_BASE_PORT),
    )
    .option("--passphrase-env <var>", "encrypt CA, admin and operator keys with this variable's passphrase");
  init.action((o: InitOptions) => initNetwork(o, printer(init)));
  const add = network
    .command("add-org")
    .description("add an organisation (CA, TLS CA, admin) to a network made by init")
    .requiredOption("--dir <dir>", "the network directory")
    .requiredOption("--id <id>", "organisation id, e.g. acme")
    .requiredOption("--name <name>", "organisation name")
    .option(
      "--host <hosts>",
      "in a network of host bundles: a node of the organisation on each (new) host, comma-separated",
    )
    .option("--days <n>", "validity of the admin certificate, in days", "365")
    .option(
      "--genesis",
      "add it to genesis.json (before the chain starts); default: write the registration operations",
      false,
    )
    .option("--passphrase-env <var>", "passphrase of the CA keys, and for the new keys");
  add.action((o: AddOrgOptions) => addOrg(o, printer(add)));
  const observer = network
    .command("add-observer")
    .description("add an observer node (follows the chain, never votes) for an organisation, e.g. an auditor")
    .requiredOption("--dir <dir>", "the network directory")
    .requiredOption("--org <id>", "the organisation that runs it")
    .option(
      "--host <host>",
      "in a network of host bundles: the host it runs on (new, or one of its organisation's)",
    )
    .option("--passphrase-env <var>", "passphrase of the CA keys");
  observer.action((o: { dir: string; org: string; host?: string; passphraseEnv?: string }) => {
    const dir = resolve(o.dir);
    const passphrase = passphraseFrom(o.passphraseEnv);
    if (o.host !== undefined || isHostsNetwork(dir)) {
      if (o.host === undefined)
        throw new CliError(
          `${o.dir} is a network of host bundles: name the observer's host with --host HOST`,
        );
      printGrowth(dir, addHostObserver(dir, o.org, o.host, passphrase), printer(observer));
      return;
    }
    const home = addObserver(dir, o.org, passphrase);
    printer(observer)(
      `observer ${home.split("/").pop()} of ${o.org} in ${home}; every node's peer list now includes it`,
    );
  });
  const renew = network
    .command("renew-node-cert")
    .description(
      "issue a node's node and TLS certificates again (same keys, later expiry) from its organisation's CAs",
    )
    .requiredOption("--dir <dir>", "the network directory")
    .requiredOption("--node <moniker>", "the node, e.g. node3")
    .option("--days <n>", "validity, in days", "365")
    .option("--passphrase-env <var>", "passphrase of the CA keys");
  renew.action((o: { dir: string; node: string; days: string; passphraseEnv?: string }) => {
    if (!/^[1-9][0-9]{0,4}$/.test(o.days))
      throw new CliError(`--days must be a whole number from 1, got "${o.days}"`);
    const path = renewNodeCertificates(
      resolve(o.dir),
      o.node,
      BigInt(o.days),
      passphraseFrom(o.passphraseEnv),
    );
    printer(renew)(
      `renewed ${path} (and tls.cert.pem); record it on the chain with: mkl gov propose renew-node-cert --node-cert ${path} --key ADMIN_KEY`,
    );
  });
}
