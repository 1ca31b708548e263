import {
  openSnapshotFile,
  type SnapshotEntry,
  type SnapshotHeader,
  writeSnapshotFile,
} from "./snapshot-file.js";

export interface SnapshotContents {
  header: SnapshotHeader;
  entries: SnapshotEntry[];
}

/** A snapshot file's whole contents in memory (tests only: their snapshots are small). */
export function readSnapshotContents(path: string): SnapshotContents {
  const reader = openSnapshotFile(path);
  try {
    return { header: reader.header, entries: [...reader.entries()] };
  } finally {
    reader.close();
  }
}

/** Writes `to` from `from`'s contents as `change` leaves them (to make tampered copies). */
export function rewriteSnapshot(
  from: string,
  to: string,
  change: (contents: SnapshotContents) => SnapshotContents,
): string {
  const { header, entries } = change(structuredClone(readSnapshotContents(from)));
  writeSnapshotFile(to, header, entries);
  return to;
}
