import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concatBytes, fromHex, toHex } from "./bytes.js";
import { MerkleError } from "./errors.js";
import { inclusionProof, merkleRoot, verifyInclusion } from "./merkle.js";
import { sha256, sm3 } from "./test-suites.test-util.js";

// RFC 6962 section 2.1 written as literally as possible, as the reference.
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function refMth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256(new Uint8Array(0));
  if (d.length === 1) return sha256(concatBytes(new Uint8Array([0]), d[0]!));
  const k = split(d.length);
  return sha256(concatBytes(new Uint8Array([1]), refMth(d.slice(0, k)), refMth(d.slice(k))));
}
function refPath(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = split(d.length);
  return m < k
    ? [...refPath(m, d.slice(0, k)), refMth(d.slice(k))]
    : [...refPath(m - k, d.slice(k)), refMth(d.slice(0, k))];
}

// Certificate Transparency's reference test data (the RFC 6962 test tree).
const CT_LEAVES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map(fromHex);
const CT_ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

const leavesArb = fc.array(fc.uint8Array({ maxLength: 12 }), { maxLength: 70 });

describe("RFC 6962 Merkle tree", () => {
  it("matches the Certificate Transparency roots for sizes 0..8", () => {
    for (let n = 0; n <= 8; n++) expect(toHex(merkleRoot(sha256, CT_LEAVES.slice(0, n)))).toBe(CT_ROOTS[n]);
  });

  it("matches the Certificate Transparency audit paths", () => {
    expect(inclusionProof(sha256, CT_LEAVES, 0).map(toHex)).toEqual([
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]);
    expect(inclusionProof(sha256, CT_LEAVES, 5).map(toHex)).toEqual([
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]);
  });

  it("root and audit paths equal the recursive reference", () => {
    fc.assert(
      fc.property(leavesArb, fc.nat(), (leaves, pick) => {
        expect(merkleRoot(sha256, leaves)).toEqual(refMth(leaves));
        if (leaves.length === 0) return;
        const m = pick % leaves.length;
        expect(inclusionProof(sha256, leaves, m)).toEqual(refPath(m, leaves));
      }),
      { numRuns: 300 },
    );
  });

  it("every proof of trees of size 1..20 verifies, and no tampered one does", () => {
    for (const hashFn of [sha256, sm3]) {
      for (let n = 1; n <= 20; n++) {
        const leaves = Array.from({ length: n }, (_, i) => new Uint8Array([i, n]));
        const root = merkleRoot(hashFn, leaves);
        for (let i = 0; i < n; i++) {
          const path = inclusionProof(hashFn, leaves, i);
          const leaf = leaves[i]!;
          expect(verifyInclusion(hashFn, root, leaf, i, n, path)).toBe(true);
          expect(verifyInclusion(hashFn, root, new Uint8Array([i, n, 0]), i, n, path)).toBe(false);
          for (let j = 0; j < n; j++) {
            if (j !== i) expect(verifyInclusion(hashFn, root, leaf, j, n, path)).toBe(false);
          }
          expect(verifyInclusion(hashFn, root, leaf, i, i, path)).toBe(false);
          expect(verifyInclusion(hashFn, root, leaf, i, n, [...path, root])).toBe(false);
          if (path.length > 0) {
            expect(verifyInclusion(hashFn, root, leaf, i, n, path.slice(1))).toBe(false);
            expect(verifyInclusion(hashFn, root, leaf, i, n, path.slice(0, -1))).toBe(false);
          }
          path.forEach((p, k) => {
            const bad = path.slice();
            const flipped = p.slice();
            flipped[k % 32]! ^= 1;
            bad[k] = flipped;
            expect(verifyInclusion(hashFn, root, leaf, i, n, bad)).toBe(false);
          });
          const badRoot = root.slice();
          badRoot[0]! ^= 0x80;
          expect(verifyInclusion(hashFn, badRoot, leaf, i, n, path)).toBe(false);
        }
      }
    }
  });

  it("tampering with a random proof makes it fail", () => {
    fc.assert(
      fc.property(
        leavesArb.filter((l) => l.length > 1),
        fc.nat(),
        fc.nat(),
        (leaves, pick, bit) => {
          const m = pick % leaves.length;
          const root = merkleRoot(sha256, leaves);
          const path = inclusionProof(sha256, leaves, m);
          expect(verifyInclusion(sha256, root, leaves[m]!, m, leaves.length, path)).toBe(true);
          const k = bit % path.length;
          const bad = path.map((p) => p.slice());
          bad[k]![(bit >> 3) % 32]! ^= 1 << (bit & 7);
          expect(verifyInclusion(sha256, root, leaves[m]!, m, leaves.length, bad)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects bad indices", () => {
    const leaves = [new Uint8Array([1]), new Uint8Array([2])];
    expect(() => inclusionProof(sha256, leaves, 2)).toThrow(MerkleError);
    expect(() => inclusionProof(sha256, [], 0)).toThrow(MerkleError);
    const root = merkleRoot(sha256, leaves);
    expect(verifyInclusion(sha256, root, leaves[0]!, -1, 2, [])).toBe(false);
    expect(verifyInclusion(sha256, root, leaves[0]!, 0.5, 2, [])).toBe(false);
    expect(verifyInclusion(sha256, root, leaves[0]!, 0, 0, [])).toBe(false);
  });

  it("handles large indices without 32-bit overflow", () => {
    // A path for a huge tree does not verify against a random root, but must not loop or throw.
    const path = Array.from({ length: 40 }, () => new Uint8Array(32));
    expect(verifyInclusion(sha256, new Uint8Array(32), new Uint8Array(1), 2 ** 40 - 1, 2 ** 40, path)).toBe(
      false,
    );
  });
});
