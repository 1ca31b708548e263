import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { decodeBlock, encodeBlock } from "../../ledger/index.js";
import { refuseBackfillGap } from "../../storage/chain-store.js";
import type { MemoryStore } from "../../storage/memory-store.js";
import type { ChainStorage } from "../../storage/storage.js";
import { Chain } from "../chain.js";
import { Backfill } from "./backfill.js";
import { genesis, memoryChain, suite } from "./backfill.test-util.js";
import { manualTime } from "./engine-kit.test-util.js";
import { Refusals } from "./refusals.js";
import { decodePeerMessage, encodePeerMessage } from "./wire.js";

/**
 * The backfill driver between a node restored at SNAPSHOT and peers answering from a full chain
 * (through Backfill.answer): it asks one peer at a time, refuses a peer's forged block with its
 * code and asks another, passes over a peer that does not answer, and ends holding every block.
 */
const SNAPSHOT = 60n;
const { chain: full, store: fullStore } = memoryChain(
  Array.from({ length: 70 }, (_, i) => (i % 7 === 0 ? [1n] : [])),
);

/** The full store as a node restored at `height` sees it: no block below, no results at or below, until backfill writes them. */
function restoredView(store: MemoryStore, height: bigint): ChainStorage {
  const blocks = new Map<bigint, Uint8Array>();
  const results = new Map<bigint, Uint8Array>();
  let from: bigint | undefined = height + 1n;
  const view: Partial<ChainStorage> = {
    getBlock: (h) => (h === 0n || h >= height ? store.getBlock(h) : blocks.get(h)),
    getResults: (h) => (h > height ? store.getResults(h) : results.get(h)),
    historyFrom: () => from,
    backfill: (list) => {
      refuseBackfillGap(from, list);
      for (const block of list) {
        if (block.blockBytes !== undefined) blocks.set(block.height, block.blockBytes);
        results.set(block.height, block.resultsBytes);
        from = block.height <= 1n ? undefined : block.height;
      }
    },
  };
  const proxy: ChainStorage = new Proxy(store, {
    get: (target, property) =>
      property in view
        ? view[property as keyof ChainStorage]
        : (Reflect.get(target, property) as (...a: unknown[]) => unknown).bind(target),
  });
  return proxy;
}

/** A restored node's Backfill, and a pump that carries its requests to the peers and their answers back. */
function restoredNode(
  peers: readonly string[],
  answers: (peer: string, answer: Uint8Array) => Uint8Array | undefined,
) {
  const { clock, advance } = manualTime();
  const logged: Array<Record<string, unknown>> = [];
  const log = pino({ level: "info" }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const store = restoredView(fullStore, SNAPSHOT);
  const chain = Chain.open(store, suite, genesis);
  const outbox: Array<{ to: string; data: Uint8Array }> = [];
  const asked: string[] = [];
  const backfill = new Backfill({
    chain,
    clock,
    log,
    network: { broadcast: () => {}, send: (to, data) => outbox.push({ to, data }) > 0 },
    refusals: new Refusals(log, clock, {}),
    observer: {},
    peersHolding: () => [...peers],
  });
  let reply: Uint8Array | undefined;
  const source = new Backfill({
    chain: full,
    clock,
    log,
    network: {
      broadcast: () => {},
      send: (_, data) => {
        reply = data;
        return true;
      },
    },
    refusals: new Refusals(log, clock, {}),
    observer: {},
    peersHolding: () => [],
  });
  const settle = async () => {
    for (;;) {
      const message = outbox.shift();
      if (message === undefined) {
        await new Promise((resolve) => setImmediate(resolve));
        if (outbox.length === 0) return;
        continue;
      }
      const request = decodePeerMessage(message.data);
      if (request.kind !== "backfillRequest") throw new Error(`unexpected ${request.kind}`);
      asked.push(message.to);
      source.answer("restored", request.value.toHeight, request.value.max);
      const answer = answers(message.to, reply as Uint8Array);
      if (answer === undefined) continue;
      const decoded = decodePeerMessage(answer);
      if (decoded.kind === "backfillBlocks") backfill.receive(message.to, decoded.value);
    }
  };
  return { backfill, store, settle, asked, logged, advance };
}

describe("backfill between peers", () => {
  it("refuses a forged block with its code, asks another peer, and ends with every block and result", async () => {
    const node = restoredNode(["forger", "honest"], (peer, answer) => {
      if (peer !== "forger") return answer;
      const message = decodePeerMessage(answer);
      if (message.kind !== "backfillBlocks") return answer;
      // The third block of its first answer has another time: its hash no longer links.
      const entry = message.value.blocks[2] as { block: Uint8Array };
      const block = decodeBlock(entry.block);
      block.header.timeMs += 1n;
      entry.block = encodeBlock(block);
      return encodePeerMessage(message);
    });
    node.backfill.maybeRequest();
    await node.settle();
    expect(node.store.historyFrom()).toBeUndefined();
    for (let h = 1n; h <= SNAPSHOT; h++) {
      expect(node.store.getBlock(h)).toEqual(fullStore.getBlock(h));
      expect(node.store.getResults(h)).toEqual(fullStore.getResults(h));
    }
    // The forger was asked once: the two blocks above its forged one were kept, then the honest peer went on.
    expect(node.asked[0]).toBe("forger");
    expect(node.asked.slice(1).every((peer) => peer === "honest")).toBe(true);
    const refused = node.logged.filter((line) => line.msg === "refused a backfilled block");
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ peer: "forger", code: "BACKFILL_HASH_MISMATCH" });
    expect(String(refused[0]?.err)).toContain(`backfilled block ${SNAPSHOT - 2n}`);
    const stored = node.logged.filter((line) => line.msg === "backfilled blocks");
    expect(stored[0]).toMatchObject({
      peer: "forger",
      from: (SNAPSHOT - 1n).toString(),
      to: SNAPSHOT.toString(),
    });
    expect(node.logged.at(-1)?.msg).toBe("backfill complete: every block is held");
  });

  it("passes over a peer that does not answer, and one that holds none of the blocks", async () => {
    const node = restoredNode(["silent", "honest", "empty"], (peer, answer) => {
      if (peer === "silent") return undefined;
      if (peer === "empty")
        return encodePeerMessage({ kind: "backfillBlocks", value: { toHeight: SNAPSHOT, blocks: [] } });
      return answer;
    });
    node.backfill.maybeRequest();
    await node.settle();
    expect(node.asked).toEqual(["silent"]);
    expect(node.store.historyFrom()).toBe(SNAPSHOT + 1n);
    node.advance(5_000);
    node.backfill.maybeRequest();
    await node.settle();
    expect(node.asked.slice(0, 3)).toEqual(["silent", "empty", "honest"]);
    expect(node.store.historyFrom()).toBeUndefined();
  });
});
