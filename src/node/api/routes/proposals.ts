import { type ChainNode, chainNodes, listNodes, NODE_KEY_PREFIX } from "../../../app/governance/nodes.js";
import { approvalsNeeded, listProposals, PROPOSAL_KEY_PREFIX } from "../../../app/governance/proposals.js";
import { listOrganisationIds } from "../../../app/identity/records.js";
import { toHex } from "../../../ledger/bytes.js";
import { type ChainNodeJson, chainNodeListSchema, proposalListSchema } from "../../../sdk/wire/index.js";
import { toJson } from "../json.js";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** The most proposals (and registered nodes) one answer lists. */
const MAX_PROPOSALS = 1_000;

function chainNodeJson(node: ChainNode): ChainNodeJson {
  return {
    name: node.name,
    publicKey: toHex(node.publicKey),
    organisation: node.organisation,
    role: node.role,
    power: node.power.toString(),
    certificateSerial: node.certificate?.certificateSerial ?? null,
    certificateNotAfterMs: node.certificate?.certificateNotAfterMs.toString() ?? null,
    registeredHeight: node.certificate?.registeredHeight.toString() ?? null,
  };
}

/** Governance proposals on the chain, pending and scheduled, with their approvals; the nodes it knows. */
export const proposalRoutes: RouteModule = async (app, { node }) => {
  app.get(
    "/v1/governance/proposals",
    {
      schema: {
        operationId: "listProposals",
        tags: ["governance"],
        summary:
          "Governance proposals: their actions, the organisations that approved, how many approvals are needed, and when an approved one applies",
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
  app.get(
    "/v1/governance/nodes",
    {
      schema: {
        operationId: "listChainNodes",
        tags: ["governance"],
        summary:
          "The nodes the chain knows: the validators and the observers governance registered, with the node certificates it recorded",
        response: { 200: chainNodeListSchema, ...refusals },
      },
    },
    async () => {
      const registered = listNodes(node.chain.store.stateEntries(NODE_KEY_PREFIX, MAX_PROPOSALS));
      return {
        height: node.chain.height.toString(),
        nodes: chainNodes(node.chain.state, registered, node.suite.hash).map(chainNodeJson),
      };
    },
  );
};
