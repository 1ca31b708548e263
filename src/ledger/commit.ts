/** Checking a commit certificate: more than 2/3 of the voting power precommitted the block. */
import { LedgerError } from "../errors.js";
import { type BlockHeader, blockHash, type CommitCertificate, type CommitSignature } from "./block.js";
import { bytesEqual, type HashFn, toHex } from "./bytes.js";
import { type LedgerSuite, verifySignatureBytes } from "./suite.js";
import { totalPower, type Validator, validatorSetHash } from "./validators.js";
import { commitVoteSignBytes } from "./vote.js";

export type CommitCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks that `commit` certifies `header` under `validators` (the set whose hash is
 * header.validatorSetHash): same height and block hash, every signer in the set and at most
 * once, every signature a valid precommit for the block, and signed power > 2/3 of the total.
 * Any bad signature fails the whole certificate: a certificate carries only valid votes.
 *
 * `verified` names signatures already checked elsewhere (a node catching up checks them on its
 * worker threads, see commitSignatureChecks): each such entry must have been verified over exactly
 * the message this function computes for it, so skipping it changes no answer.
 */
export function verifyCommit(
  suite: LedgerSuite,
  header: BlockHeader,
  commit: CommitCertificate,
  validators: readonly Validator[],
  verified?: (signature: CommitSignature) => boolean,
): CommitCheck {
  const hashFn: HashFn = (d) => suite.hash(d);
  if (commit.height !== header.height)
    return fail(`commit height ${commit.height} != header ${header.height}`);
  const hash = blockHash(suite, header);
  if (!bytesEqual(commit.blockHash, hash)) return fail("commit is for another block hash");
  let setHash: Uint8Array;
  try {
    setHash = validatorSetHash(hashFn, validators);
  } catch (e) {
    if (e instanceof LedgerError) return fail(`bad validator set: ${e.code}`);
    throw e;
  }
  if (!bytesEqual(setHash, header.validatorSetHash))
    return fail("validators do not match header.validatorSetHash");

  const powerOf = new Map(validators.map((v) => [toHex(v.publicKey), v.power]));
  const seen = new Set<string>();
  let signed = 0n;
  for (const sig of commit.signatures) {
    const id = toHex(sig.validator);
    const power = powerOf.get(id);
    if (power === undefined) return fail(`signer ${id} is not a validator`);
    if (seen.has(id)) return fail(`validator ${id} signed twice`);
    seen.add(id);
    if (verified?.(sig) !== true) {
      const msg = commitVoteSignBytes(header.chainId, header.height, commit.round, hash, sig.timestampMs);
      if (!verifySignatureBytes(suite, sig.validator, msg, sig.signature))
        return fail(`bad signature from ${id}`);
    }
    signed += power;
  }
  const total = totalPower(validators);
  if (signed * 3n <= total * 2n) return fail(`signed power ${signed} is not > 2/3 of ${total}`);
  return { ok: true };
}

/**
 * The signature checks of a certificate for `header`, each over the very message verifyCommit
 * checks it against (a worker thread may verify them ahead of the certificate's other checks).
 */
export function commitSignatureChecks(
  suite: LedgerSuite,
  header: BlockHeader,
  commit: CommitCertificate,
): Array<{ entry: CommitSignature; publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }> {
  const hash = blockHash(suite, header);
  return commit.signatures.map((entry) => ({
    entry,
    publicKey: entry.validator,
    message: commitVoteSignBytes(header.chainId, header.height, commit.round, hash, entry.timestampMs),
    signature: entry.signature,
  }));
}

function fail(reason: string): CommitCheck {
  return { ok: false, reason };
}
