import type { KeyPair, PublicKey, Suite } from "../../crypto/suite.js";
import { domainBytes, toHex } from "../../ledger/bytes.js";
import { bytes, encode, fixedBytes, string, struct, u8 } from "../../ledger/codec.js";
import { MAX_CHAIN_ID_BYTES, MAX_PUBLIC_KEY_BYTES } from "../../ledger/tx.js";
import { P2pError } from "./errors.js";
import { type Hello, INCARNATION_BYTES } from "./wire.js";

/**
 * The Hello binds a node's consensus identity to one TLS session. TLS proves the peer holds a
 * certificate from the consortium's CAs; the Hello proves it also holds the consensus key of a
 * configured validator, by signing the session's exported keying material (RFC 8446 section 7.5),
 * which only the two ends of this session can compute. A Hello copied from another session
 * signs other keying material and fails to verify.
 */
export const HELLO_DOMAIN = "MKL/p2p-hello/v1";
export const BINDING_LABEL = "EXPORTER-MKL-p2p-binding";
export const BINDING_BYTES = 32;

/** Which end of the TCP connection signed: signed too, so a Hello cannot be reflected back. */
export type LinkRole = "dialler" | "acceptor";
const ROLE_BYTE: Record<LinkRole, number> = { dialler: 0, acceptor: 1 };

const signedCodec = struct({
  chainId: string(MAX_CHAIN_ID_BYTES),
  nodeId: bytes(MAX_PUBLIC_KEY_BYTES),
  incarnation: fixedBytes(INCARNATION_BYTES),
  role: u8,
  binding: fixedBytes(BINDING_BYTES),
});

export interface HelloContext {
  chainId: string;
  incarnation: Uint8Array;
  role: LinkRole;
  /** The TLS exported keying material of this session. */
  binding: Uint8Array;
}

/** The bytes a Hello signs: the domain prefix, then the canonical encoding of its fields. */
export function helloSignBytes(nodeId: Uint8Array, ctx: HelloContext): Uint8Array {
  const prefix = domainBytes(HELLO_DOMAIN);
  const body = encode(signedCodec, {
    chainId: ctx.chainId,
    nodeId,
    incarnation: ctx.incarnation,
    role: ROLE_BYTE[ctx.role],
    binding: ctx.binding,
  });
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix);
  out.set(body, prefix.length);
  return out;
}

export function makeHello(suite: Suite, key: KeyPair, ctx: HelloContext): Hello {
  const nodeId = key.publicKey.bytes;
  const signature = suite.sign(key.privateKey, helloSignBytes(nodeId, ctx));
  return { chainId: ctx.chainId, nodeId, incarnation: ctx.incarnation, signature };
}

export interface HelloCheck {
  suite: Suite;
  chainId: string;
  selfId: string;
  /** The allowlist: node id -> consensus public key. */
  allowed: ReadonlyMap<string, PublicKey>;
  /** The id we dialled, for outbound links. */
  expectedPeerId: string | undefined;
  /** The role of the peer (the opposite of ours). */
  peerRole: LinkRole;
  binding: Uint8Array;
}

/** Returns the peer's node id, or throws P2pError with the reason for refusing it. */
export function verifyHello(hello: Hello, check: HelloCheck): string {
  if (hello.chainId !== check.chainId) {
    throw new P2pError("P2P_HELLO_WRONG_CHAIN", "peer is on another chain", {
      chainId: hello.chainId,
      expected: check.chainId,
    });
  }
  const peerId = toHex(hello.nodeId);
  if (peerId === check.selfId) throw new P2pError("P2P_HELLO_SELF", "peer claims our own node id");
  const key = check.allowed.get(peerId);
  if (key === undefined) {
    throw new P2pError("P2P_HELLO_UNKNOWN_PEER", "node id not in the configured peers", { peerId });
  }
  if (check.expectedPeerId !== undefined && peerId !== check.expectedPeerId) {
    throw new P2pError("P2P_HELLO_UNEXPECTED_PEER", "the dialled address answered with another node id", {
      peerId,
      expected: check.expectedPeerId,
    });
  }
  const message = helloSignBytes(hello.nodeId, {
    chainId: check.chainId,
    incarnation: hello.incarnation,
    role: check.peerRole,
    binding: check.binding,
  });
  if (!check.suite.verify(key, message, hello.signature)) {
    throw new P2pError("P2P_HELLO_BAD_SIGNATURE", "hello signature does not verify for this session", {
      peerId,
    });
  }
  return peerId;
}
