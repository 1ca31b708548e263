import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, open, type RootDatabase } from "lmdb";
import type { ChainStore, CommitBatch } from "../../src/storage/chain-store.js";

/** Bytes this process has handed to write(2) and pwrite(2) so far (wchar of /proc/self/io). */
export function writtenBytes(): number {
  return Number(/^wchar:\s+(\d+)/m.exec(readFileSync("/proc/self/io", "utf8"))?.[1] ?? 0);
}

/**
 * The resident kB of this process's mappings of `file` (/proc/self/smaps): the pages of it the
 * kernel counts in this process's RSS (RssFile), as opposed to those only in the page cache.
 */
export function mappedKb(file: string): number {
  let kb = 0;
  let inFile = false;
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.endsWith(` ${file}`);
    else if (inFile && line.startsWith("Rss:")) kb += Number(/(\d+)/.exec(line)?.[1] ?? 0);
  }
  return kb;
}

/** One way to key the state tree's nodes in an LMDB database of its own. */
interface Layout {
  readonly name: string;
  readonly root: RootDatabase;
  readonly db: Database<Uint8Array, Uint8Array>;
  readonly key: (height: bigint, hash: Uint8Array) => Uint8Array;
  written: number;
}

/** What one layout cost over the blocks it was given. */
export interface LayoutFigures {
  readonly name: string;
  /** Bytes its commits wrote (LMDB's page writes). */
  readonly writtenBytes: number;
  /** Its file up to the last page, and the pages its database uses. */
  readonly fileBytes: number;
  readonly inUseBytes: number;
  /** Its file's pages resident in this process (touched by the writes' copies and the reads). */
  readonly mappedBytes: number;
}

/**
 * A side experiment on how the tree's nodes are keyed, fed the very nodes a chain commits and
 * reads: every block's new nodes are written, in one durable transaction per block, into two
 * databases of their own, one keyed by hash (as `state-nodes` is) and one keyed by the height
 * that wrote them and then the hash (Jellyfish Merkle's version-first order), and every node the
 * chain reads from its store is read from both. The height-first database stores each inner node
 * 16 bytes longer (its children's heights, which a reader would need to find them). Nothing here
 * changes the chain: it says what a change of layout would buy.
 */
export class NodeLayoutProbe {
  private readonly dir = mkdtempSync(join(tmpdir(), "mkl-node-layout-"));
  private readonly layouts: Layout[];
  /** Where each node was written (the height-first layout's readers would carry this). */
  private readonly heightOf = new Map<string, bigint>();
  private height = 0n;

  constructor() {
    const layout = (name: string, key: Layout["key"]): Layout => {
      const root = open({
        path: join(this.dir, name),
        maxDbs: 2,
        overlappingSync: false,
        compression: false,
        mapSize: 64 * 2 ** 30,
      });
      return {
        name,
        root,
        db: root.openDB({ name: "nodes", encoding: "binary", keyEncoding: "binary" }),
        key,
        written: 0,
      };
    };
    this.layouts = [
      layout("by-hash", (_height, hash) => hash),
      layout("by-height", (height, hash) => {
        const key = new Uint8Array(8 + hash.length);
        new DataView(key.buffer).setBigUint64(0, height);
        key.set(hash, 8);
        return key;
      }),
    ];
  }

  /** Feeds the probe every commit and every tree-node read of `store` (wraps its two methods). */
  watch(store: ChainStore): void {
    const commit = store.commit.bind(store);
    const getStateNode = store.getStateNode.bind(store);
    store.commit = (batch: CommitBatch) => {
      commit(batch);
      this.committed(batch);
    };
    store.getStateNode = (hash: Uint8Array) => {
      const node = getStateNode(hash);
      if (node !== undefined) this.read(hash);
      return node;
    };
  }

  private committed(batch: CommitBatch): void {
    this.height = batch.height;
    const nodes = [...batch.stateNodes].map(([hex, bytes]) => ({ hash: Buffer.from(hex, "hex"), bytes }));
    for (const { hash } of nodes) this.heightOf.set(hash.toString("hex"), batch.height);
    for (const layout of this.layouts) {
      const before = writtenBytes();
      const entries = nodes
        .map(({ hash, bytes }) => ({
          key: layout.key(batch.height, hash),
          // An inner node (tag 0) in the height-first layout also holds its children's heights.
          value:
            layout.name === "by-height" && bytes[0] === 0
              ? Buffer.concat([bytes, new Uint8Array(16)])
              : bytes,
        }))
        .sort((a, b) => Buffer.compare(a.key, b.key));
      layout.root.transactionSync(() => {
        for (const { key, value } of entries) layout.db.putSync(key, value);
      });
      layout.written += writtenBytes() - before;
    }
  }

  private read(hash: Uint8Array): void {
    const height = this.heightOf.get(Buffer.from(hash).toString("hex")) ?? this.height;
    for (const layout of this.layouts) layout.db.getBinary(layout.key(height, hash));
  }

  /** Bytes the probe's own commits wrote (to leave out of the chain's figures). */
  get written(): number {
    return this.layouts.reduce((a, l) => a + l.written, 0);
  }

  figures(): LayoutFigures[] {
    return this.layouts.map((layout) => {
      const env = layout.root.getStats() as { lastPageNumber: number; pageSize: number };
      const db = layout.db.getStats() as {
        treeBranchPageCount: number;
        treeLeafPageCount: number;
        overflowPages: number;
      };
      return {
        name: layout.name,
        writtenBytes: layout.written,
        fileBytes: env.lastPageNumber * env.pageSize,
        inUseBytes: (db.treeBranchPageCount + db.treeLeafPageCount + db.overflowPages) * env.pageSize,
        mappedBytes: mappedKb(join(this.dir, layout.name, "data.mdb")) * 1024,
      };
    });
  }

  async close(): Promise<void> {
    for (const layout of this.layouts) await layout.root.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
