import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyPair, SuiteId } from "../crypto/suite.js";
import { initSoloHome } from "./home.js";

export interface SoloTestHome {
  readonly home: string;
  /** Funded with 10,000 fen at genesis. */
  readonly alice: KeyPair;
  /** Known at genesis with nothing. */
  readonly bob: KeyPair;
  remove(): void;
}

/** A fresh single-validator home with two genesis accounts and the given config.json. */
export function soloTestHome(
  prefix: string,
  config: Record<string, unknown>,
  suite: SuiteId = "sm",
): SoloTestHome {
  const home = mkdtempSync(join(tmpdir(), `mkl-${prefix}-`));
  const { accounts } = initSoloHome(home, {
    suite,
    chainId: `${prefix}-test`,
    apiPort: 0,
    fundedAccounts: [
      { name: "alice", balanceFen: 10_000n },
      { name: "bob", balanceFen: 0n },
    ],
    genesisTimeMs: 1_700_000_000_000n,
  });
  writeFileSync(join(home, "config.json"), JSON.stringify(config));
  return {
    home,
    alice: accounts.get("alice") as KeyPair,
    bob: accounts.get("bob") as KeyPair,
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}
