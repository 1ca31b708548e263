import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { readAccount } from "../../app/accounts.js";
import { addressOf } from "../../app/address.js";
import { admitTx, txCodecs } from "../../app/executor.js";
import { parseGenesis } from "../../app/genesis.js";
import { getSuite } from "../../crypto/index.js";
import type { KeyPair } from "../../crypto/suite.js";
import {
  blockHash,
  encodeSignedTx,
  prevoteSignBytes,
  type SignedVote,
  signTx,
  toHex,
  verifyCommit,
} from "../../ledger/index.js";
import { buildSignedTx, transferOp } from "../../sdk/transactions.js";
import { ChainStore } from "../../storage/chain-store.js";
import { until } from "../../until.test-util.js";
import { Chain } from "../chain.js";
import { Mempool } from "../mempool.js";
import { VerifyPool } from "../verify/pool.js";
import { BftEngine } from "./engine.js";
import { type PeerNetwork, systemClock, systemTimers } from "./ports.js";
import { WalFile, walPath } from "./wal-file.js";
import { decodePeerMessage, encodePeerMessage } from "./wire.js";

/**
 * Four validators' engines over real chains (LMDB in temp folders), linked by an in-process
 * network that delivers asynchronously. The transport itself is tested in src/node/p2p and
 * the whole over TLS in test/e2e.
 */
const suite = getSuite("ed25519");
const dirs: string[] = [];
const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface TestNode {
  id: string;
  chain: Chain;
  mempool: Mempool;
  engine: BftEngine;
  dir: string;
  key: KeyPair;
  up: boolean;
  /** Status broadcasts (one per tick of the engine's status timer). */
  statusSent: number;
}

function makeNetwork(count: number, funded: KeyPair) {
  const keys = Array.from({ length: count }, () => suite.generateKeyPair());
  const genesis = parseGenesis({
    chainId: "bft-test",
    suite: "ed25519",
    genesisTimeMs: "1700000000000",
    validators: keys.map((k, i) => ({ name: `v${i}`, publicKey: toHex(k.publicKey.bytes), power: "10" })),
    accounts: [{ address: toHex(addressOf(suite.hash, funded.publicKey.bytes)), balanceFen: "1000000" }],
    identities: [{ role: "buyer", publicKey: toHex(funded.publicKey.bytes) }],
  });
  const nodes = new Map<string, TestNode>();
  const evidence: Array<{ first: SignedVote; second: SignedVote }> = [];
  const deliver = (from: string, to: string, data: Uint8Array) => {
    setImmediate(() => {
      const target = nodes.get(to);
      const source = nodes.get(from);
      if (target?.up && source?.up)
        target.engine.onPeerMessage(from, data, (tx) => submit(target, tx, false));
    });
  };
  const submit = (node: TestNode, bytes: Uint8Array, gossip = true) => {
    const latest = node.chain.latestHeader();
    const admitted = admitTx(
      suite,
      { chainId: "bft-test", height: latest.height + 1n, timeMs: latest.timeMs },
      bytes,
    );
    node.mempool.add(
      {
        hashHex: toHex(admitted.hash),
        senderHex: toHex(admitted.sender),
        nonce: admitted.tx.nonce,
        expiryHeight: admitted.tx.expiryHeight,
        bytes,
      },
      node.chain.accountNonce(admitted.sender),
      latest.height + 1n,
    );
    node.engine.onTxAdmitted();
    if (gossip) node.engine.gossipTx(bytes);
  };
  const start = (key: KeyPair, dir: string, verifyPool?: VerifyPool): TestNode => {
    const id = toHex(key.publicKey.bytes);
    const store = ChainStore.open(join(dir, "data"));
    const chain = Chain.open(store, suite, genesis);
    const mempool = new Mempool({ maxTxs: 10_000, maxBytes: 10_000_000, nonceWindow: 256 });
    const { wal, records } = WalFile.open(walPath(dir));
    const network: PeerNetwork = {
      broadcast: (data) => {
        if (decodePeerMessage(data).kind === "status") node.statusSent++;
        for (const peer of nodes.keys()) if (peer !== id) deliver(id, peer, data);
      },
      send: (peer, data) => {
        deliver(id, peer, data);
        return true;
      },
    };
    const node: TestNode = {
      id,
      chain,
      mempool,
      dir,
      key,
      up: true,
      statusSent: 0,
      engine: undefined as unknown as BftEngine,
    };
    node.engine = new BftEngine({
      chain,
      mempool,
      key,
      network,
      wal,
      walRecords: records,
      timeouts: {
        proposeBaseMs: 400,
        proposeDeltaMs: 100,
        prevoteBaseMs: 100,
        prevoteDeltaMs: 50,
        precommitBaseMs: 100,
        precommitDeltaMs: 50,
      },
      maxBlockTxs: 1000,
      maxBlockBytes: 4_000_000,
      emptyBlockIntervalMs: 50,
      batchDelayMs: 5,
      clock: systemClock,
      timers: systemTimers,
      senderNonce: (hex) => chain.accountNonce(Buffer.from(hex, "hex")),
      log: pino({ level: process.env.TEST_LOG ?? "silent" }),
      onCommit: () => {},
      onEvidence: (_evidence, signed) => evidence.push(signed),
      ...(verifyPool === undefined ? {} : { verifyPool }),
    });
    nodes.set(id, node);
    node.engine.start();
    const handle = {
      stop: async () => {
        if (!node.up) return;
        node.up = false;
        node.engine.stop();
        await verifyPool?.close();
        await store.close();
      },
    };
    running.push(handle);
    (node as TestNode & { stop: () => Promise<void> }).stop = handle.stop;
    return node;
  };
  const all = keys.map((key) => {
    const dir = mkdtempSync(join(tmpdir(), "mkl-bft-"));
    dirs.push(dir);
    return start(key, dir);
  });
  return {
    nodes: all,
    submit,
    restart: (node: TestNode, verifyPool?: VerifyPool) => start(node.key, node.dir, verifyPool),
    genesis,
    evidence,
  };
}

