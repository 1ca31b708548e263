import type { TLSSocket } from "node:tls";
import type { KeyPair, PublicKey, Suite } from "../../crypto/suite.js";
import { LedgerError } from "../../errors.js";
import { P2pError, type P2pErrorCode } from "./errors.js";
import { FRAME_HEADER_BYTES, FrameDecoder, frameHeader } from "./frame.js";
import { BINDING_BYTES, BINDING_LABEL, type LinkRole, makeHello, verifyHello } from "./hello.js";
import type { OutboundQueue } from "./queue.js";
import { decodeWire, encodeWire, MAX_HELLO_FRAME_BYTES, type WireMessage } from "./wire.js";

/** What every link of one transport shares: who we are and what we accept. */
export interface LinkContext {
  suite: Suite;
  chainId: string;
  selfId: string;
  consensusKey: KeyPair;
  incarnation: Uint8Array;
  allowed: ReadonlyMap<string, PublicKey>;
  maxFrameBytes: number;
  helloTimeoutMs: number;
  pingIntervalMs: number;
  idleTimeoutMs: number;
}

export interface LinkEvents {
  /** The peer proved its identity; the transport adopts or drops the link. */
  onAuthenticated(conn: Connection): void;
  onData(conn: Connection, payload: Uint8Array): void;
  /** Called once per connection, whatever closed it. */
  onClosed(conn: Connection, reason: P2pError): void;
}

export interface ByteCounters {
  sentBytes: number;
  receivedBytes: number;
  /** Writes handed to the TLS socket (a corked batch of frames is one). */
  socketWrites: number;
}

type State = "tls" | "hello" | "open" | "closed";

/**
 * One TLS socket: waits for the handshake, exchanges Hellos, then reads frames and writes the
 * frames of the queue it is given, respecting the socket's backpressure.
 */
export class Connection {
  private state: State = "tls";
  private readonly decoder = new FrameDecoder(MAX_HELLO_FRAME_BYTES);
  private queue: OutboundQueue | undefined;
  private needDrain = false;
  private pumpScheduled = false;
  private closeScheduled = false;
  // Monotonic: a wall-clock step must not kill every link at once.
  private lastReceivedAt = performance.now();
  private helloTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  peerId: string | undefined;
  peerIncarnation: Uint8Array | undefined;
  /** Swapped for the peer's counters once authenticated, so totals survive reconnects. */
  counters: ByteCounters = { sentBytes: 0, receivedBytes: 0, socketWrites: 0 };

