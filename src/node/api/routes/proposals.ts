import { approvalsNeeded, listProposals, PROPOSAL_KEY_PREFIX } from "../../../app/governance/proposals.js";
import { listOrganisationIds } from "../../../app/identity/records.js";
import { proposalListSchema } from "../../../sdk/wire/index.js";
import { toJson } from "../json.js";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** The most proposals one answer lists. */
const MAX_PROPOSALS = 1_000;

/** Governance proposals on the chain, pending and scheduled, with their approvals. */
export const proposalRoutes: RouteModule = async (app, { node }) => {
  app.get(
    "/v1/governance/proposals",
    {
      schema: {
        operationId: "listProposals",
        tags: ["governance"],
        summary:
          "Validator-set proposals: the changes, the organisations that approved, how many approvals are needed, and when a scheduled one applies",
        response: { 200: proposalListSchema, ...refusals },
      },
    },
    async () => {
      // Read synchronously, so the height, the members and the proposals are of one state.
      const members = listOrganisationIds(node.chain.state).length;
      return {
        height: node.chain.height.toString(),
        members,
        approvalsNeeded: approvalsNeeded(members),
        proposals: toJson(listProposals(node.chain.store.stateEntries(PROPOSAL_KEY_PREFIX, MAX_PROPOSALS))),
      };
    },
  );
};