describe("BFT engine over four validators", () => {
  it("commits the same blocks and state on every node, with verifiable certificates and BFT time", async () => {
    const alice = suite.generateKeyPair();
    const bob = suite.generateKeyPair();
    const { nodes, submit } = makeNetwork(4, alice);
    for (let nonce = 0n; nonce < 5n; nonce++) {
      const tx = buildSignedTx(
        suite,
        alice,
        { chainId: "bft-test", nonce, expiryHeight: 1000n },
        transferOp(addressOf(suite.hash, bob.publicKey.bytes), 10n),
      );
      submit(nodes[Number(nonce) % 4] as TestNode, tx.bytes);
    }
    const bobAddress = addressOf(suite.hash, bob.publicKey.bytes);
    await until(() => nodes.every((n) => readAccount(n.chain.state, bobAddress).balanceFen === 50n));
    await until(() => nodes.every((n) => n.chain.height >= 6n));
    const h = 5n;
    const hashes = nodes.map((n) =>
      toHex(blockHash(suite, (n.chain.blockAt(h) as NonNullable<ReturnType<Chain["blockAt"]>>).header)),
    );
    expect(new Set(hashes).size).toBe(1);
    for (const node of nodes) {
      const block = node.chain.blockAt(h);
      expect(verifyCommit(suite, block!.header, block!.commit!, node.chain.validators())).toEqual({
        ok: true,
      });
      // Block times strictly increase.
      expect(block!.header.timeMs).toBeGreaterThan(node.chain.blockAt(h - 1n)!.header.timeMs);
    }
  });

  it("keeps committing with one validator down, and a restarted validator catches up", async () => {
    const alice = suite.generateKeyPair();
    const { nodes, restart } = makeNetwork(4, alice);
    await until(() => nodes.every((n) => n.chain.height >= 2n));
    const victim = nodes[3] as TestNode & { stop: () => Promise<void> };
    const stoppedAt = victim.chain.height;
    await victim.stop();
    const others = nodes.slice(0, 3);
    await until(() => others.every((n) => n.chain.height >= stoppedAt + 5n));
    const back = restart(victim);
    await until(() => back.chain.height >= (others[0] as TestNode).chain.height);
    const h = back.chain.height - 1n;
    expect(toHex(blockHash(suite, back.chain.blockAt(h)!.header))).toBe(
      toHex(blockHash(suite, (others[0] as TestNode).chain.blockAt(h)!.header)),
    );
  });

  it("a restarted validator with verification workers catches up, its synced blocks' signatures checked there", async () => {
    const alice = suite.generateKeyPair();
    const { nodes, restart, submit } = makeNetwork(4, alice);
    await until(() => nodes.every((n) => n.chain.height >= 2n));
    const victim = nodes[3] as TestNode & { stop: () => Promise<void> };
    await victim.stop();
    const others = nodes.slice(0, 3) as [TestNode, TestNode, TestNode];
    const bob = addressOf(suite.hash, suite.generateKeyPair().publicKey.bytes);
    for (let nonce = 0n; nonce < 40n; nonce++)
      submit(
        others[Number(nonce % 3n)] as TestNode,
        buildSignedTx(suite, alice, { chainId: "bft-test", nonce, expiryHeight: 1_000n }, transferOp(bob, 1n))
          .bytes,
      );
    await until(() => readAccount(others[0].chain.state, bob).balanceFen === 40n);
    await until(() => others.every((n) => n.chain.height >= others[0].chain.height));
    const checked = { worker: 0, inline: 0 };
    const pool = new VerifyPool({
      suite,
      workers: 1,
      minBatch: 1,
      startBatch: 1,
      onVerified: (where, n) => (checked[where] += n),
    });
    const back = restart(victim, pool);
    await until(
      () =>
        back.chain.height >= others[0].chain.height && readAccount(back.chain.state, bob).balanceFen === 40n,
    );
    const h = back.chain.height - 1n;
    expect(toHex(blockHash(suite, back.chain.blockAt(h)!.header))).toBe(
      toHex(blockHash(suite, others[0].chain.blockAt(h)!.header)),
    );
    // The 40 transfers and the synced blocks' certificates (three or four precommits each).
    expect(checked.worker).toBeGreaterThan(40);
    expect(checked.inline).toBe(0);
  });

  it("stops committing with two of four down, without forking, and resumes when one returns", async () => {
    const alice = suite.generateKeyPair();
    const { nodes, restart } = makeNetwork(4, alice);
    await until(() => nodes.every((n) => n.chain.height >= 2n));
    const [a, b, c, d] = nodes as Array<TestNode & { stop: () => Promise<void> }>;
    await c!.stop();
    await d!.stop();
    // Without a quorum no round can end (no 2f+1 of any vote): the core waits in its step while
    // the engine re-sends its votes on every status tick. Three ticks at one height, no commit.
    const stalled = a!.chain.height;
    const view = a!.engine.view();
    const ticks = a!.statusSent;
    await until(() => a!.statusSent >= ticks + 3);
    expect(a!.chain.height - stalled).toBeLessThanOrEqual(1n);
    expect(a!.engine.view().height - view.height).toBeLessThanOrEqual(1);
    restart(c!);
    await until(() => a!.chain.height >= stalled + 3n && b!.chain.height >= stalled + 3n);
    const h = stalled + 2n;
    expect(toHex(blockHash(suite, a!.chain.blockAt(h)!.header))).toBe(
      toHex(blockHash(suite, b!.chain.blockAt(h)!.header)),
    );
  });

  it("detects a validator that signs two different prevotes and puts the evidence on the chain", async () => {
    const alice = suite.generateKeyPair();
    const { nodes, submit, evidence } = makeNetwork(4, alice);
    await until(() => nodes.every((n) => n.chain.height >= 2n));
    const [honest, , , liar] = nodes as [TestNode, TestNode, TestNode, TestNode];
    const height = honest.chain.height + 1n;
    const forge = (fill: number): SignedVote => {
      const blockHash = new Uint8Array(32).fill(fill);
      return {
        voteType: 1,
        height,
        round: 0,
        blockHash,
        timestampMs: 0n,
        validator: liar.key.publicKey.bytes,
        signature: suite.sign(liar.key.privateKey, prevoteSignBytes("bft-test", height, 0, blockHash)),
      };
    };
    for (const vote of [forge(1), forge(2)]) {
      honest.engine.onPeerMessage(liar.id, encodePeerMessage({ kind: "vote", value: vote }), () => {});
    }
    await until(() => evidence.length > 0);
    const report = signTx(
      suite,
      honest.key.privateKey,
      {
        chainId: "bft-test",
        sender: honest.key.publicKey.bytes,
        nonce: honest.chain.accountNonce(addressOf(suite.hash, honest.key.publicKey.bytes)),
        expiryHeight: 10_000n,
        op: { kind: "reportDoubleSign", value: evidence[0] as { first: SignedVote; second: SignedVote } },
      },
      txCodecs,
    );
    submit(honest, encodeSignedTx(report, txCodecs));
    const key = new TextEncoder().encode(`evidence/${liar.id}/${height}/0/1`);
    await until(() => nodes.every((n) => n.chain.state.get(key) !== undefined));
  });
});
