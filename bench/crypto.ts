import { generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { getSuite, SUITE_IDS, type Suite, type SuiteId } from "../src/crypto/index.js";
import type { BenchRow } from "./table.js";

/**
 * Signatures per second of every suite, ours beside node:crypto on the same curve, measured in
 * the same run. For sm the reference is node:crypto's ECDSA on the SM2 curve (OpenSSL's EC code
 * without SM2's Z and t = r + s): the issue asks native SM2 verify to reach 80% of it.
 */

export interface CryptoBenchOptions {
  /** Time per figure; every loop is bounded by it. */
  durationMs?: number;
}

const MESSAGE = new Uint8Array(128).map((_, i) => (i * 31 + 7) & 0xff);

/** Runs fn for about ms; returns [operations, elapsed ms]. */
function runFor(fn: () => unknown, ms: number): [number, number] {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 8; i++) fn();
    ops += 8;
    elapsed = performance.now() - start;
  }
  return [ops, elapsed];
}

/**
 * Operations per second of ours and of the reference, measured in alternating slices so that
 * load from other processes on a shared machine hits both alike. Takes about 2 x durationMs.
 */
function compare(ours: () => unknown, reference: () => unknown, durationMs: number): [number, number] {
  const slices = 10;
  runFor(ours, durationMs / 20); // warm-up
  runFor(reference, durationMs / 20);
  let [a, ta, b, tb] = [0, 0, 0, 0];
  for (let i = 0; i < slices; i++) {
    const [ops, ms] = runFor(ours, durationMs / slices);
    a += ops;
    ta += ms;
    const [refOps, refMs] = runFor(reference, durationMs / slices);
    b += refOps;
    tb += refMs;
  }
  return [(a * 1000) / ta, (b * 1000) / tb];
}

interface Reference {
  label: string;
  sign: () => unknown;
  verify: () => unknown;
}

// node:crypto on the same curve, with a KeyObject (its fastest path).
const NODE_REFERENCE: Record<SuiteId, () => Reference> = {
  sm: () => nodeEcdsa("SM2", "sm3", "node:crypto ECDSA on SM2 curve"),
  "ecdsa-p256": () => nodeEcdsa("prime256v1", "sha256", "node:crypto ECDSA P-256"),
  "ecdsa-secp256k1": () => nodeEcdsa("secp256k1", "sha256", "node:crypto ECDSA secp256k1"),
  ed25519: () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const sig = sign(null, MESSAGE, privateKey);
    return {
      label: "node:crypto Ed25519",
      sign: () => sign(null, MESSAGE, privateKey),
      verify: () => verify(null, MESSAGE, publicKey, sig),
    };
  },
};

function nodeEcdsa(namedCurve: string, digest: string, label: string): Reference {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve });
  const opts = (key: KeyObject) => ({ key, dsaEncoding: "ieee-p1363" as const });
  const sig = sign(digest, MESSAGE, opts(privateKey));
  return {
    label,
    sign: () => sign(digest, MESSAGE, opts(privateKey)),
    verify: () => verify(digest, MESSAGE, opts(publicKey), sig),
  };
}

function suiteOps(suite: Suite): { sign: () => unknown; verify: () => unknown } {
  const { privateKey, publicKey } = suite.generateKeyPair();
  const sig = suite.sign(privateKey, MESSAGE);
  if (!suite.verify(publicKey, MESSAGE, sig))
    throw new Error(`${suite.id}: benchmark signature does not verify`);
  return { sign: () => suite.sign(privateKey, MESSAGE), verify: () => suite.verify(publicKey, MESSAGE, sig) };
}

function row(name: string, value: number, reference?: number, limit?: string): BenchRow {
  const r: BenchRow = { name, value: Math.round(value), unit: "ops/s" };
  if (reference !== undefined) {
    r.reference = Math.round(reference);
    r.ratio = value / reference;
  }
  if (limit !== undefined) r.limit = limit;
  return r;
}

export async function runCryptoBench(options: CryptoBenchOptions = {}): Promise<BenchRow[]> {
  const durationMs = options.durationMs ?? 1000;
  const rows: BenchRow[] = [];
  for (const id of SUITE_IDS) {
    const suite = getSuite(id);
    const ours = suiteOps(suite);
    const ref = NODE_REFERENCE[id]();
    const label = `${id} (${suite.backend})`;
    const [sign, refSign] = compare(ours.sign, ref.sign, durationMs);
    const [verify, refVerify] = compare(ours.verify, ref.verify, durationMs);
    rows.push(row(`${label} sign vs ${ref.label}`, sign, refSign));
    const verifyLimit = id === "sm" ? ">= 0.80 x reference (issue goal)" : undefined;
    rows.push(row(`${label} verify vs ${ref.label}`, verify, refVerify, verifyLimit));
    if (id === "sm" && suite.backend !== "pure-js") {
      const pure = suiteOps(getSuite("sm", { backend: "pure-js" }));
      const [pureSign, refSign2] = compare(pure.sign, ref.sign, durationMs / 2);
      const [pureVerify, refVerify2] = compare(pure.verify, ref.verify, durationMs / 2);
      rows.push(row("sm (pure-js fallback) sign", pureSign, refSign2));
      rows.push(row("sm (pure-js fallback) verify", pureVerify, refVerify2));
    }
    await new Promise((resolve) => setImmediate(resolve)); // let the event loop breathe between suites
  }
  return rows;
}
