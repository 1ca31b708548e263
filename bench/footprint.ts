import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { open } from "lmdb";
import { getSuite } from "../src/crypto/index.js";
import type { SuiteId } from "../src/crypto/suite.js";
import { decode } from "../src/ledger/codec.js";
import { smtNodeCodec } from "../src/ledger/state/nodes.js";
import { DEFAULT_PRUNE_BATCH_NODES, RECOMMENDED_KEEP_HEIGHTS } from "../src/node/state-pruner.js";
import type { BenchRow } from "./table.js";
import { LocalChain } from "./workload/local-chain.js";
import { MarketingWorkload, marketingParties, seedMarketing } from "./workload/marketing.js";
import { mappedKb, NodeLayoutProbe, writtenBytes } from "./workload/node-layout.js";
import { LoadSigner } from "./workload/signer.js";

/** The named databases of src/storage/chain-store.ts. */
const DATABASES = [
  "blocks",
  "results",
  "block-hashes",
  "tx-index",
  "state",
  "state-nodes",
  "state-roots",
  "stale-nodes",
  "remade-nodes",
  "pinned-roots",
  "meta",
] as const;

/** A state key's family: "mkt/order/", "acct/" ... (the text before its second '/', or all of a short key). */
function familyOf(key: Uint8Array): string {
  const text = Buffer.from(key.subarray(0, 40)).toString("latin1");
  const first = text.indexOf("/");
  const second = first < 0 ? -1 : text.indexOf("/", first + 1);
  return second < 0 ? text.replace(/[^\x20-\x7e]/g, "?") : text.slice(0, second + 1);
}

interface Tally {
  entries: number;
  bytes: number;
}

/** Bytes of `file` in the page cache (util-linux fincore), or NaN where it is not installed. */
function cachedBytes(file: string): number {
  try {
    return Number(
      execFileSync("fincore", ["--bytes", "--noheadings", "--output", "RES", file], {
        encoding: "utf8",
      }).trim(),
    );
  } catch {
    return Number.NaN;
  }
}

const add = (m: Map<string, Tally>, k: string, bytes: number) => {
  const t = m.get(k) ?? { entries: 0, bytes: 0 };
  t.entries++;
  t.bytes += bytes;
  m.set(k, t);
};

/**
 * Where the bytes of the `marketing` workload go: the business mix executed on a local
 * validator's chain (blocks of `blockTxs`, as the four-validator run's blocks are), then every
 * named LMDB database weighed (key and value bytes, and the pages LMDB gives it), the state
 * tree's nodes split into inner nodes and leaves by the state key's family and into those the
 * latest root still reaches and those only older roots do. Bytes per committed transaction
 * hardly depend on load, so this is the figure to compare storage changes by.
 */
