import { type AddressInfo, createServer, type Server } from "node:net";
import { connect, type TLSSocket } from "node:tls";
import pino, { type Logger } from "pino";
import { getSuite } from "../../crypto/index.js";
import type { KeyPair, SuiteId } from "../../crypto/suite.js";
import { toHex } from "../../ledger/bytes.js";
import { issueCertificate, type ParsedCertificate } from "../../pki/certificate.js";
import { toPem } from "../../pki/pem.js";
import { FrameDecoder, frameHeader } from "./frame.js";
import { BINDING_BYTES, BINDING_LABEL, helloSignBytes, type LinkRole } from "./hello.js";
import { Transport } from "./transport.js";
import type { PeerAddress, Refusal, TransportOptions } from "./types.js";
import { decodeWire, encodeWire, type Hello, INCARNATION_BYTES, type WireMessage } from "./wire.js";

/** Certificates and keys for transport tests, made with src/pki; TLS keys are always P-256. */

const DAY_MS = 86_400_000n;
let serial = 0x100;
function nextSerial(): Uint8Array {
  serial++;
  return Uint8Array.of(0x02, serial >> 8, serial & 0xff);
}

function validity(days: bigint): { notBeforeMs: bigint; notAfterMs: bigint } {
  const now = (BigInt(Date.now()) / 1000n) * 1000n;
  return { notBeforeMs: now - DAY_MS, notAfterMs: now + days * DAY_MS };
}

export interface TestCa {
  keys: KeyPair;
  cert: ParsedCertificate;
  pem: string;
}

/** A consortium TLS hierarchy: a P-256 root and one org CA under it. */
export interface TlsPki {
  root: TestCa;
  org: TestCa;
  /** What a transport trusts: the root and the org CA. */
  caPems: string[];
}

export function makeTlsPki(name = "Test"): TlsPki {
  const p256 = getSuite("ecdsa-p256");
  const rootKeys = p256.generateKeyPair();
  const rootCert = issueCertificate({
    profile: "root-ca",
    subject: { commonName: `${name} TLS Root`, organization: "MarketLedger consortium" },
    subjectPublicKey: rootKeys.publicKey,
    serial: nextSerial(),
    ...validity(3650n),
    issuerKey: rootKeys.privateKey,
  });
  const orgKeys = p256.generateKeyPair();
  const orgCert = issueCertificate({
    profile: "org-ca",
    subject: { commonName: `${name} Org TLS CA`, organization: `${name} Org` },
    subjectPublicKey: orgKeys.publicKey,
    serial: nextSerial(),
    ...validity(1825n),
    issuer: rootCert,
    issuerKey: rootKeys.privateKey,
  });
  const root = { keys: rootKeys, cert: rootCert, pem: toPem("CERTIFICATE", rootCert.der) };
  const org = { keys: orgKeys, cert: orgCert, pem: toPem("CERTIFICATE", orgCert.der) };
  return { root, org, caPems: [root.pem, org.pem] };
}

/** A P-256 node certificate for 127.0.0.1, with the org CA appended as its chain. */
export function issueTlsCert(pki: TlsPki, commonName: string): { keyPem: string; certPem: string } {
  const p256 = getSuite("ecdsa-p256");
  const keys = p256.generateKeyPair();
  const cert = issueCertificate({
    profile: "node",
    subject: { commonName, organization: `${commonName} Org` },
    subjectPublicKey: keys.publicKey,
    serial: nextSerial(),
    ...validity(365n),
    issuer: pki.org.cert,
    issuerKey: pki.org.keys.privateKey,
    ipAddresses: ["127.0.0.1"],
  });
  return {
    keyPem: p256.privateKeyToPem(keys.privateKey),
    certPem: toPem("CERTIFICATE", cert.der) + pki.org.pem,
  };
}

export interface TestNode {
  name: string;
  id: string;
  consensusKey: KeyPair;
  tls: { keyPem: string; certPem: string };
}

export function makeNode(suiteId: SuiteId, pki: TlsPki, name: string): TestNode {
  const consensusKey = getSuite(suiteId).generateKeyPair();
  return { name, id: toHex(consensusKey.publicKey.bytes), consensusKey, tls: issueTlsCert(pki, name) };
}

/** A transport with inbox, connection events and refusals recorded for assertions. */
export interface Harness {
  node: TestNode;
  transport: Transport;
  inbox: Array<{ from: string; payload: Uint8Array }>;
  refusals: Refusal[];
  connected: string[];
  disconnected: string[];
}

