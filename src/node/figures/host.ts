import { existsSync, readFileSync, statfsSync, statSync } from "node:fs";
import { IDENTITY_KEY_PREFIX } from "../../app/identity/records.js";
import { expiringIdentities, listOrganisations } from "../../app/identity/registry.js";
import type { StateReader } from "../../app/state.js";
import { parseCertificate } from "../../pki/certificate.js";
import type { NodeMetrics } from "../metrics.js";

/** Registered certificates are rescanned at most this often (the scan reads every identity). */
const IDENTITY_SCAN_INTERVAL_MS = 60_000;
const FAR_FUTURE_MS = 2n ** 62n;

/** The earliest notAfter of the PEM certificates in these files (first of each chain), if any. */
export function earliestFileExpiryMs(paths: readonly string[]): bigint | undefined {
  let earliest: bigint | undefined;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(
      readFileSync(path, "utf8"),
    );
    if (first === null) continue;
    const notAfter = parseCertificate(first[0]).notAfterMs;
    if (earliest === undefined || notAfter < earliest) earliest = notAfter;
  }
  return earliest;
}

export interface HostFiguresOptions {
  readonly metrics: NodeMetrics;
  readonly dataDir: string;
  readonly walPath: string;
  /** This node's own certificates (consensus, TLS). */
  readonly certificatePaths: readonly string[];
  readonly state: StateReader;
  readonly stateEntries: (prefix: Uint8Array) => Iterable<{ key: Uint8Array; value: Uint8Array }>;
  readonly nowMs: () => number;
}

/** Figures of the machine and the files under the node: disk, WAL, certificate expiry. */
export class HostFigures {
  private lastIdentityScanMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: HostFiguresOptions) {
    const own = earliestFileExpiryMs(options.certificatePaths);
    if (own !== undefined) options.metrics.certificateExpiry.set({ scope: "node" }, Number(own) / 1000);
  }

  refresh(): void {
    const { metrics, dataDir, walPath } = this.options;
    const fs = statfsSync(dataDir);
    metrics.diskFreeBytes.set(fs.bavail * fs.bsize);
    metrics.diskFreeRatio.set(fs.blocks > 0 ? fs.bavail / fs.blocks : 0);
    metrics.walBytes.set(existsSync(walPath) ? statSync(walPath).size : 0);
    const now = this.options.nowMs();
    if (now - this.lastIdentityScanMs >= IDENTITY_SCAN_INTERVAL_MS) {
      this.lastIdentityScanMs = now;
      this.scanRegisteredCertificates();
    }
  }

  /** Forces the next refresh to rescan the chain's certificates (after a block registered one). */
  certificatesChanged(): void {
    this.lastIdentityScanMs = Number.NEGATIVE_INFINITY;
  }

  private scanRegisteredCertificates(): void {
    const { metrics, state } = this.options;
    const orgs = listOrganisations(state).map((o) => o.caNotAfterMs);
    if (orgs.length > 0) metrics.certificateExpiry.set({ scope: "org_ca" }, Number(min(orgs)) / 1000);
    const identities = expiringIdentities(this.options.stateEntries(IDENTITY_KEY_PREFIX), FAR_FUTURE_MS);
    const first = identities[0]?.certificateNotAfterMs;
    if (first !== undefined) metrics.certificateExpiry.set({ scope: "identity" }, Number(first) / 1000);
  }
}

function min(values: readonly bigint[]): bigint {
  let least = values[0] as bigint;
  for (const v of values) if (v < least) least = v;
  return least;
}
