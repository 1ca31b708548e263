import { afterEach, describe, expect, it } from "vitest";
import { getSuite } from "../../crypto/index.js";
import type { Faults } from "../../faults.js";
import { until } from "../../until.test-util.js";
import { packChecks, type SignatureCheck, unpackChecks } from "./checks.js";
import { VerifyPool, type VerifyPoolFault } from "./pool.js";

const suite = getSuite("ecdsa-p256");
const key = suite.generateKeyPair();

/** `n` checks, every third one forged (a flipped message byte), one with a junk key. */
function checks(n: number): SignatureCheck[] {
  return Array.from({ length: n }, (_, i) => {
    const message = new Uint8Array([i & 0xff, i >> 8, 7, 7]);
    const signature = suite.sign(key.privateKey, message);
    const forged = i % 3 === 2;
    return {
      publicKey: i === 4 ? new Uint8Array([1, 2, 3]) : key.publicKey.bytes,
      message: forged ? new Uint8Array([message[0] as number, 99, 7, 7]) : message,
      signature,
    };
  });
}

const expected = (cs: readonly SignatureCheck[]) => cs.map((_, i) => i % 3 !== 2 && i !== 4);

/** Fires `workerCrash` for the first `times` batches sent. */
function crashes(times: number): Faults<VerifyPoolFault> {
  let left = times;
  return { fires: () => left-- > 0 };
}

const pools: VerifyPool[] = [];
function pool(options: Omit<ConstructorParameters<typeof VerifyPool>[0], "suite">): VerifyPool {
  const made = new VerifyPool({ suite, startBatch: 1, ...options });
  pools.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe("signature checks packed for a worker", () => {
  it("unpack to the same bytes", () => {
    const cs = checks(5);
    expect(unpackChecks(packChecks(cs))).toEqual(cs);
    expect(unpackChecks(packChecks([]))).toEqual([]);
  });
});

describe("the verification pool", () => {
  it("answers as the calling thread does, forged signatures and junk keys included, with or without workers", async () => {
    const cs = checks(60);
    const where: string[] = [];
    const threaded = pool({ workers: 2, onVerified: (w) => where.push(w) });
    expect(await threaded.verify(cs)).toEqual(expected(cs));
    expect(where).toEqual(["worker", "worker"]); // split over both workers
    const inline = pool({ workers: 0 });
    expect(await inline.verify(cs)).toEqual(expected(cs));
    expect(inline.verifyInline(cs)).toEqual(expected(cs));
  });

  it("restarts a worker that dies and sends its batch again", async () => {
    let restarts = 0;
    const p = pool({ workers: 1, faults: crashes(1), onRestart: () => restarts++ });
    const cs = checks(20);
    expect(await p.verify(cs)).toEqual(expected(cs));
    expect(restarts).toBe(1);
    expect(p.workers).toBe(1);
    expect(await p.verify(cs)).toEqual(expected(cs));
  });

  it("verifies inline a batch that killed two workers, and gives up a worker that keeps dying", async () => {
    const where: string[] = [];
    const p = pool({ workers: 1, faults: crashes(1_000), onVerified: (w) => where.push(w) });
    const cs = checks(20);
    expect(await p.verify(cs)).toEqual(expected(cs));
    expect(where).toEqual(["inline"]);
    expect(await p.verify(cs)).toEqual(expected(cs));
    expect(p.workers).toBe(0); // three deaths in a row: the slot verifies inline from now on
    expect(await p.verify(cs)).toEqual(expected(cs));
  });

  it("verifies on the calling thread beyond its bound of pending checks, and below its smallest batch", async () => {
    const where: string[] = [];
    const p = pool({ workers: 1, maxPendingChecks: 30, minBatch: 8, onVerified: (w) => where.push(w) });
    const cs = checks(20);
    const [first, second, small] = await Promise.all([p.verify(cs), p.verify(cs), p.verify(checks(3))]);
    expect([first, second, small]).toEqual([expected(cs), expected(cs), expected(checks(3))]);
    expect(where.sort()).toEqual(["inline", "inline", "worker"]);
  });

  it("starts its workers with the first large batch and ends them once idle; the next one starts them again", async () => {
    const where: string[] = [];
    const p = pool({ workers: 1, idleMs: 20, startBatch: 30, onVerified: (w) => where.push(w) });
    expect([p.workers, p.maxWorkers]).toEqual([0, 1]);
    expect(await p.verify(checks(20))).toEqual(expected(checks(20))); // below startBatch: no thread for it
    expect(p.workers).toBe(0);
    const cs = checks(40);
    expect(await p.verify(cs)).toEqual(expected(cs));
    expect(where).toEqual(["inline", "worker"]);
    await until(() => p.workers === 0);
    expect(await p.verify(cs)).toEqual(expected(cs));
    expect(where).toEqual(["inline", "worker", "worker"]);
  });

  it("on close, answers the batches in flight, then ends its workers and verifies inline", async () => {
    const p = pool({ workers: 2 });
    const cs = checks(40);
    const inFlight = p.verify(cs);
    expect(p.pendingChecks).toBe(40);
    await p.close();
    expect(await inFlight).toEqual(expected(cs));
    expect(p.workers).toBe(0);
    expect(await p.verify(cs)).toEqual(expected(cs));
  });
});
