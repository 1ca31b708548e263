/**
 * Bytes on the wire during a load: what the nodes sent one another (p2p frames, from each node's
 * /v1/status, before TLS) and what the load generator sent the nodes (request bodies). Plain
 * fetch for the status, so that it reads an older node too (A/B runs).
 */
export async function p2pSentBytes(urls: readonly string[]): Promise<number> {
  const totals = await Promise.all(
    urls.map(async (url) => {
      const status = (await (await fetch(`${url}/v1/status`)).json()) as {
        peers?: Array<{ sentBytes?: number }>;
      };
      return (status.peers ?? []).reduce((a, p) => a + (p.sentBytes ?? 0), 0);
    }),
  );
  return totals.reduce((a, n) => a + n, 0);
}

/** A fetch that counts the request body bytes it sends (for the SDK client's `fetch` option). */
export class CountingFetch {
  bodyBytes = 0;

  readonly fetch: typeof fetch = (input, init) => {
    const body = init?.body;
    if (typeof body === "string") this.bodyBytes += Buffer.byteLength(body);
    else if (body instanceof Uint8Array) this.bodyBytes += body.byteLength;
    return fetch(input, init);
  };
}
