import { EVIDENCE_KEY_PREFIX, listEvidence } from "../../../app/governance/evidence.js";
import { evidenceListSchema } from "../../../sdk/wire/index.js";
import { toJson } from "../json.js";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** The most evidence records one answer lists. */
const MAX_EVIDENCE = 1_000;

/** Double-signing evidence on the chain. */
export const evidenceRoutes: RouteModule = async (app, { node }) => {
  app.get(
    "/v1/evidence",
    {
      schema: {
        operationId: "listEvidence",
        tags: ["governance"],
        summary:
          "Double-signing evidence on the chain (validator, height, round, vote type, who reported it)",
        response: { 200: evidenceListSchema, ...refusals },
      },
    },
    async () => ({
      evidence: toJson(listEvidence(node.chain.store.stateEntries(EVIDENCE_KEY_PREFIX, MAX_EVIDENCE))),
    }),
  );
};
