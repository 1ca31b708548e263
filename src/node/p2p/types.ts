import type { Logger } from "pino";
import type { KeyPair, Suite } from "../../crypto/suite.js";
import type { BackoffPolicy } from "./backoff.js";
import type { P2pErrorCode } from "./errors.js";

export interface PeerAddress {
  /** Lowercase hex of the peer's canonical consensus public key bytes. */
  id: string;
  host: string;
  port: number;
}

export interface TransportOptions {
  chainId: string;
  /** The chain's suite; the consensus keys are of this suite. */
  suite: Suite;
  self: {
    id: string;
    consensusKey: KeyPair;
    /** certPem may hold the chain (leaf first) when trustedCaPems holds only the root. */
    tls: { keyPem: string; certPem: string };
  };
  /** CA certificates that issue TLS certificates. Must include the root: Node 20 builds full chains. */
  trustedCaPems: string[];
  /** Port 0 picks a free port; read it back from `transport.port`. */
  listen: { host: string; port: number };
  /** The allowlist: only these ids may connect or be dialled. An entry with our own id is skipped. */
  peers: PeerAddress[];
  /** Per-peer outbound queue bound (default 8 MiB); see queue.ts for the overflow policy. */
  maxQueueBytes?: number;
  /** Largest frame, in or out (default 40 MiB: a block proposal can be large). */
  maxFrameBytes?: number;
  log?: Logger;
  /** Time for TCP + TLS + Hello before a link is dropped (default 5 s). */
  helloTimeoutMs?: number;
  /**
   * Inbound sockets not yet past their Hello, from one source address (default 4; an address a
   * configured peer uses gets 2 more per peer there, which anonymous sockets cannot take).
   */
  maxUnauthenticatedPerAddress?: number;
  /** Inbound sockets not yet past their Hello, from all addresses no peer uses (default 32). */
  maxUnauthenticated?: number;
  /** A ping goes out this often on an open link (default 5 s). */
  pingIntervalMs?: number;
  /** A link that received nothing for this long is dead (default 20 s). */
  idleTimeoutMs?: number;
  /** Redial delays (default 100 ms doubling to 5 s, with jitter). */
  backoff?: BackoffPolicy;
  onMessage(peerId: string, payload: Uint8Array): void;
  onPeerConnected?(peerId: string): void;
  onPeerDisconnected?(peerId: string): void;
  /** A link refused before it carried data (bad certificate, Hello, allowlist): for metrics and tests. */
  onPeerRefused?(refusal: Refusal): void;
}

export interface Refusal {
  code: P2pErrorCode;
  message: string;
  remote: string;
  /** The claimed or dialled node id, when known. */
  peerId?: string;
}

export interface PeerInfo {
  id: string;
  connected: boolean;
  /** The configured "host:port". */
  address: string;
  lastError?: string;
  /** Our role on the open link: with the tie-break, the lower id is the dialler (unless a restart). */
  role?: "dialler" | "acceptor";
  /** Frame bytes (headers included) written to / read from this peer's links since start. */
  sentBytes: number;
  receivedBytes: number;
  /** Writes handed to this peer's TLS sockets since start (frames written together count once). */
  socketWrites: number;
  /** Bytes waiting in our outbound queue, and in the socket's own buffer. */
  queuedBytes: number;
  socketBufferedBytes: number;
  /** Messages evicted or refused by the queue bound since start. */
  droppedMessages: number;
}
