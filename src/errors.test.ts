import { describe, expect, it } from "vitest";
import { AccountError, isInvalidInput, isOperationError } from "./app/errors.js";
import { GovernanceError } from "./app/governance/errors.js";
import { InvariantError, LedgerError } from "./errors.js";
import { PkiError } from "./pki/errors.js";

describe("the coded error classes", () => {
  it("are the layer's class and a LedgerError, named after the layer's class, with code, message and details", () => {
    const error = new PkiError("CERT_EXPIRED", "the certificate expired", { notAfter: "2026" });
    expect(error).toBeInstanceOf(PkiError);
    expect(error).toBeInstanceOf(LedgerError);
    expect([error.name, error.code, error.message, error.details]).toEqual([
      "PkiError",
      "CERT_EXPIRED",
      "the certificate expired",
      { notAfter: "2026" },
    ]);
    expect(new AccountError("INVALID_AMOUNT", "zero").details).toEqual({});
  });

  // Checked by the compiler, not at run time: `npm test` runs `tsc` first, and an
  // expect-error directive over a line that compiles fails it.
  it("take only their own codes, and only scalar details for an operation", () => {
    // @ts-expect-error a code of another layer
    void new PkiError("GOVERNANCE_CLOSED", "x");
    // @ts-expect-error an operation's details are hashed: scalars only
    void new GovernanceError("GOVERNANCE_CLOSED", "x", { at: { height: 1 } });
  });

  it("tell a failed operation from other bad input and from a bug", () => {
    const failed = new GovernanceError("GOVERNANCE_CLOSED", "already scheduled");
    const badCertificate = new PkiError("CERT_INVALID", "not DER");
    const bug = new InvariantError("two blocks at one height");
    expect([failed, badCertificate, bug].map(isOperationError)).toEqual([true, false, false]);
    expect([failed, badCertificate, bug].map(isInvalidInput)).toEqual([true, true, false]);
  });
});
