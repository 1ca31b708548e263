import { base64ToBytes, bytesToBase64 } from "./bytes.js";
/**
 * The little DER we need for PKCS#8 and SPKI keys: definite lengths, no indefinite forms,
 * minimal length encodings only (DER is the one encoding OpenSSL writes and we accept).
 */

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
} as const;

export class DerError extends Error {}

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = new Uint8Array(content.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of content) {
    body.set(c, at);
    at += c.length;
  }
  const len = encodeLength(body.length);
  const out = new Uint8Array(1 + len.length + body.length);
  out[0] = tag;
  out.set(len, 1);
  out.set(body, 1 + len.length);
  return out;
}

export function encodeOid(oid: string): Uint8Array {
  const arcs = oid.split(".").map((a) => BigInt(a));
  const [a0, a1, ...rest] = arcs;
  if (a0 === undefined || a1 === undefined) throw new DerError(`bad OID ${oid}`);
  const out: number[] = [];
  for (const arc of [a0 * 40n + a1, ...rest]) {
    const groups: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  }
  return tlv(TAG.OID, Uint8Array.from(out));
}

export function decodeOid(content: Uint8Array): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of content) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs.shift();
  if (first === undefined) throw new DerError("empty OID");
  const a0 = first < 80n ? first / 40n : 2n;
  return [a0, first - a0 * 40n, ...arcs].join(".");
}

export interface Tlv {
  tag: number;
  content: Uint8Array;
}

/** Reads consecutive TLVs from a buffer, all of which must fit exactly. */
export function readAll(bytes: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let at = 0;
  while (at < bytes.length) {
    const tag = bytes[at++];
    let len = bytes[at++];
    if (tag === undefined || len === undefined) throw new DerError("truncated TLV");
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 3) throw new DerError("unsupported length");
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (bytes[at++] ?? Number.NaN);
      if (!(len >= 0x80) || Number.isNaN(len)) throw new DerError("non-minimal length");
    }
    if (at + len > bytes.length) throw new DerError("truncated content");
    out.push({ tag, content: bytes.subarray(at, at + len) });
    at += len;
  }
  return out;
}

/** Reads exactly one TLV with the expected tag. */
export function readOne(bytes: Uint8Array, tag: number): Uint8Array {
  const all = readAll(bytes);
  const [first] = all;
  if (all.length !== 1 || first === undefined || first.tag !== tag)
    throw new DerError(`expected one tag ${tag}`);
  return first.content;
}

export function expectTag(t: Tlv | undefined, tag: number): Uint8Array {
  if (t === undefined || t.tag !== tag) throw new DerError(`expected tag ${tag}`);
  return t.content;
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = bytesToBase64(der);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Returns the DER inside the first PEM block with the given label. */
export function fromPem(pem: string, label: string): Uint8Array {
  const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]*)-----END ${label}-----`);
  const m = re.exec(pem);
  if (!m?.[1]) throw new DerError(`no ${label} PEM block`);
  try {
    return base64ToBytes(m[1].replace(/\s+/g, ""));
  } catch {
    throw new DerError(`the ${label} PEM block is not valid base64`);
  }
}
