import { randomBytes } from "node:crypto";
import { type AddressInfo, isIP, type Socket } from "node:net";
import { connect, createServer, type Server, type TLSSocket } from "node:tls";
import pino, { type Logger } from "pino";
import type { PublicKey } from "../../crypto/suite.js";
import { InvariantError } from "../../errors.js";
import { bytesEqual, fromHex, toHex } from "../../ledger/bytes.js";
import { MAX_CHAIN_ID_BYTES } from "../../ledger/tx.js";
import { type AdmissionSlot, InboundAdmission } from "./admission.js";
import { backoffDelayMs, DEFAULT_BACKOFF } from "./backoff.js";
import { type ByteCounters, Connection, type LinkContext, type LinkEvents } from "./connection.js";
import { P2pError } from "./errors.js";
import { LogBudget } from "./log-budget.js";
import { OutboundQueue, type Priority } from "./queue.js";
import { replacesCurrent } from "./tiebreak.js";
import { clientTlsOptions, serverTlsOptions, type TlsMaterial } from "./tls-options.js";
import type { PeerAddress, PeerInfo, Refusal, TransportOptions } from "./types.js";
import { DATA_OVERHEAD_BYTES, encodeWire, INCARNATION_BYTES, MAX_HELLO_FRAME_BYTES } from "./wire.js";

const MIB = 1024 * 1024;
const DEFAULTS = {
  maxQueueBytes: 8 * MIB,
  maxFrameBytes: 40 * MIB,
  helloTimeoutMs: 5_000,
  maxUnauthenticatedPerAddress: 4,
  maxUnauthenticated: 32,
  pingIntervalMs: 5_000,
  idleTimeoutMs: 20_000,
};

/**
 * Everything we know about one permitted peer; outlives its connections. A configured peer has
 * an address we dial; a peer only the chain permits (permit()) has none and connects to us.
 */
interface PeerLink {
  readonly id: string;
  readonly address: PeerAddress | undefined;
  readonly queue: OutboundQueue;
  readonly counters: ByteCounters;
  active: Connection | undefined;
  dialling: Connection | undefined;
  attempt: number;
  redialTimer: NodeJS.Timeout | undefined;
  lastError: string | undefined;
}

/**
 * Mutually authenticated TLS 1.3 links to the other validators, carrying opaque messages for
 * the consensus engine. See README.md for the handshake, the tie-break and the queue policy.
 */
export class Transport {
  private readonly links = new Map<string, PeerLink>();
  /** Who may complete a Hello: the configured peers and those the chain permits. */
  private readonly allowed = new Map<string, PublicKey>();
  /** The ids permit() added, which a later permit() may take away again (configured ones stay). */
  private readonly chainPermitted = new Set<string>();
  /** Inbound links past TLS that have not yet proved who they are (bounded by `admission`). */
  private readonly pending = new Set<Connection>();
  /** Every accepted TCP socket, handshaking or not, so stop() need not wait for a slow handshake. */
  private readonly sockets = new Set<Socket>();
  private readonly admission: InboundAdmission;
  /** Admission slot and deadline of each inbound socket not yet authenticated, by "ip:port". */
  private readonly unauthenticated = new Map<string, { slot: AdmissionSlot; deadline: NodeJS.Timeout }>();
  private readonly refusalLog = new LogBudget(20, 10_000);
  private readonly ctx: LinkContext;
  private readonly tls: TlsMaterial;
  private readonly log: Logger;
  private stopped = false;

  private constructor(
    private readonly opts: TransportOptions,
    private readonly server: Server,
  ) {
    this.log = (opts.log ?? pino({ level: "silent" })).child({ module: "p2p" });
    this.tls = { ...opts.self.tls, trustedCaPems: opts.trustedCaPems };
    for (const address of opts.peers) {
      if (address.id === opts.self.id) continue;
      this.allowed.set(address.id, parsePeerId(opts, address.id));
      this.links.set(address.id, this.newLink(address.id, address));
    }
    this.admission = new InboundAdmission({
      maxPerAddress: opts.maxUnauthenticatedPerAddress ?? DEFAULTS.maxUnauthenticatedPerAddress,
      maxAnonymous: opts.maxUnauthenticated ?? DEFAULTS.maxUnauthenticated,
    });
    // The links, not opts.peers: those skip this node's own entry.
    for (const { address } of this.links.values()) {
      if (address !== undefined && isIP(address.host) !== 0)
        this.admission.notePeerAddress(address.host, address.id);
    }
    this.ctx = {
      suite: opts.suite,
      chainId: opts.chainId,
      selfId: opts.self.id,
      consensusKey: opts.self.consensusKey,
      incarnation: new Uint8Array(randomBytes(INCARNATION_BYTES)),
      allowed: this.allowed,
      maxFrameBytes: opts.maxFrameBytes ?? DEFAULTS.maxFrameBytes,
      helloTimeoutMs: opts.helloTimeoutMs ?? DEFAULTS.helloTimeoutMs,
      pingIntervalMs: opts.pingIntervalMs ?? DEFAULTS.pingIntervalMs,
      idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
    };
  }

