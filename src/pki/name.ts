import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from "@peculiar/asn1-x509";
import { OID } from "./oids.js";

/**
 * The distinguished names we issue: CN, O and OU only. A user's CN is their user code and OU
 * their role, so a certificate on the chain carries no personal data.
 */
export interface SubjectName {
  readonly commonName: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
}

function rdn(type: string, value: string): RelativeDistinguishedName {
  return new RelativeDistinguishedName([
    new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
  ]);
}

export function buildName(name: SubjectName): Name {
  const rdns: RelativeDistinguishedName[] = [];
  if (name.organization !== undefined) rdns.push(rdn(OID.organization, name.organization));
  if (name.organizationalUnit !== undefined) rdns.push(rdn(OID.organizationalUnit, name.organizationalUnit));
  rdns.push(rdn(OID.commonName, name.commonName));
  return new Name(rdns);
}

function attribute(name: Name, type: string): string | undefined {
  for (const set of name) {
    for (const atv of set) if (atv.type === type) return atv.value.toString();
  }
  return undefined;
}

export function readName(name: Name): SubjectName {
  const organization = attribute(name, OID.organization);
  const organizationalUnit = attribute(name, OID.organizationalUnit);
  return {
    commonName: attribute(name, OID.commonName) ?? "",
    ...(organization === undefined ? {} : { organization }),
    ...(organizationalUnit === undefined ? {} : { organizationalUnit }),
  };
}

export function formatName(name: SubjectName): string {
  const parts = [`CN=${name.commonName}`];
  if (name.organizationalUnit !== undefined) parts.push(`OU=${name.organizationalUnit}`);
  if (name.organization !== undefined) parts.push(`O=${name.organization}`);
  return parts.join(", ");
}
