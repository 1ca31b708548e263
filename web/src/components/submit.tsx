import { App as AntApp } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Operation } from "../../../src/app/operations/index.js";
import { useSuite } from "../chain/suite.js";
import { type Committed, signAndSubmit } from "../chain/tx.js";
import { useSession } from "../session.js";
import { useErrorText } from "./states.js";

/**
 * Signs and submits an operation with the active key, showing pending, then committed with its
 * block, or the translated error. Returns undefined when it failed (the message says why).
 */
export function useSubmit() {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const session = useSession();
  const suite = useSuite();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);

  /** `onError` also hears the failure, for a caller that acts on its code (an import's refused row). */
  async function submit(op: Operation, onError?: (error: unknown) => void): Promise<Committed | undefined> {
    if (!suite || !session.unlocked) {
      void message.error(t("keys.unlockFirst"));
      return undefined;
    }
    const key = `tx-${op.kind}`;
    setBusy(true);
    void message.open({ key, type: "loading", content: t("tx.pending"), duration: 0 });
    try {
      const done = await signAndSubmit(suite, session.chainId, session.unlocked, op);
      void message.open({
        key,
        type: "success",
        content: (
          <span data-testid="tx-committed">
            {t("tx.committed", { height: done.height })}{" "}
            <a href={`/auditor?block=${done.height}`}>{t("tx.viewBlock")}</a>
          </span>
        ),
        duration: 4,
      });
      return done;
    } catch (error) {
      onError?.(error);
      void message.open({
        key,
        type: "error",
        content: <span role="alert">{errorText(error)}</span>,
        duration: 8,
      });
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { submit, busy };
}