  constructor(
    readonly socket: TLSSocket,
    readonly role: LinkRole,
    readonly expectedPeerId: string | undefined,
    readonly remote: string,
    private readonly ctx: LinkContext,
    private readonly events: LinkEvents,
  ) {
    this.helloTimer = setTimeout(
      () => this.close(new P2pError("P2P_HELLO_TIMEOUT", "no valid hello in time")),
      ctx.helloTimeoutMs,
    );
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onChunk(chunk));
    socket.on("drain", () => {
      this.needDrain = false;
      this.pump();
    });
    socket.on("error", (err) => this.close(this.socketError(err)));
    socket.on("close", () => this.close(new P2pError("P2P_CLOSED", "connection closed by peer")));
    if (role === "acceptor") this.onSecure();
    else socket.once("secureConnect", () => this.onSecure());
  }

  get isClosed(): boolean {
    return this.state === "closed";
  }

  private socketError(err: Error): P2pError {
    const { code: errno, syscall } = err as NodeJS.ErrnoException;
    const details = { errno, syscall };
    // A system call failing (connect ECONNREFUSED, read ECONNRESET...) is the network, not TLS.
    if (syscall !== undefined) {
      return new P2pError(this.state === "tls" ? "P2P_UNREACHABLE" : "P2P_CLOSED", err.message, details);
    }
    // In TLS 1.3 the server checks the client certificate after the client thinks the handshake
    // is over: its refusal reaches the client as an alert during the Hello.
    const tls = this.state === "tls" || (this.state === "hello" && (errno ?? "").startsWith("ERR_SSL"));
    return new P2pError(tls ? "P2P_TLS_FAILED" : "P2P_CLOSED", err.message, details);
  }

  private onSecure(): void {
    if (this.state !== "tls") return;
    // rejectUnauthorized already refused a bad chain; this check keeps that true if options change.
    if (!this.socket.authorized) {
      this.close(
        new P2pError("P2P_TLS_FAILED", `peer certificate not trusted: ${this.socket.authorizationError}`),
      );
      return;
    }
    this.state = "hello";
    try {
      const hello = makeHello(this.ctx.suite, this.ctx.consensusKey, {
        chainId: this.ctx.chainId,
        incarnation: this.ctx.incarnation,
        role: this.role,
        binding: this.binding(),
      });
      this.writeFrame(encodeWire({ kind: "hello", value: hello }));
    } catch (err) {
      // Options are checked at start, so this is a bug or a socket gone mid-call; never a crash.
      this.close(asP2pError(err, "P2P_CLOSED"));
    }
  }

  /** The TLS exported keying material: the same 32 bytes at both ends of this session only. */
  private binding(): Uint8Array {
    // @types/node marks `context` required; Node documents it optional, and "no context" is
    // what both ends must agree on (RFC 8446 7.5 tells no context from an empty one).
    const exportKeyingMaterial = this.socket.exportKeyingMaterial.bind(this.socket) as (
      length: number,
      label: string,
      context?: Buffer,
    ) => Buffer;
    return new Uint8Array(exportKeyingMaterial(BINDING_BYTES, BINDING_LABEL, undefined));
  }

  private onChunk(chunk: Buffer): void {
    if (this.state === "closed") return;
    this.lastReceivedAt = performance.now();
    this.counters.receivedBytes += chunk.length;
    this.decoder.push(chunk);
    for (;;) {
      let body: Buffer | undefined;
      try {
        body = this.decoder.next();
      } catch (err) {
        this.close(asP2pError(err, "P2P_PROTOCOL"));
        return;
      }
      if (body === undefined) return;
      this.onFrame(body);
      if (this.isClosed) return; // that frame closed the link
    }
  }

  private onFrame(body: Buffer): void {
    let message: WireMessage;
    try {
      // As a plain Uint8Array, the codec copies payloads out (Buffer#slice would alias the chunk).
      message = decodeWire(new Uint8Array(body.buffer, body.byteOffset, body.length));
    } catch (err) {
      const code = this.state === "hello" ? "P2P_HELLO_MALFORMED" : "P2P_PROTOCOL";
      this.close(asP2pError(err, code));
      return;
    }
    if (this.state === "hello") this.onHello(message);
    else this.onOpenMessage(message);
  }

  private onHello(message: WireMessage): void {
    if (message.kind !== "hello") {
      this.close(new P2pError("P2P_PROTOCOL", `expected hello, got ${message.kind}`));
      return;
    }
    try {
      this.peerId = verifyHello(message.value, {
        suite: this.ctx.suite,
        chainId: this.ctx.chainId,
        selfId: this.ctx.selfId,
        allowed: this.ctx.allowed,
        expectedPeerId: this.expectedPeerId,
        peerRole: this.role === "dialler" ? "acceptor" : "dialler",
        binding: this.binding(),
      });
    } catch (err) {
      this.close(asP2pError(err, "P2P_HELLO_BAD_SIGNATURE"));
      return;
    }
    this.peerIncarnation = message.value.incarnation;
    this.state = "open";
    clearTimeout(this.helloTimer);
    this.decoder.setMaxFrameBytes(this.ctx.maxFrameBytes);
    this.keepaliveTimer = setInterval(() => this.keepalive(), this.ctx.pingIntervalMs);
    this.events.onAuthenticated(this);
  }

  private onOpenMessage(message: WireMessage): void {
    switch (message.kind) {
      case "data":
        this.events.onData(this, message.value);
        return;
      case "ping":
        // A backed-up socket means the peer is not reading: a pong would only add to the pile.
        if (!this.needDrain) this.writeFrame(encodeWire({ kind: "pong", value: null }));
        return;
      case "pong":
        return;
      case "hello":
        this.close(new P2pError("P2P_PROTOCOL", "second hello on an open link"));
        return;
    }
  }

  private keepalive(): void {
    if (performance.now() - this.lastReceivedAt > this.ctx.idleTimeoutMs) {
      this.close(new P2pError("P2P_PEER_TIMEOUT", `nothing received for ${this.ctx.idleTimeoutMs} ms`));
      return;
    }
    if (!this.needDrain) this.writeFrame(encodeWire({ kind: "ping", value: null }));
  }

  /** Starts writing `queue` to this link; the queue outlives links that replace each other. */
  attach(queue: OutboundQueue): void {
    this.queue = queue;
    this.pump();
  }

  /**
   * Pumps once the current task is done: the messages queued meanwhile (a batch of transactions
   * gossiped as they are admitted, the vote and status after a commit) leave in one write. Each
   * frame was once a write of its own (a TLS record and a system call per transaction).
   */
  schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Moves frames from the queue to the socket, corked into one write, until it asks for 'drain'. */
  pump(): void {
    const queue = this.queue;
    if (queue === undefined || this.state !== "open") return;
    this.socket.cork();
    let frames = 0;
    try {
      while (!this.needDrain) {
        const body = queue.shift();
        if (body === undefined) return;
        this.writeFrame(body);
        frames++;
      }
    } finally {
      this.socket.uncork();
      // writeFrame counted each frame as a write; corked, they left as one.
      if (frames > 1) this.counters.socketWrites -= frames - 1;
    }
  }

  private writeFrame(body: Uint8Array): void {
    this.socket.cork();
    this.socket.write(frameHeader(body.length));
    const ok = this.socket.write(body);
    this.socket.uncork();
    this.counters.sentBytes += FRAME_HEADER_BYTES + body.length;
    this.counters.socketWrites++;
    if (!ok) this.needDrain = true;
  }

  get socketBufferedBytes(): number {
    return this.socket.writableLength;
  }

  /**
   * Closes on the next turn of the event loop: for a close decided inside the engine's own
   * send(), so that onPeerDisconnected never re-enters the engine from that call.
   */
  closeSoon(reason: P2pError): void {
    if (this.closeScheduled || this.state === "closed") return;
    this.closeScheduled = true;
    setImmediate(() => this.close(reason));
  }

  close(reason: P2pError): void {
    if (this.state === "closed") return;
    this.state = "closed";
    clearTimeout(this.helloTimer);
    clearInterval(this.keepaliveTimer);
    this.queue = undefined;
    this.socket.destroy();
    this.events.onClosed(this, reason);
  }
}

function asP2pError(err: unknown, fallback: P2pErrorCode): P2pError {
  if (err instanceof P2pError) return err;
  if (err instanceof LedgerError) return new P2pError(fallback, `${err.code}: ${err.message}`);
  return new P2pError(fallback, err instanceof Error ? err.message : String(err));
}
