import {
  keys,
  type PolicyRules,
  type PolicyVersion,
  policyHeadCodec,
  policyVersionCodec,
} from "../../../src/app/marketing/records.js";
import { readState } from "./state-reads.js";

/** Every stored version of one royalty policy, oldest first (versions are 1..head, immutable). */
export async function policyVersions(org: string, policyId: string): Promise<PolicyVersion[]> {
  const head = (await readState(keys.policyHead(org, policyId), policyHeadCodec)).value;
  if (!head) return [];
  const numbers = Array.from({ length: head.version }, (_, i) => i + 1);
  const versions = await Promise.all(
    numbers.map((v) => readState(keys.policyVersion(org, policyId, v), policyVersionCodec, undefined)),
  );
  return versions.flatMap((v) => (v.value ? [v.value] : []));
}

export type RuleName = keyof PolicyRules;

export interface RuleDiff {
  rule: RuleName;
  before: PolicyRules[RuleName];
  after: PolicyRules[RuleName];
  changed: boolean;
}

/** A stable text of a rule's value for comparing (bigints and nested lists included). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? "undefined";
}

/** Rule by rule, what one version says against another: every rule, with the changed ones marked. */
export function diffRules(before: PolicyRules, after: PolicyRules): RuleDiff[] {
  const names = Object.keys({ ...before, ...after }) as RuleName[];
  return names.map((rule) => ({
    rule,
    before: before[rule],
    after: after[rule],
    changed: canonical(before[rule]) !== canonical(after[rule]),
  }));
}
