import { describeResult, type TxResult } from "../../app/events.js";
import type { Block, BlockHeader, CommitCertificate } from "../../ledger/block.js";
import { toHex } from "../../ledger/bytes.js";
import { encodeUserCode, USER_CODE_BYTES } from "../../pki/user-code.js";
import type { BlockEventJson, BlockJson, HeaderJson, Json, ResultJson } from "../../sdk/wire/index.js";
import type { CommittedBlock } from "../chain.js";

/** JSON views of ledger objects: bytes as lowercase hex, integers that may exceed 2^53 as strings. */

/** Any record as JSON: bigint -> decimal string, bytes -> hex (10-byte user codes -> their typed form). */
export function toJson<T>(value: T): Json<T> {
  return convert(value) as Json<T>;
}

function convert(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array)
    return value.length === USER_CODE_BYTES ? encodeUserCode(value) : toHex(value);
  if (Array.isArray(value)) return value.map(convert);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]));
  }
  return value;
}

export function headerJson(header: BlockHeader): HeaderJson {
  return {
    chainId: header.chainId,
    height: header.height.toString(),
    timeMs: header.timeMs.toString(),
    previousHash: toHex(header.previousHash),
    lastCommitHash: toHex(header.lastCommitHash),
    txRoot: toHex(header.txRoot),
    resultsRoot: toHex(header.resultsRoot),
    stateRoot: toHex(header.stateRoot),
    proposer: toHex(header.proposer),
    validatorSetHash: toHex(header.validatorSetHash),
    nextValidatorSetHash: toHex(header.nextValidatorSetHash),
  };
}

export function commitJson(commit: CommitCertificate | undefined) {
  if (commit === undefined) return null;
  return {
    height: commit.height.toString(),
    round: commit.round,
    blockHash: toHex(commit.blockHash),
    signatures: commit.signatures.map((s) => ({
      validator: toHex(s.validator),
      timestampMs: s.timestampMs.toString(),
      signature: toHex(s.signature),
    })),
  };
}

export function resultJson(result: TxResult): ResultJson {
  return {
    code: result.code,
    message: describeResult(result),
    details: Object.fromEntries(result.details.map((d) => [d.key, d.value])),
    events: result.events.map((e) => ({
      type: e.type,
      attributes: Object.fromEntries(e.attributes.map((a) => [a.key, a.value])),
    })),
  };
}

/** A block in JSON, plus its canonical encoding so a client can check the hash itself. */
export function blockJson(
  block: Block,
  hash: Uint8Array,
  encoded: Uint8Array,
  results: TxResult[],
): BlockJson {
  return {
    hash: toHex(hash),
    header: headerJson(block.header),
    txs: block.txs.map(toHex),
    results: results.map(resultJson),
    lastCommit: commitJson(block.lastCommit),
    commit: commitJson(block.commit),
    encoded: toHex(encoded),
  };
}

/** The WebSocket message for a committed block: what it holds and what executing it did. */
export function blockEventJson(committed: CommittedBlock): BlockEventJson {
  const { header } = committed.block;
  return {
    type: "block" as const,
    hash: toHex(committed.hash),
    header: headerJson(header),
    txs: committed.block.txs.length,
    txHashes: committed.outcome.txHashes.map(toHex),
    results: committed.outcome.results.map(resultJson),
    // What the block did by itself at its end (orders completing by block time, settlements).
    endBlockEvents: resultJson({ code: "OK", details: [], events: committed.outcome.endBlockEvents ?? [] })
      .events,
  };
}
