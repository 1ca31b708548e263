import { pino } from "pino";
import type { KeyPair } from "../../crypto/suite.js";
import { type Block, blockHash, type CommitCertificate } from "../../ledger/block.js";
import { commitVoteSignBytes } from "../../ledger/vote.js";
import { MemoryStore } from "../../storage/memory-store.js";
import { Chain } from "../chain.js";
import { Mempool } from "../mempool.js";
import type { Clock, EngineObserver, PeerNetwork, TimerHandle, Timers } from "./ports.js";
import { Refusals } from "./refusals.js";
import { nodeKeys, simGenesis } from "./sim/fixture.js";
import { simulatedSignatures } from "./sim/sim-suite.js";

/** Unit-test kit for the engine's modules: a real chain over a memory store, and fakes for its ports. */
export const suite = simulatedSignatures();
export const validators = nodeKeys.slice(0, 4);

export function newChain(): Chain {
  return Chain.open(new MemoryStore(), suite, simGenesis([10n, 10n, 10n, 10n]));
}

export function newMempool(): Mempool {
  return new Mempool({ maxTxs: 100, maxBytes: 1_000_000, nonceWindow: 16 });
}

/** A manual clock and timers: `advance(ms)` runs what falls due, in order. */
export function manualTime(startMs = 1_767_225_700_000) {
  let now = startMs;
  const due: { at: number; run: () => void; cancelled: boolean }[] = [];
  const clock: Clock = { now: () => now };
  const timers: Timers = {
    after: (delayMs, run): TimerHandle => {
      const entry = { at: now + delayMs, run, cancelled: false };
      due.push(entry);
      return {
        cancel: () => {
          entry.cancelled = true;
        },
      };
    },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      due.sort((a, b) => a.at - b.at);
      const next = due.find((e) => !e.cancelled && e.at <= until);
      if (next === undefined) break;
      due.splice(due.indexOf(next), 1);
      now = next.at;
      next.run();
    }
    now = until;
  };
  return { clock, timers, advance, pending: () => due.filter((e) => !e.cancelled).length };
}

/** A network that records what was sent. */
export function recordingNetwork() {
  const sent: { to: string | "all"; data: Uint8Array }[] = [];
  const network: PeerNetwork = {
    broadcast: (data) => {
      sent.push({ to: "all", data });
    },
    send: (to, data) => {
      sent.push({ to, data });
      return true;
    },
  };
  return { network, sent };
}

export function refusalsFor(clock: Clock) {
  const refused: { peer: string; reason: string }[] = [];
  const observer: EngineObserver = { refused: (event) => refused.push(event) };
  return { refusals: new Refusals(pino({ level: "silent" }), clock, observer), refused };
}

/** `block` with a commit certificate signed by the given validators (round 0). */
export function certify(block: Block, signers: readonly KeyPair[], timestampMs = 1_767_225_700_000n): Block {
  const { header } = block;
  const hash = blockHash(suite, header);
  const commit: CommitCertificate = {
    height: header.height,
    round: 0,
    blockHash: hash,
    signatures: [...signers]
      .sort((a, b) => Buffer.compare(Buffer.from(a.publicKey.bytes), Buffer.from(b.publicKey.bytes)))
      .map((key, i) => ({
        validator: key.publicKey.bytes,
        timestampMs: timestampMs + BigInt(i),
        signature: suite.sign(
          key.privateKey,
          commitVoteSignBytes(header.chainId, header.height, 0, hash, timestampMs + BigInt(i)),
        ),
      })),
  };
  return { ...block, commit };
}

/** Builds and commits `count` empty blocks on `chain`, each certified by all four validators. */
export function growChain(chain: Chain, count: number): void {
  for (let i = 0; i < count; i++) {
    const previous = chain.latestBlock();
    const timeMs = chain.nextBlockTime(previous.commit) as bigint;
    const prepared = chain.prepareBlock([], timeMs, (validators[0] as KeyPair).publicKey.bytes);
    chain.commit(prepared, certify(prepared.block, validators));
  }
}
