import { keys } from "../../../src/app/marketing/records.js";
import { fromHex } from "../../../src/ledger/bytes.js";
import { decode, struct, u64 } from "../../../src/ledger/codec.js";
import { api, type OrderViewJson } from "./api.js";
import { client } from "./tx.js";

const orderSeqCodec = struct({ n: u64 });

/** How many order ids the chain has handed out (ids are 0..n-1 in creation order). */
export async function orderCount(): Promise<bigint> {
  const answer = await client.state(keys.orderSeq());
  return answer.value === null ? 0n : decode(orderSeqCodec, fromHex(answer.value)).n;
}

/** The newest `limit` orders, newest first, optionally of one enterprise. */
export async function recentOrders(limit: number, enterprise?: string): Promise<OrderViewJson[]> {
  const n = await orderCount();
  const ids: bigint[] = [];
  for (let id = n - 1n; id >= 0n && ids.length < limit; id--) ids.push(id);
  const views = await Promise.all(ids.map((id) => api.order(id.toString()).catch(() => undefined)));
  return views.filter(
    (v): v is OrderViewJson => v !== undefined && (!enterprise || v.order.enterprise === enterprise),
  );
}
