import { getSuite } from "../../../src/crypto/index.js";
import type { Suite } from "../../../src/crypto/suite.js";
import { useSession } from "../session.js";

/** The chain's crypto suite (pure JavaScript in the browser), once the node's status is known. */
export function useSuite(): Suite | undefined {
  const { suiteId } = useSession();
  return suiteId ? getSuite(suiteId) : undefined;
}
