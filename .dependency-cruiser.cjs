// Layers, lowest first. A module may import only from its own layer or below.
// crypto < ledger < pki < (consensus, app) < (storage, sdk) < node < (ops, integrations) < cli ; errors.ts is shared by all.
const core = "^src/(crypto|ledger|pki|consensus|app)/";
module.exports = {
  forbidden: [
    {
      name: "crypto-is-the-bottom",
      severity: "error",
      from: { path: "^src/crypto/" },
      to: { path: "^src/(ledger|pki|consensus|app|storage|node|sdk|ops|cli)/" },
    },
    {
      name: "ledger-sits-on-crypto",
      severity: "error",
      from: { path: "^src/ledger/" },
      to: { path: "^src/(pki|consensus|app|storage|node|sdk|ops|cli)/" },
    },
    {
      name: "pki-sits-on-ledger",
      severity: "error",
      from: { path: "^src/pki/" },
      to: { path: "^src/(consensus|app|storage|node|sdk|ops|cli)/" },
    },
    {
      name: "consensus-knows-no-app",
      severity: "error",
      from: { path: "^src/consensus/" },
      to: { path: "^src/(app|storage|node|sdk|ops|cli)/" },
    },
    {
      name: "app-knows-no-consensus",
      severity: "error",
      from: { path: "^src/app/" },
      to: { path: "^src/(consensus|storage|node|sdk|ops|cli)/" },
    },
    {
      name: "core-does-no-io",
      severity: "error",
      comment: "the deterministic core never touches disk, network, clock or env",
      from: { path: core, pathNot: "\\.test\\.ts$" },
      to: {
        path: "^(node:)?(fs|fs/promises|net|tls|http|https|dgram|child_process|worker_threads|os|process|timers)$",
        dependencyTypes: ["core"],
      },
    },
    {
      name: "core-reads-no-clock",
      severity: "error",
      comment: "the shell's wall clock (src/clock.ts); the core's time is the block header's",
      from: { path: core, pathNot: "\\.test\\.ts$" },
      to: { path: "^src/clock\\.ts$" },
    },
    {
      name: "storage-below-node",
      severity: "error",
      from: { path: "^src/storage/" },
      to: { path: "^src/(node|sdk|ops|cli)/" },
    },
    {
      name: "sdk-is-a-client",
      severity: "error",
      comment: "the SDK talks to nodes over HTTP; it never links the node",
      from: { path: "^src/sdk/" },
      to: { path: "^src/(storage|node|ops|cli|consensus)/" },
    },
    {
      name: "node-below-cli",
      severity: "error",
      from: { path: "^src/node/" },
      to: { path: "^src/(ops|cli)/" },
    },
    {
      name: "integrations-are-clients",
      severity: "error",
      comment: "webhooks, connectors and indexers follow a node over its API (the SDK); they never link it",
      from: { path: "^src/integrations/", pathNot: "\\.test-util\\.ts$" },
      to: { path: "^src/(storage|consensus|ops|cli)/|^src/node/(?!files\\.ts$|key-files\\.ts$)" },
    },
    {
      name: "nothing-below-uses-integrations",
      severity: "error",
      from: { path: "^src/(crypto|ledger|pki|consensus|app|storage|sdk|node|ops)/" },
      to: { path: "^src/integrations/" },
    },
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "\\.test\\.ts$" },
  },
};
