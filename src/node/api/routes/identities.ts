import { z } from "zod";
import { lookupIdentity } from "../../../app/identity/registry.js";
import { identitySchema } from "../../../sdk/wire/index.js";
import { notFound } from "../errors.js";
import { toJson } from "../json.js";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/** Who a user code names: role, organisation, status, settlement account; never personal data. */
export const identityRoutes: RouteModule = async (app, { node }) => {
  app.get(
    "/v1/identities/:code",
    {
      schema: {
        operationId: "getIdentity",
        tags: ["identities"],
        summary:
          "Look up a user code (mkl1…): role, organisation, status, settlement account, certificate expiry; never personal data",
        params: z.object({ code: z.string().min(1).max(64).describe("a user code (mkl1…)") }),
        response: { 200: identitySchema, ...refusals },
      },
    },
    async (request) => {
      const { code } = request.params;
      const identity = lookupIdentity(node.chain.state, code);
      if (identity === undefined) throw notFound(`identity ${code}`);
      return {
        ...toJson(identity),
        certificateNotAfterMs: identity.certificateNotAfterMs?.toString() ?? null,
        height: node.chain.height.toString(),
      };
    },
  );
};