  /** Listens, then dials every peer; resolves once the listening socket is bound. */
  static async start(opts: TransportOptions): Promise<Transport> {
    checkOptions(opts);
    // Our own deadline (from TCP accept, see admitSocket) fires first; TLS's is a backstop.
    const handshakeTimeoutMs = 2 * (opts.helloTimeoutMs ?? DEFAULTS.helloTimeoutMs);
    const tls = { ...opts.self.tls, trustedCaPems: opts.trustedCaPems };
    const server = createServer(serverTlsOptions(tls, handshakeTimeoutMs));
    const transport = new Transport(opts, server);
    // No server.maxConnections: one shared cap is what let anonymous sockets lock peers out.
    // Authenticated links are bounded by the peer list, unauthenticated ones by `admission`.
    server.on("connection", (socket: Socket) => transport.admitSocket(socket));
    server.on("secureConnection", (socket: TLSSocket) => transport.accept(socket));
    server.on("tlsClientError", (err, socket) => {
      // Node leaves the socket open after a failed or timed-out handshake: it would hold its slot.
      socket.destroy();
      transport.refuse({ code: "P2P_TLS_FAILED", message: err.message, remote: remoteOf(socket) });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.listen.port, opts.listen.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (err) => transport.log.error({ err }, "p2p server error"));
    transport.log.info({ port: transport.port, peers: transport.links.size }, "p2p listening");
    for (const link of transport.links.values()) transport.dial(link);
    return transport;
  }

  private newLink(id: string, address: PeerAddress | undefined): PeerLink {
    return {
      id,
      address,
      queue: new OutboundQueue(this.opts.maxQueueBytes ?? DEFAULTS.maxQueueBytes),
      counters: { sentBytes: 0, receivedBytes: 0, socketWrites: 0 },
      active: undefined,
      dialling: undefined,
      attempt: 0,
      redialTimer: undefined,
      lastError: undefined,
    };
  }

  /**
   * The peers the chain knows (validators and registered observers), beside the configured ones,
   * which only bootstrap: an id new here may connect to us from now on (the chain holds no
   * address to dial it at), and one the chain no longer knows is dropped, its link closed.
   * Returns the ids added and removed. An id that is not a key of the chain's suite is skipped.
   */
  permit(ids: Iterable<string>): { added: string[]; removed: string[] } {
    const next = new Set<string>();
    for (const id of ids) if (id !== this.opts.self.id) next.add(id);
    const added: string[] = [];
    const removed: string[] = [];
    for (const id of next) {
      if (this.links.has(id)) continue;
      try {
        this.allowed.set(id, parsePeerId(this.opts, id));
      } catch (err) {
        this.log.warn({ err, peerId: id }, "the chain names a peer whose key does not parse");
        continue;
      }
      this.links.set(id, this.newLink(id, undefined));
      this.chainPermitted.add(id);
      added.push(id);
    }
    for (const id of this.chainPermitted) {
      if (next.has(id)) continue;
      const link = this.links.get(id)!;
      this.chainPermitted.delete(id);
      this.allowed.delete(id);
      this.links.delete(id);
      clearTimeout(link.redialTimer);
      const reason = new P2pError("P2P_NOT_PERMITTED", "the chain no longer knows this peer");
      link.dialling?.close(reason);
      if (link.active !== undefined) {
        link.active.close(reason);
        if (!this.stopped) this.callback(() => this.opts.onPeerDisconnected?.(id));
      }
      removed.push(id);
    }
    if (added.length + removed.length > 0)
      this.log.info({ added, removed }, "permitted peers from the chain");
    return { added, removed };
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get selfId(): string {
    return this.ctx.selfId;
  }

  /**
   * Queues a message for one peer. False when the peer is unknown or not connected (nothing is
   * queued for later: the engine re-sends on onPeerConnected), when the payload is over the
   * frame limit, or when the queue bound refused it (see queue.ts).
   */
  send(peerId: string, payload: Uint8Array, priority: Priority = "high"): boolean {
    const link = this.links.get(peerId);
    if (link?.active === undefined || this.stopped) return false;
    const body = this.encodeData(payload);
    return body !== undefined && this.enqueue(link, body, priority);
  }

  /**
   * Sends to every connected peer; the frame is encoded once and shared by the queues. Returns
   * how many queues took it.
   */
  broadcast(payload: Uint8Array, priority: Priority = "high"): number {
    if (this.stopped) return 0;
    const body = this.encodeData(payload);
    if (body === undefined) return 0;
    let queued = 0;
    for (const link of this.links.values())
      if (link.active !== undefined && this.enqueue(link, body, priority)) queued++;
    return queued;
  }

  peers(): PeerInfo[] {
    return [...this.links.values()].map((link) => ({
      id: link.id,
      connected: link.active !== undefined,
      address: link.address === undefined ? "" : `${link.address.host}:${link.address.port}`,
      ...(link.lastError !== undefined ? { lastError: link.lastError } : {}),
      ...(link.active !== undefined ? { role: link.active.role } : {}),
      sentBytes: link.counters.sentBytes,
      receivedBytes: link.counters.receivedBytes,
      socketWrites: link.counters.socketWrites,
      queuedBytes: link.queue.bytes,
      socketBufferedBytes: link.active?.socketBufferedBytes ?? 0,
      droppedMessages: link.queue.droppedMessages,
    }));
  }

  /** Closes every link and the listener. No callbacks fire after stop() is called. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const closing = new P2pError("P2P_CLOSED", "transport stopped");
    for (const link of this.links.values()) {
      clearTimeout(link.redialTimer);
      link.active?.close(closing);
      link.dialling?.close(closing);
      link.queue.clear();
    }
    for (const conn of [...this.pending]) conn.close(closing);
    for (const socket of this.sockets) socket.destroy();
    for (const remote of [...this.unauthenticated.keys()]) this.releaseSlot(remote);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.log.info("p2p stopped");
  }

  private encodeData(payload: Uint8Array): Uint8Array | undefined {
    if (payload.length + DATA_OVERHEAD_BYTES > this.ctx.maxFrameBytes) {
      this.log.warn({ bytes: payload.length }, "payload over the frame limit not sent");
      return undefined;
    }
    return encodeWire({ kind: "data", value: payload });
  }

  private enqueue(link: PeerLink, body: Uint8Array, priority: Priority): boolean {
    const result = link.queue.push(body, priority);
    if (result === "overflow") {
      link.active?.closeSoon(
        new P2pError("P2P_QUEUE_OVERFLOW", "peer does not take its high-priority messages", {
          queuedBytes: link.queue.bytes,
        }),
      );
      return false;
    }
    if (result === "queued") link.active?.schedulePump();
    return result === "queued";
  }

  private get events(): LinkEvents {
    return {
      onAuthenticated: (conn) => this.onAuthenticated(conn),
      onData: (conn, payload) => this.deliver(conn, payload),
      onClosed: (conn, reason) => this.onClosed(conn, reason),
    };
  }

  /** A new TCP socket: it gets an admission slot and a deadline for TLS and Hello, or is destroyed. */
  private admitSocket(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    const remote = remoteOf(socket);
    if (this.stopped || socket.remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    const slot = this.admission.admit(socket.remoteAddress);
    if (typeof slot === "string") {
      socket.destroy();
      const message =
        slot === "address-full"
          ? "too many unauthenticated links from this address"
          : "too many unauthenticated links";
      this.refuse({ code: "P2P_TOO_MANY_PENDING", message, remote });
      return;
    }
    const deadline = setTimeout(() => {
      socket.destroy();
      this.refuse({
        code: "P2P_HELLO_TIMEOUT",
        message: `no TLS handshake and Hello within ${this.ctx.helloTimeoutMs} ms`,
        remote,
      });
    }, this.ctx.helloTimeoutMs);
    this.unauthenticated.set(remote, { slot, deadline });
    socket.once("close", () => this.releaseSlot(remote));
  }

  private releaseSlot(remote: string): void {
    const held = this.unauthenticated.get(remote);
    if (held === undefined) return;
    this.unauthenticated.delete(remote);
    clearTimeout(held.deadline);
    held.slot.release();
  }

  private accept(socket: TLSSocket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    this.pending.add(new Connection(socket, "acceptor", undefined, remoteOf(socket), this.ctx, this.events));
  }

  private dial(link: PeerLink): void {
    link.redialTimer = undefined;
    if (this.stopped || link.active !== undefined || link.dialling !== undefined) return;
    if (link.address === undefined) return; // it connects to us
    const { host, port, id } = link.address;
    const socket = connect(clientTlsOptions(this.tls, host, port));
    // Where a peer answers from is where its own dials will come from: give it the peers' quota.
    socket.once("connect", () => {
      if (socket.remoteAddress !== undefined) this.admission.notePeerAddress(socket.remoteAddress, id);
    });
    link.dialling = new Connection(socket, "dialler", id, `${host}:${port}`, this.ctx, this.events);
  }

  private scheduleRedial(link: PeerLink): void {
    if (this.stopped || link.redialTimer !== undefined || link.active !== undefined) return;
    if (link.dialling !== undefined || link.address === undefined) return;
    const delayMs = backoffDelayMs(link.attempt, this.opts.backoff ?? DEFAULT_BACKOFF);
    link.attempt++;
    link.redialTimer = setTimeout(() => this.dial(link), delayMs);
  }

  private onAuthenticated(conn: Connection): void {
    this.pending.delete(conn);
    const peerId = conn.peerId!;
    if (conn.role === "acceptor") {
      this.releaseSlot(conn.remote);
      const address = conn.socket.remoteAddress;
      if (address !== undefined) this.admission.notePeerAddress(address, peerId);
    }
    const link = this.links.get(peerId);
    if (link === undefined) {
      conn.close(new P2pError("P2P_NOT_PERMITTED", "the chain no longer knows this peer"));
      return;
    }
    if (link.dialling === conn) link.dialling = undefined;
    conn.counters = link.counters;
    const current = link.active;
    if (current === undefined) {
      this.activate(link, conn);
      this.log.info({ peerId, role: conn.role, remote: conn.remote }, "peer connected");
      this.callback(() => this.opts.onPeerConnected?.(peerId));
      return;
    }
    const facts = (c: Connection) => ({ role: c.role, peerIncarnation: c.peerIncarnation! });
    const replace = replacesCurrent(this.ctx.selfId, peerId, facts(current), facts(conn));
    this.log.debug({ peerId, kept: replace ? conn.role : current.role }, "duplicate link resolved");
    if (!replace) {
      conn.close(new P2pError("P2P_DUPLICATE", "a preferred link to this peer is open"));
      return;
    }
    const restarted = !bytesEqual(current.peerIncarnation!, conn.peerIncarnation!);
    if (restarted) link.queue.clear(); // meant for the peer's previous life
    this.activate(link, conn);
    current.close(new P2pError("P2P_DUPLICATE", "replaced by a newer or preferred link"));
    if (restarted) {
      // A new process at the other end has lost its state: the engine must treat it as a new peer.
      this.log.info({ peerId, role: conn.role, remote: conn.remote }, "peer restarted; stale link replaced");
      this.callback(() => this.opts.onPeerDisconnected?.(peerId));
      this.callback(() => this.opts.onPeerConnected?.(peerId));
    }
  }

  private activate(link: PeerLink, conn: Connection): void {
    clearTimeout(link.redialTimer);
    link.redialTimer = undefined;
    link.attempt = 0;
    link.active = conn;
    conn.attach(link.queue);
  }

  private onClosed(conn: Connection, reason: P2pError): void {
    this.pending.delete(conn);
    const link =
      conn.peerId !== undefined ? this.links.get(conn.peerId) : this.links.get(conn.expectedPeerId ?? "");
    const authenticated = conn.peerId !== undefined;
    // A peer that is down, or that closed the link before its Hello (its decision, or a duplicate
    // it dropped), is not a refusal of ours: lastError says it, no warning.
    const notOurs = reason.code === "P2P_CLOSED" || reason.code === "P2P_UNREACHABLE";
    if (!authenticated && !this.stopped && !notOurs) {
      this.refuse({
        code: reason.code,
        message: reason.message,
        remote: conn.remote,
        ...(conn.expectedPeerId !== undefined ? { peerId: conn.expectedPeerId } : {}),
      });
    }
    if (link === undefined) return;
    if (link.dialling === conn) link.dialling = undefined;
    if (reason.code !== "P2P_DUPLICATE") link.lastError = `${reason.code}: ${reason.message}`;
    if (link.active === conn) {
      link.active = undefined;
      link.queue.clear();
      if (this.stopped) return;
      this.log.info({ peerId: link.id, code: reason.code, reason: reason.message }, "peer disconnected");
      this.callback(() => this.opts.onPeerDisconnected?.(link.id));
    }
    this.scheduleRedial(link);
  }

  private deliver(conn: Connection, payload: Uint8Array): void {
    if (this.stopped) return;
    const peerId = conn.peerId!;
    this.callback(() => this.opts.onMessage(peerId, payload));
  }

  private refuse(refusal: Refusal): void {
    // Anyone who can reach the port can make us refuse them: the log is rate-limited, the callback is not.
    const suppressed = this.refusalLog.take();
    if (suppressed !== false) this.log.warn({ ...refusal, suppressed }, "peer link refused");
    this.callback(() => this.opts.onPeerRefused?.(refusal));
  }

  /**
   * A throwing handler is a bug in the engine; it must not take the links down with it. A broken
   * invariant is the exception: it must stop the node, not become a log line.
   */
  private callback(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof InvariantError) throw err;
      this.log.error({ err }, "p2p callback threw");
    }
  }
}

function remoteOf(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  return `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
}

/** A node id must be the lowercase hex of a canonical public key of the chain's suite. */
function parsePeerId(opts: TransportOptions, id: string): PublicKey {
  let key: PublicKey;
  try {
    key = opts.suite.publicKeyFromBytes(fromHex(id));
  } catch (err) {
    throw new P2pError("P2P_BAD_OPTIONS", `peer id is not a ${opts.suite.id} public key`, {
      id,
      cause: (err as Error).message,
    });
  }
  if (toHex(key.bytes) !== id) {
    throw new P2pError("P2P_BAD_OPTIONS", "peer id must be the lowercase hex of the canonical key bytes", {
      id,
    });
  }
  return key;
}

function checkOptions(opts: TransportOptions): void {
  const selfId = toHex(opts.self.consensusKey.publicKey.bytes);
  if (opts.self.id !== selfId) {
    throw new P2pError("P2P_BAD_OPTIONS", "self.id is not the hex of the consensus public key", {
      id: opts.self.id,
    });
  }
  if (opts.self.consensusKey.publicKey.suite !== opts.suite.id) {
    throw new P2pError("P2P_BAD_OPTIONS", "the consensus key is not of the chain's suite", {
      keySuite: opts.self.consensusKey.publicKey.suite,
      suite: opts.suite.id,
    });
  }
  if (new TextEncoder().encode(opts.chainId).length > MAX_CHAIN_ID_BYTES) {
    throw new P2pError("P2P_BAD_OPTIONS", `chain id over ${MAX_CHAIN_ID_BYTES} bytes`, {
      chainId: opts.chainId,
    });
  }
  const maxFrameBytes = opts.maxFrameBytes ?? DEFAULTS.maxFrameBytes;
  if (
    !Number.isSafeInteger(maxFrameBytes) ||
    maxFrameBytes < MAX_HELLO_FRAME_BYTES ||
    maxFrameBytes > 0xffff_ffff
  ) {
    throw new P2pError("P2P_BAD_OPTIONS", "maxFrameBytes out of range", { maxFrameBytes });
  }
  if (opts.trustedCaPems.length === 0) throw new P2pError("P2P_BAD_OPTIONS", "no trusted CA");
  const ids = new Set<string>();
  for (const p of opts.peers) {
    if (ids.has(p.id)) throw new P2pError("P2P_BAD_OPTIONS", "peer listed twice", { id: p.id });
    ids.add(p.id);
  }
}
