/**
 * Signature checks as one flat buffer, to cross to a worker thread in a single transfer. Copying
 * each check's byte arrays by structured clone would copy the whole buffer each is a view of (a
 * request body, a block of transactions) once per check.
 *
 * Layout, little-endian: u32 count, then per check u16 key length, key, u32 message length,
 * message, u16 signature length, signature.
 */
export interface SignatureCheck {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

export function packChecks(checks: readonly SignatureCheck[]): Uint8Array {
  let size = 4;
  for (const c of checks) size += 2 + c.publicKey.length + 4 + c.message.length + 2 + c.signature.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, checks.length, true);
  let at = 4;
  const put = (bytes: Uint8Array, lengthBytes: 2 | 4) => {
    if (lengthBytes === 2) view.setUint16(at, bytes.length, true);
    else view.setUint32(at, bytes.length, true);
    out.set(bytes, at + lengthBytes);
    at += lengthBytes + bytes.length;
  };
  for (const c of checks) {
    put(c.publicKey, 2);
    put(c.message, 4);
    put(c.signature, 2);
  }
  return out;
}

/** The checks of packChecks, as views into `packed` (no copies). */
export function unpackChecks(packed: Uint8Array): SignatureCheck[] {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const count = view.getUint32(0, true);
  const checks: SignatureCheck[] = [];
  let at = 4;
  const take = (lengthBytes: 2 | 4) => {
    const length = lengthBytes === 2 ? view.getUint16(at, true) : view.getUint32(at, true);
    const bytes = packed.subarray(at + lengthBytes, at + lengthBytes + length);
    at += lengthBytes + length;
    return bytes;
  };
  for (let i = 0; i < count; i++) {
    const publicKey = take(2);
    const message = take(4);
    const signature = take(2);
    checks.push({ publicKey, message, signature });
  }
  return checks;
}
