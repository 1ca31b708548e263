import { once } from "node:events";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { InvariantError } from "../../errors.js";
import { addressOfKey, buildSignedTx, transferOp } from "../../sdk/index.js";
import { StorageError } from "../../storage/chain-store.js";
import { type RunningNode, runNode } from "../run.js";
import { type SoloTestHome, soloTestHome } from "../solo-home.test-util.js";

/**
 * A broken invariant met while serving is a bug, not a refusal: it is never answered as a
 * transaction's refusal or a closed stream alone, it stops the node (the "fault" event, which
 * `mkl node start` turns into exit 1).
 */

let solo: SoloTestHome;
let running: RunningNode;

async function start(prefix: string): Promise<RunningNode> {
  solo = soloTestHome(prefix, {
    moniker: prefix,
    api: { host: "127.0.0.1", port: 0 },
    emptyBlockIntervalMs: 100,
  });
  running = await runNode(solo.home, pino({ level: "silent" }));
  return running;
}

afterEach(async () => {
  await running.stop();
  solo.remove();
});

describe("an invariant failure while serving stops the node", () => {
  it("in a batch of transactions: not a per-transaction refusal", async () => {
    const { node, apiUrl } = await start("bug-txs");
    const suite = node.suite;
    const tx = buildSignedTx(
      suite,
      solo.alice,
      { chainId: "bug-txs-test", nonce: 0n, expiryHeight: 1_000n },
      transferOp(addressOfKey(suite, solo.bob.publicKey.bytes), 1n),
    );
    const submitBatch = () =>
      fetch(`${apiUrl}/v1/txs/batch`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ txs: [Buffer.from(tx.bytes).toString("hex")] }),
      });
    // A LedgerError that is not about the input (here a storage error) is not a refusal either.
    node.submitTx = () => {
      throw new StorageError("STORE_IO", "the disk answered EIO");
    };
    expect((await submitBatch()).status).toBe(500);
    const fault = once(node.events, "fault");
    const broken = new InvariantError("the pool's books disagree");
    node.submitTx = () => {
      throw broken;
    };
    const response = await submitBatch();
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("INTERNAL");
    expect(await fault).toEqual([broken]);
    expect(node.fault).toBe(broken);
  });

  it("while the event feed replays stored blocks: the stream closes and the node stops", async () => {
    const { node, apiUrl } = await start("bug-feed");
    const fault = once(node.events, "fault");
    const broken = new InvariantError("a stored block does not decode to its hash");
    node.chain.resultsAt = () => {
      throw broken;
    };
    const socket = new WebSocket(`${apiUrl.replace(/^http/, "ws")}/v1/events?fromHeight=0`);
    const [code] = (await once(socket, "close")) as [number];
    expect(code).toBe(1011);
    expect(await fault).toEqual([broken]);
    expect(node.fault).toBe(broken);
  });
});
