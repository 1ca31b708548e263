/** Object identifiers of the X.509 profile we issue. */
export const OID = {
  ecPublicKey: "1.2.840.10045.2.1",
  /** GM/T 0006: SM2-with-SM3 signature (GM/T 0015 certificate profile), no parameters. */
  sm2WithSm3: "1.2.156.10197.1.501",
  /** RFC 5758: ecdsa-with-SHA256, no parameters. */
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  /** RFC 8410: Ed25519 is both the key and the signature algorithm. */
  ed25519: "1.3.101.112",
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  organizationalUnit: "2.5.4.11",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  subjectAltName: "2.5.29.17",
  crlNumber: "2.5.29.20",
  crlReason: "2.5.29.21",
} as const;
