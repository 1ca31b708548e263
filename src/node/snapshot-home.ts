import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Genesis, genesisSchema } from "../app/genesis.js";
import { getSuite } from "../crypto/index.js";
import type { Suite } from "../crypto/suite.js";
import { ChainStore } from "../storage/chain-store.js";
import { Chain } from "./chain.js";
import { HOME_FILES, loadNodeConfig, parseWith } from "./config.js";
import { readJsonFile } from "./files.js";
import { SnapshotError, takeSnapshot, verifySnapshot } from "./snapshot.js";

/** `mkl node snapshot` and `mkl node restore`: snapshots (snapshot.ts) to and from a node's home. */

function openHome(home: string): { dataDir: string; genesis: Genesis; suite: Suite } {
  const config = loadNodeConfig(home);
  const genesis = parseWith(genesisSchema, readJsonFile(join(home, HOME_FILES.genesis)), "genesis.json");
  return { dataDir: config.dataDir, genesis, suite: getSuite(genesis.suite) };
}

/**
 * Writes the verified snapshot of `height` from the node in `home` to `out` (written beside it,
 * then renamed, so a reader never sees half a file). LMDB lets this read while the node runs.
 */
export async function writeSnapshot(
  home: string,
  height: bigint,
  out: string,
): Promise<{ bytes: number; stateRoot: string }> {
  const { dataDir, genesis, suite } = openHome(home);
  if (!existsSync(dataDir)) throw new SnapshotError("SNAPSHOT_NO_HEIGHT", `${home} has no chain data yet`);
  const store = ChainStore.openReadOnly(dataDir);
  try {
    const encoded = takeSnapshot(store, suite, genesis, height);
    const partial = `${out}.partial`;
    writeFileSync(partial, encoded);
    renameSync(partial, out);
    const root = store.stateRootAt(height) as Uint8Array;
    return { bytes: encoded.length, stateRoot: Buffer.from(root).toString("hex") };
  } finally {
    await store.close();
  }
}

/**
 * Starts the new node in `home` from a snapshot file: verified against the home's genesis file
 * (SnapshotError if it does not hold, and nothing is written), then written into an empty
 * store; `mkl node start` then syncs the blocks after it from peers.
 */
export async function restoreSnapshot(
  home: string,
  file: string,
): Promise<{ height: bigint; entries: number }> {
  const { dataDir, genesis, suite } = openHome(home);
  let encoded: Uint8Array;
  try {
    encoded = readFileSync(file);
  } catch (error) {
    throw new SnapshotError("SNAPSHOT_UNREADABLE", `cannot read ${file}: ${(error as Error).message}`);
  }
  const verified = verifySnapshot(encoded, suite, genesis);
  const store = ChainStore.open(dataDir);
  try {
    if (store.head() !== undefined && store.head() !== 0n)
      throw new SnapshotError(
        "SNAPSHOT_NOT_NEW",
        `${dataDir} already holds a chain at height ${store.head()}`,
      );
    Chain.open(store, suite, genesis); // writes genesis (height 0): the restored store keeps it
    store.restore({
      height: verified.height,
      blockHash: verified.blockHash,
      blockBytes: verified.blockBytes,
      stateWrites: verified.entries,
      stateNodes: verified.stateNodes,
      stateRoot: verified.stateRoot,
    });
    return { height: verified.height, entries: verified.entries.length };
  } finally {
    await store.close();
  }
}
