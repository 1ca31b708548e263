import { describe, expect, it } from "vitest";
import { getSuite } from "../../crypto/index.js";
import type { PublicKey } from "../../crypto/suite.js";
import { toHex } from "../../ledger/bytes.js";
import { type HelloCheck, helloSignBytes, makeHello, verifyHello } from "./hello.js";
import { decodeWire, encodeWire } from "./wire.js";

describe.each(["sm", "ecdsa-p256", "ed25519"] as const)("Hello on a %s chain", (suiteId) => {
  const suite = getSuite(suiteId);
  const alice = suite.generateKeyPair();
  const bob = suite.generateKeyPair();
  const aliceId = toHex(alice.publicKey.bytes);
  const bobId = toHex(bob.publicKey.bytes);
  const binding = new Uint8Array(32).fill(9);
  const incarnation = new Uint8Array(16).fill(1);
  const ctx = { chainId: "chain-1", incarnation, role: "dialler" as const, binding };
  const check: HelloCheck = {
    suite,
    chainId: "chain-1",
    selfId: bobId,
    allowed: new Map<string, PublicKey>([[aliceId, alice.publicKey]]),
    expectedPeerId: undefined,
    peerRole: "dialler",
    binding,
  };
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return "ok";
  };

  it("verifies, and survives the wire codec", () => {
    const hello = makeHello(suite, alice, ctx);
    const back = decodeWire(encodeWire({ kind: "hello", value: hello }));
    expect(back.kind).toBe("hello");
    expect(verifyHello(back.value as typeof hello, check)).toBe(aliceId);
  });

  it("signs a domain-separated message", () => {
    const bytes = helloSignBytes(alice.publicKey.bytes, ctx);
    expect(new TextDecoder().decode(bytes.subarray(0, 16))).toBe("MKL/p2p-hello/v1");
  });

  it("refuses each broken field with its own code", () => {
    const hello = makeHello(suite, alice, ctx);
    expect(code(() => verifyHello(hello, { ...check, chainId: "chain-2" }))).toBe("P2P_HELLO_WRONG_CHAIN");
    expect(code(() => verifyHello(hello, { ...check, allowed: new Map() }))).toBe("P2P_HELLO_UNKNOWN_PEER");
    expect(code(() => verifyHello(hello, { ...check, selfId: aliceId }))).toBe("P2P_HELLO_SELF");
    expect(code(() => verifyHello(hello, { ...check, expectedPeerId: bobId }))).toBe(
      "P2P_HELLO_UNEXPECTED_PEER",
    );
    // Another session (other keying material), the other role, or another incarnation.
    expect(code(() => verifyHello(hello, { ...check, binding: new Uint8Array(32) }))).toBe(
      "P2P_HELLO_BAD_SIGNATURE",
    );
    expect(code(() => verifyHello(hello, { ...check, peerRole: "acceptor" }))).toBe(
      "P2P_HELLO_BAD_SIGNATURE",
    );
    const otherIncarnation = { ...hello, incarnation: new Uint8Array(16) };
    expect(code(() => verifyHello(otherIncarnation, check))).toBe("P2P_HELLO_BAD_SIGNATURE");
    // Signed by bob while claiming to be alice.
    const forged = { ...makeHello(suite, bob, ctx), nodeId: alice.publicKey.bytes };
    expect(code(() => verifyHello(forged, check))).toBe("P2P_HELLO_BAD_SIGNATURE");
  });
});
