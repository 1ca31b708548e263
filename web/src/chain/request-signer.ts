import { useTranslation } from "react-i18next";
import { systemClock } from "../../../src/clock.js";
import { LedgerError } from "../../../src/errors.js";
import { type RequestScheme, signRequest } from "../../../src/sdk/signed-request.js";
import { useSession } from "../session.js";
import { useSuite } from "./suite.js";

/** Signs one request: its headers. */
export type RequestSigner = (
  method: "POST" | "DELETE",
  path: string,
  body?: object,
) => Record<string, string>;

/**
 * Signs requests of `scheme` (src/sdk/signed-request.ts: an operator's write to the monitor, a
 * buyer's payment) with the session's unlocked key, as the CLI signs with a key file; refused
 * here (KEY_LOCKED) while the key is locked.
 */
export function useRequestSigner(scheme: RequestScheme): RequestSigner {
  const { t } = useTranslation();
  const suite = useSuite();
  const { unlocked } = useSession();
  return (method, path, body) => {
    if (suite === undefined || unlocked === undefined)
      throw new LedgerError("KEY_LOCKED", t("keys.unlockFirst"));
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
    return signRequest(scheme, suite, unlocked, { method, path, body }, systemClock.now(), random);
  };
}
