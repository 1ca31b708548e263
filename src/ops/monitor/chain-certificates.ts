import type { ChainNodeJson } from "../../sdk/client.js";
import type { NodeSample } from "./scrape.js";

/** The series the node certificate rule reads, for the node's own files and for the chain. */
export const CERTIFICATE_EXPIRY = "mkl_certificate_earliest_expiry_timestamp_seconds";

/**
 * Beside the expiry a node reports of its own certificate files (`scope="node"`), the expiry the
 * chain registered for it under gov/node/ (`GET /v1/governance/nodes`), as the same series with
 * `source="chain"`: NodeCertificateExpiring matches both, so a certificate renewed on disk but not
 * through governance (or the other way round) still warns. A node is matched by its consensus
 * public key, which its status names as `consensus.nodeId`; one the chain holds no certificate for gets none.
 */
export function withRegisteredCertificates(
  samples: readonly NodeSample[],
  chainNodes: readonly ChainNodeJson[],
): NodeSample[] {
  const expiryByKey = new Map(
    chainNodes.flatMap((n) =>
      n.certificateNotAfterMs === null
        ? []
        : [[n.publicKey, Number(n.certificateNotAfterMs) / 1000] as const],
    ),
  );
  return samples.map((s) => {
    const expiry = s.status === undefined ? undefined : expiryByKey.get(s.status.consensus.nodeId);
    if (expiry === undefined) return s;
    return {
      ...s,
      series: [
        ...s.series,
        { metric: CERTIFICATE_EXPIRY, labels: { scope: "node", source: "chain" }, value: expiry },
      ],
    };
  });
}
