import type { ConnectionOptions, TlsOptions } from "node:tls";

/**
 * TLS 1.3 only, both ends present a certificate and both verify the other's chain against the
 * consortium CAs. Host names are not checked: a node's identity is its consensus key, proved by
 * the Hello; the certificate proves membership of the consortium PKI, whatever address it is at.
 */
export interface TlsMaterial {
  keyPem: string;
  certPem: string;
  trustedCaPems: string[];
}

export function serverTlsOptions(m: TlsMaterial, handshakeTimeoutMs: number): TlsOptions {
  return {
    key: m.keyPem,
    cert: m.certPem,
    ca: m.trustedCaPems,
    minVersion: "TLSv1.3",
    maxVersion: "TLSv1.3",
    requestCert: true,
    rejectUnauthorized: true,
    handshakeTimeout: handshakeTimeoutMs,
  };
}

export function clientTlsOptions(m: TlsMaterial, host: string, port: number): ConnectionOptions {
  return {
    host,
    port,
    key: m.keyPem,
    cert: m.certPem,
    ca: m.trustedCaPems,
    minVersion: "TLSv1.3",
    maxVersion: "TLSv1.3",
    rejectUnauthorized: true,
    checkServerIdentity: () => undefined,
  };
}
