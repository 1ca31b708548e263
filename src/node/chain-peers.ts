import { VALIDATORS_KEY } from "../app/genesis.js";
import { chainNodes, listNodes, NODE_KEY_PREFIX } from "../app/governance/nodes.js";
import { PREVIOUS_SET_KEY, readScheduledSet, SCHEDULED_SET_KEY } from "../app/governance/validator-set.js";
import { ORG_REMOVED_KEY_PREFIX } from "../app/identity/records.js";
import type { StateWriteEntry } from "../app/state.js";
import { hasPrefix, toHex } from "../ledger/bytes.js";
import type { Chain } from "./chain.js";

/**
 * The p2p peers the chain permits: every validator, those a scheduled change will add, and the
 * observers governance registered (minus those of a removed organisation). The transport lets
 * them in beside its configured peers, so a node governance adds needs no restart anywhere.
 */

/** More registered nodes than this is not a consortium; the scan stays bounded. */
const MAX_REGISTERED_NODES = 10_000;
/** State that decides who is permitted: the validator set (and its schedule), nodes, removed organisations. */
const PEER_STATE_PREFIXES = [
  VALIDATORS_KEY,
  SCHEDULED_SET_KEY,
  PREVIOUS_SET_KEY,
  NODE_KEY_PREFIX,
  ORG_REMOVED_KEY_PREFIX,
];

export function chainPeerIds(chain: Chain, hash: (data: Uint8Array) => Uint8Array): string[] {
  const registered = listNodes(chain.store.stateEntries(NODE_KEY_PREFIX, MAX_REGISTERED_NODES));
  const ids = chainNodes(chain.state, registered, hash).map((node) => toHex(node.publicKey));
  for (const v of readScheduledSet(chain.state)?.validators ?? []) ids.push(toHex(v.publicKey));
  return ids;
}

/** Whether a block's writes may change who is permitted (most blocks do not). */
export function changesPeers(writes: readonly StateWriteEntry[]): boolean {
  return writes.some((w) => PEER_STATE_PREFIXES.some((prefix) => hasPrefix(w.key, prefix)));
}
