/**
 * The roles of the consortium. A user certificate names its role in OU, and the chain's
 * permission matrix decides what each role may sign. Append only: the names are on the chain.
 */
export const ROLES = [
  "platform-operator",
  "org-admin",
  "enterprise",
  "employee-marketer",
  "outside-marketer",
  "buyer",
  "auditor",
  "node-operator",
] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Organisation ids: short, lowercase, usable in file names and certificate O fields. */
export const ORG_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function isOrgId(value: unknown): value is string {
  return typeof value === "string" && ORG_ID_PATTERN.test(value);
}