export async function runFootprintBench(
  suiteId: SuiteId,
  orders = 2_000,
  blockTxs = 300,
  keepHeights = RECOMMENDED_KEEP_HEIGHTS,
): Promise<BenchRow[]> {
  const suite = getSuite(suiteId);
  const local = await LocalChain.open(suiteId, marketingParties(), blockTxs, {
    keepHeights,
    batchNodes: DEFAULT_PRUNE_BATCH_NODES,
  });
  // The same nodes keyed by hash and by height, in databases of their own (written after the
  // chain's commit; their writes are left out of the chain's figures below).
  const probe = new NodeLayoutProbe();
  probe.watch(local.store);
  const ownWritten = () => writtenBytes() - probe.written;
  try {
    const signer = new LoadSigner(suite);
    const setup = await seedMarketing(suite, local.keys, signer, local, local, 7);
    const txsBefore = local.blocks.reduce((a, b) => a + b.txs, 0);
    const load = new MarketingWorkload(setup, signer, local, local, "refunded");
    // In two halves: how the file and its pages in use grow over the second half, once the
    // pruner (when on) deletes as much as the chain supersedes and LMDB may reuse freed pages.
    const committedTxs = () => local.blocks.reduce((a, b) => a + b.txs, 0);
    const writtenBefore = ownWritten();
    load.createOrders(orders >> 1);
    await local.drained();
    const half = {
      txs: committedTxs(),
      blocks: local.blocks.length,
      pages: local.store.pageStats(),
      written: ownWritten(),
    };
    load.createOrders(orders - (orders >> 1));
    await local.drained();
    const written = ownWritten();
    const dataFile = join(local.dataDir, "data.mdb");
    const fileKb = { mapped: mappedKb(dataFile), cached: cachedBytes(dataFile) / 1024 };
    const layouts = probe.figures();
    // The probe's own maps are resident in this process too: left out of its RSS figures below.
    const probeMb = layouts.reduce((a, l) => a + l.mappedBytes, 0) / 2 ** 20;
    if (load.failures.size > 0) throw new Error(`footprint: failures ${[...load.failures].join(" ")}`);
    const txs = committedTxs();
    const end = local.store.pageStats();
    const per1000 = (pages: number) => (1000 * pages * end.pageSize) / (txs - half.txs);
    const memory = process.memoryUsage();
    // Resident memory by kind: anonymous (heap, buffers, allocator) or file-backed (LMDB's map, code).
    const rollup = readFileSync("/proc/self/smaps_rollup", "utf8");
    const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? 0);
    const pruning = keepHeights === 0 ? "archive (no pruning)" : `pruning, last ${keepHeights} roots kept`;
    const label = `${suiteId} marketing, ${orders} orders (${txs} txs incl. ${txsBefore} of set-up, ${local.blocks.length} blocks of <= ${blockTxs}; ${pruning})`;
    const root = open({ path: local.dataDir, maxDbs: 16, readOnly: true });
    const rows: BenchRow[] = [
      {
        name: `${label}: second half, file growth per 1,000 txs (${half.txs} to ${txs} txs)`,
        value: per1000(end.filePages - half.pages.filePages) / 1024,
        unit: "KB",
      },
      {
        name: `${label}: second half, growth of the pages in use per 1,000 txs`,
        value: per1000(end.pagesInUse - half.pages.pagesInUse) / 1024,
        unit: "KB",
      },
      {
        name: `${label}: bytes written to the file (LMDB's page writes) per committed tx after set-up`,
        value: (written - writtenBefore) / (txs - txsBefore),
        unit: "B/tx",
      },
      {
        name: `${label}:   the same, second half only (${Math.round((written - half.written) / 2 ** 20)} MB over ${local.blocks.length - half.blocks} blocks)`,
        value: (written - half.written) / (txs - half.txs),
        unit: "B/tx",
      },
      {
        name: `${label}: pruning batches ${local.pruning.batches}, nodes deleted ${local.pruning.deleted}, wall ms per batch (off the commit path)`,
        value: local.pruning.batches === 0 ? 0 : local.pruning.ms / local.pruning.batches,
        unit: "ms",
      },
    ];
    try {
      const perTx = (bytes: number) => bytes / txs;
      let pagesTotal = 0;
      for (const name of DATABASES) {
        const db = root.openDB({ name, encoding: "binary", keyEncoding: "binary" });
        const stats = db.getStats() as {
          treeBranchPageCount: number;
          treeLeafPageCount: number;
          overflowPages: number;
          entryCount: number;
          pageSize: number;
        };
        let bytes = 0;
        for (const { key, value } of db.getRange({}))
          bytes += (key as Uint8Array).length + (value as Uint8Array).length;
        const pages = stats.treeBranchPageCount + stats.treeLeafPageCount + stats.overflowPages;
        pagesTotal += pages;
        rows.push({
          name: `${label}: ${name} (${stats.entryCount} entries, ${Math.round(perTx(pages * stats.pageSize))} B of pages per tx)`,
          value: perTx(bytes),
          unit: "B/tx",
        });
      }
      rows.push({ name: `${label}: all databases, pages`, value: perTx(pagesTotal * 4096), unit: "B/tx" });
      // Pages in use against the file's high-water mark: the rest is LMDB's free list.
      const env = root.getStats() as { lastPageNumber: number; pageSize: number };
      rows.push({
        name: `${label}: the file up to its last page (${Math.round((env.lastPageNumber * env.pageSize) / 2 ** 20)} MB; ${Math.round((100 * pagesTotal) / env.lastPageNumber)} % of its pages in use)`,
        value: perTx(env.lastPageNumber * env.pageSize),
        unit: "B/tx",
      });

      // The tree's nodes: which the latest root reaches, and what kind each is.
      const nodes = root.openDB({ name: "state-nodes", encoding: "binary", keyEncoding: "binary" });
      const roots = root.openDB({ name: "state-roots", encoding: "binary", keyEncoding: "binary" });
      const latest = [...roots.getRange({ reverse: true, limit: 1 })][0]?.value as Uint8Array;
      const live = new Set<string>();
      const stack = [latest];
      while (stack.length > 0) {
        const hash = stack.pop() as Uint8Array;
        const hex = Buffer.from(hash).toString("hex");
        if (live.has(hex) || hash.every((b) => b === 0)) continue;
        live.add(hex);
        const node = decode(smtNodeCodec, nodes.getBinary(hash) as Uint8Array);
        if (node.kind === "inner") stack.push(node.value.left, node.value.right);
      }
      const kinds = new Map<string, Tally>();
      const leaves = new Map<string, Tally>();
      for (const { key, value } of nodes.getRange({})) {
        const bytes = (key as Uint8Array).length + (value as Uint8Array).length;
        const node = decode(smtNodeCodec, value as Uint8Array);
        const reached = live.has(Buffer.from(key as Uint8Array).toString("hex"))
          ? "latest root"
          : "older roots only";
        add(kinds, `${node.kind}, ${reached}`, bytes);
        if (node.kind === "leaf") add(leaves, familyOf(node.value.key), bytes);
      }
      for (const [kind, t] of [...kinds].sort((a, b) => b[1].bytes - a[1].bytes))
        rows.push({
          name: `${label}:   state-nodes ${kind} (${t.entries})`,
          value: perTx(t.bytes),
          unit: "B/tx",
        });
      for (const [family, t] of [...leaves].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 10))
        rows.push({
          name: `${label}:   state-nodes leaves of ${family} (${t.entries})`,
          value: perTx(t.bytes),
          unit: "B/tx",
        });
      const state = new Map<string, Tally>();
      for (const { key, value } of root
        .openDB({ name: "state", encoding: "binary", keyEncoding: "binary" })
        .getRange({}))
        add(state, familyOf(key as Uint8Array), (key as Uint8Array).length + (value as Uint8Array).length);
      for (const [family, t] of [...state].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 8))
        rows.push({
          name: `${label}:   state of ${family} (${t.entries})`,
          value: perTx(t.bytes),
          unit: "B/tx",
        });
    } finally {
      await root.close();
    }
    for (const layout of layouts)
      rows.push({
        name: `${label}: tree nodes alone keyed ${layout.name === "by-hash" ? "by hash (as state-nodes)" : "by height, then hash (inner nodes +16 B)"}: written ${Math.round(layout.writtenBytes / txs)} B/tx, file ${Math.round(layout.fileBytes / txs)} B/tx (${Math.round((100 * layout.inUseBytes) / layout.fileBytes)} % in use), resident after the chain's reads ${Math.round(layout.mappedBytes / 2 ** 20)} MB of ${Math.round(layout.fileBytes / 2 ** 20)} MB`,
        value: layout.writtenBytes / txs,
        unit: "B/tx",
      });
    rows.push(
      {
        name: `${label}: this process's RSS at the end (less the layout probe's maps)`,
        value: memory.rss / 2 ** 20 - probeMb,
        unit: "MB",
      },
      { name: `${label}:   V8 heap used`, value: memory.heapUsed / 2 ** 20, unit: "MB" },
      { name: `${label}:   external (buffers)`, value: memory.external / 2 ** 20, unit: "MB" },
      { name: `${label}:   resident anonymous memory`, value: kB("Anonymous") / 1024, unit: "MB" },
      {
        name: `${label}:   resident file-backed memory (LMDB map, code)`,
        value: (kB("Rss") - kB("Anonymous")) / 1024 - probeMb,
        unit: "MB",
      },
      {
        name: `${label}:     of it data.mdb mapped by the node's store`,
        value: fileKb.mapped / 1024,
        unit: "MB",
      },
      {
        name: `${label}:   data.mdb in the page cache (mapped or not; fincore)`,
        value: fileKb.cached / 1024,
        unit: "MB",
      },
    );
    return rows;
  } finally {
    await local.close();
    await probe.close();
  }
}
