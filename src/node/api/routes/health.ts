import { type ProbeJson, probeSchema } from "../../../sdk/wire/index.js";
import type { ReadinessCheck } from "../../readiness.js";
import { refusals } from "../params.js";
import type { RouteModule } from "./types.js";

/**
 * Probes for supervisors and load balancers, split as Kubernetes and Fabric split them:
 * `/livez` fails only when a restart is the cure (a storage or WAL fault), `/readyz` also when
 * the node cannot serve the chain's current state (no peers, no recent commit, catching up).
 * `/healthz`, the old probe, answers as `/livez` does.
 */
export const healthRoutes: RouteModule = async (app, { node }) => {
  const probe = (checks: ReadinessCheck[]): ProbeJson => ({
    ok: checks.every((c) => c.ok),
    height: node.chain.height.toString(),
    checks,
    failing: checks.filter((c) => !c.ok).map((c) => c.name),
  });
  const probes = [
    {
      url: "/livez",
      operationId: "getLiveness",
      summary: "Liveness: the process serves and its storage works (503: restart it)",
      checks: () => node.liveness(),
    },
    {
      url: "/healthz",
      operationId: "getHealth",
      summary: "The old liveness probe, kept for existing supervisors: answers as /livez",
      checks: () => node.liveness(),
    },
    {
      url: "/readyz",
      operationId: "getReadiness",
      summary:
        "Readiness: storage works, peers connected, a recent commit, not catching up (503 names what fails)",
      checks: () => node.readiness(),
    },
  ];
  for (const { url, operationId, summary, checks } of probes) {
    app.get(
      url,
      {
        schema: {
          operationId,
          tags: ["node"],
          summary,
          response: { 200: probeSchema, 503: probeSchema, ...refusals },
        },
      },
      async (_request, reply) => {
        const body = probe(checks());
        return reply.code(body.ok ? 200 : 503).send(body);
      },
    );
  }
};
