import { countCodec, indexEntryCodec, keys } from "../../../src/app/marketing/records.js";
import { fromHex } from "../../../src/ledger/bytes.js";
import { type Codec, decode } from "../../../src/ledger/codec.js";
import { client } from "./client.js";

/** One state value read from the node at a height (the latest when none is given), decoded by the chain's codec. */
export interface ReadAt<T> {
  value: T | undefined;
  height: bigint;
  /** The block time of that height (0 when the node has no header for it). */
  timeMs: bigint;
}

export async function readState<T>(key: Uint8Array, codec: Codec<T>, height?: bigint): Promise<ReadAt<T>> {
  const answer = await client.state(key, height);
  return {
    value: answer.value === null ? undefined : decode(codec, fromHex(answer.value)),
    height: BigInt(answer.height),
    timeMs: answer.header ? BigInt(answer.header.timeMs) : 0n,
  };
}

/** The values of one of an enterprise's indexes (products, channels, marketers), as the chain's readIndex reads them. */
export async function readIndexValues(org: string, dim: string, height?: bigint): Promise<string[]> {
  const count = (await readState(keys.indexCount(org, dim), countCodec, height)).value?.n ?? 0n;
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i));
  const entries = await Promise.all(
    ids.map((i) => readState(keys.index(org, dim, i), indexEntryCodec, height)),
  );
  return entries.flatMap((e) => (e.value ? [e.value.s] : []));
}
