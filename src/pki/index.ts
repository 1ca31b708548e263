/** The consortium's public key infrastructure: pure functions over certificates, CSRs, CRLs and codes. */
export * from "./certificate.js";
export * from "./crl.js";
export * from "./csr.js";
export * from "./encrypted-pkcs8.js";
export * from "./errors.js";
export * from "./key-file.js";
export { buildName, formatName, readName, type SubjectName } from "./name.js";
export * from "./pem.js";
export * from "./roles.js";
export * from "./user-code.js";
