import { Agent, fetch as undiciFetch } from "undici";

/**
 * A fetch whose connections leave from `localAddress` (e.g. 127.0.0.2 on loopback), so a node
 * sees its requests come from that address: a client its rate-limit allow-list does not name.
 */
export function fetchFrom(localAddress: string): { fetch: typeof fetch; close(): Promise<void> } {
  const agent = new Agent({ localAddress });
  const bound = (input: string | URL, init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(input, { ...init, dispatcher: agent });
  // undici's own Request and Response types: the same shape as the global fetch's.
  return { fetch: bound as unknown as typeof fetch, close: () => agent.close() };
}
