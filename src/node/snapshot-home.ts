import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Genesis, genesisSchema } from "../app/genesis.js";
import { getSuite } from "../crypto/index.js";
import type { Suite } from "../crypto/suite.js";
import { ChainStore } from "../storage/chain-store.js";
import { Chain } from "./chain.js";
import { HOME_FILES, loadNodeConfig, parseWith } from "./config.js";
import { readJsonFile } from "./files.js";
import { SnapshotError, snapshotState, takeSnapshot, verifySnapshot } from "./snapshot.js";

/** `mkl node snapshot` and `mkl node restore`: snapshots (snapshot.ts) to and from a node's home. */

function openHome(home: string): { dataDir: string; genesis: Genesis; suite: Suite } {
  const config = loadNodeConfig(home);
  const genesis = parseWith(genesisSchema, readJsonFile(join(home, HOME_FILES.genesis)), "genesis.json");
  return { dataDir: config.dataDir, genesis, suite: getSuite(genesis.suite) };
}

/**
 * Writes the verified snapshot of `height` from the node in `home` to `out` (written beside it,
 * checked as a restorer would, then renamed, so a reader never sees half a file or a bad one).
 * LMDB lets this read while the node runs. Entries stream from the store to the file.
 */
export async function writeSnapshot(
  home: string,
  height: bigint,
  out: string,
): Promise<{ bytes: number; entries: number; stateRoot: string }> {
  const { dataDir, genesis, suite } = openHome(home);
  if (!existsSync(dataDir)) throw new SnapshotError("SNAPSHOT_NO_HEIGHT", `${home} has no chain data yet`);
  const store = ChainStore.openReadOnly(dataDir);
  const partial = `${out}.partial`;
  try {
    const written = takeSnapshot(store, suite, genesis, height, partial);
    const verified = verifySnapshot(partial, suite, genesis);
    renameSync(partial, out);
    return { ...written, stateRoot: Buffer.from(verified.stateRoot).toString("hex") };
  } finally {
    rmSync(partial, { force: true });
    await store.close();
  }
}

/**
 * Starts the new node in `home` from a snapshot file: verified against the home's genesis file
 * (SnapshotError if it does not hold, and nothing is written), then read again into an empty
 * store batch by batch; `mkl node start` then syncs the blocks after it from peers.
 */
export async function restoreSnapshot(
  home: string,
  file: string,
): Promise<{ height: bigint; entries: number }> {
  const { dataDir, genesis, suite } = openHome(home);
  const verified = verifySnapshot(file, suite, genesis);
  const store = ChainStore.open(dataDir);
  try {
    // An interrupted restore is taken up again; anything else must be a new node.
    if (!store.restoreIncomplete()) {
      if (store.head() !== undefined && store.head() !== 0n)
        throw new SnapshotError(
          "SNAPSHOT_NOT_NEW",
          `${dataDir} already holds a chain at height ${store.head()}`,
        );
      Chain.open(store, suite, genesis); // writes genesis (height 0): the restored store keeps it
    }
    store.restore(verified, snapshotState(file, suite, verified));
    return { height: verified.height, entries: verified.entries };
  } finally {
    await store.close();
  }
}
