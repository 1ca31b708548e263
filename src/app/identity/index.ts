/** The on-chain identity registry: organisations, identities, roles, revocation. */
export { authorizeSender } from "./authorize.js";
export { IdentityError } from "./errors.js";
export {
  genesisIdentitySchema,
  genesisOrganisationSchema,
  genesisPkiSchema,
  orgIdSchema,
  writeIdentityGenesis,
} from "./genesis.js";
export { mayManage, ORG_ADMIN_GRANTS } from "./grants.js";
export * from "./operations.js";
export { maySign, PERMISSIONS } from "./permissions.js";
export { type IdentityStatus, readPkiRoot } from "./records.js";
export * from "./registry.js";
export { activeSigner, type Signer } from "./signer.js";