export type HarnessOverrides = Partial<Omit<TransportOptions, "onMessage" | "self" | "suite">>;

export const FAST_TIMERS = {
  helloTimeoutMs: 3_000,
  pingIntervalMs: 200,
  idleTimeoutMs: 2_000,
  backoff: { baseMs: 50, maxMs: 400 },
} as const;

export async function startHarness(
  suiteId: SuiteId,
  node: TestNode,
  pki: TlsPki,
  peers: PeerAddress[],
  overrides: HarnessOverrides = {},
): Promise<Harness> {
  const h: Omit<Harness, "transport"> = { node, inbox: [], refusals: [], connected: [], disconnected: [] };
  const transport = await Transport.start({
    chainId: `test-${suiteId}`,
    suite: getSuite(suiteId),
    self: { id: node.id, consensusKey: node.consensusKey, tls: node.tls },
    trustedCaPems: pki.caPems,
    listen: { host: "127.0.0.1", port: 0 },
    peers,
    log: quietLog(),
    ...FAST_TIMERS,
    ...overrides,
    onMessage: (from, payload) => h.inbox.push({ from, payload }),
    onPeerConnected: (id) => h.connected.push(id),
    onPeerDisconnected: (id) => h.disconnected.push(id),
    onPeerRefused: (r) => h.refusals.push(r),
  });
  return { ...h, transport };
}

export function quietLog(): Logger {
  return pino({ level: process.env.P2P_TEST_LOG ?? "silent" });
}

/** Ports that were free a moment ago: lets every node know every address before any starts. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolve) => {
          const s = createServer();
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** A hand-driven TLS client, for sending what a real transport never would. */
export class RawPeer {
  readonly frames: WireMessage[] = [];
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);
  closed = false;
  error: Error | undefined;

  private constructor(readonly socket: TLSSocket) {
    socket.on("data", (chunk: Buffer) => {
      try {
        this.decoder.push(chunk);
        for (let body = this.decoder.next(); body !== undefined; body = this.decoder.next()) {
          this.frames.push(decodeWire(body));
        }
      } catch (err) {
        this.error = err as Error;
      }
    });
    socket.on("error", (err) => {
      this.error = err;
    });
    socket.on("close", () => {
      this.closed = true;
    });
  }

  static async connect(
    port: number,
    tls: { keyPem: string; certPem: string },
    caPems: string[],
  ): Promise<RawPeer> {
    const socket = connect({
      host: "127.0.0.1",
      port,
      key: tls.keyPem,
      cert: tls.certPem,
      ca: caPems,
      minVersion: "TLSv1.3",
      checkServerIdentity: () => undefined,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", () => resolve());
      socket.once("error", reject);
    });
    return new RawPeer(socket);
  }

  binding(): Uint8Array {
    const ekm = this.socket.exportKeyingMaterial.bind(this.socket) as (
      n: number,
      label: string,
      context?: Buffer,
    ) => Buffer;
    return new Uint8Array(ekm(BINDING_BYTES, BINDING_LABEL, undefined));
  }

  /** A Hello for this session claiming `nodeId` (default: the key's own), signed by `key`. */
  hello(
    suiteId: SuiteId,
    chainId: string,
    key: KeyPair,
    opts: { nodeId?: Uint8Array; role?: LinkRole } = {},
  ): Hello {
    const nodeId = opts.nodeId ?? key.publicKey.bytes;
    const incarnation = new Uint8Array(INCARNATION_BYTES).fill(7);
    const signBytes = helloSignBytes(nodeId, {
      chainId,
      incarnation,
      role: opts.role ?? "dialler",
      binding: this.binding(),
    });
    return { chainId, nodeId, incarnation, signature: getSuite(suiteId).sign(key.privateKey, signBytes) };
  }

  send(message: WireMessage): void {
    this.writeRaw(encodeWire(message));
  }

  /** Several messages in one write, so they reach the peer in one chunk. */
  sendTogether(messages: WireMessage[]): void {
    this.socket.write(
      Buffer.concat(
        messages.flatMap((m) => {
          const body = encodeWire(m);
          return [frameHeader(body.length), Buffer.from(body)];
        }),
      ),
    );
  }

  /** One frame with this body, length prefix included. */
  writeRaw(body: Uint8Array): void {
    this.socket.write(frameHeader(body.length));
    this.socket.write(body);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
