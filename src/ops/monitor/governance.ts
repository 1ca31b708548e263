import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { txCodecs } from "../../app/executor.js";
import { fromHex } from "../../ledger/bytes.js";
import { decodeSignedTx } from "../../ledger/tx.js";
import { bestNode } from "./best-node.js";
import { MonitorError } from "./errors.js";
import type { Monitor } from "./monitor.js";

/** The operations the monitor forwards: governance proposals and approvals, nothing else. */
const GOVERNANCE_KINDS: ReadonlySet<string> = new Set(["proposeGovernance", "approveProposal"]);
const submitBody = z
  .object({ tx: z.string().regex(/^([0-9a-f]{2})+$/, "the signed transaction's encoding, in hex") })
  .strict();

/**
 * Governance through the monitor (`/v1/ops/governance/...`): the proposals with their approvals,
 * read from the best node, and a door for governance transactions an admin signed elsewhere
 * (the console signs in the browser; the monitor holds no keys), forwarded to the best node and
 * answered once committed.
 */
export function governanceRoutes(app: FastifyInstance, monitor: Monitor): void {
  app.get("/v1/ops/governance/proposals", async () => {
    const { name, client } = bestNode(monitor);
    return { node: name, ...(await client.proposals()) };
  });
  app.post("/v1/ops/governance/txs", async (request) => {
    const parsed = submitBody.safeParse(request.body ?? {});
    if (!parsed.success)
      throw new MonitorError("BAD_REQUEST", `tx: ${parsed.error.issues[0]?.message ?? "required"}`);
    const bytes = fromHex(parsed.data.tx);
    const kind = decodeSignedTx(bytes, txCodecs).op.kind; // a CodecError is a 400 like any bad input
    if (!GOVERNANCE_KINDS.has(kind)) {
      throw new MonitorError(
        "NOT_GOVERNANCE",
        `the monitor forwards governance transactions only (${[...GOVERNANCE_KINDS].join(", ")}), not ${kind}`,
      );
    }
    const { name, client } = bestNode(monitor);
    const committed = await client.waitForTx(await client.submitTx(bytes), { timeoutMs: 30_000 });
    return { node: name, hash: committed.hash, height: committed.height, result: committed.result };
  });
}
