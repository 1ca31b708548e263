import { Alert, Empty, Spin } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { LedgerError } from "../../../src/errors.js";

/** A chain or API error code becomes a translated sentence; the node's own message is the detail. */
export function useErrorText(): (error: unknown) => string {
  const { t } = useTranslation();
  return (error) => {
    if (error instanceof LedgerError) {
      return t(`errors.${error.code}`, {
        defaultValue: t("errors.generic", { code: error.code, message: error.message }),
        message: error.message,
      });
    }
    return error instanceof Error ? error.message : String(error);
  };
}

export function ErrorState({ error, title }: { error: unknown; title?: string }) {
  const { t } = useTranslation();
  const text = useErrorText();
  const code = error instanceof LedgerError ? error.code : undefined;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={title ?? t("common.error")}
      description={
        <span>
          {text(error)}
          {code ? <code className="error-code"> {code}</code> : null}
        </span>
      }
    />
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <div className="state-loading" aria-busy="true">
      <Spin />
      <span>{label ?? t("common.loading")}</span>
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <Empty description={children} />;
}

/** Loading, error, empty or the content: every page's four states in one place. */
export function QueryState<T>({
  query,
  empty,
  isEmpty,
  children,
}: {
  query: { isLoading: boolean; error: unknown; data: T | undefined };
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  if (query.isLoading) return <Loading />;
  if (query.error) return <ErrorState error={query.error} />;
  if (query.data === undefined) return <Loading />;
  if (isEmpty?.(query.data)) return <EmptyState>{empty}</EmptyState>;
  return <>{children(query.data)}</>;
}
