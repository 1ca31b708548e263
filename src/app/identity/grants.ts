import type { Role } from "../../pki/roles.js";

/** Roles an organisation admin may grant (and revoke) inside its own organisation. */
export const ORG_ADMIN_GRANTS: readonly Role[] = [
  "org-admin",
  "enterprise",
  "employee-marketer",
  "outside-marketer",
  "buyer",
  "node-operator",
];

/**
 * May an identity with `actorRole` in `actorOrg` register, revoke or re-key an identity with
 * `targetRole` in `targetOrg`? The platform operator manages everyone; an organisation admin
 * manages the roles it may grant, in its own organisation only.
 */
export function mayManage(actorRole: Role, actorOrg: string, targetRole: Role, targetOrg: string): boolean {
  if (actorRole === "platform-operator") return true;
  if (actorRole !== "org-admin") return false;
  return actorOrg !== "" && actorOrg === targetOrg && ORG_ADMIN_GRANTS.includes(targetRole);
}
