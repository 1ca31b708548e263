import { useQuery } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";
import { isSuiteId, type KeyPair, type SuiteId } from "../../src/crypto/suite.js";
import type { StatusJson } from "../../src/sdk/client.js";
import { api, type IdentityJson } from "./chain/api.js";
import { listKeys, type StoredKey } from "./keys/storage.js";

/** What every page needs: the chain (suite, id), the keys in this browser and the one in use. */
export interface Session {
  status: StatusJson | undefined;
  statusError: Error | null;
  suiteId: SuiteId | undefined;
  chainId: string;
  keys: StoredKey[];
  refreshKeys(): void;
  active: StoredKey | undefined;
  /** The active key's private half, when unlocked in this tab. */
  unlocked: KeyPair | undefined;
  select(id: string): void;
  unlock(id: string, pair: KeyPair): void;
  lock(): void;
  identity: IdentityJson | undefined;
  identityLoading: boolean;
  refreshIdentity(): void;
}

const SessionContext = createContext<Session | undefined>(undefined);
const ACTIVE_KEY = "mkl.activeKey.v1";

export function SessionProvider({ children }: { children: ReactNode }) {
  const statusQuery = useQuery({ queryKey: ["status"], queryFn: () => api.status(), staleTime: 60_000 });
  const [keys, setKeys] = useState<StoredKey[]>(() => listKeys());
  const [activeId, setActiveId] = useState<string | null>(() => localStorage.getItem(ACTIVE_KEY));
  const [unlocked, setUnlocked] = useState<Map<string, KeyPair>>(() => new Map());
  const active = keys.find((k) => k.id === activeId) ?? keys[0];
  const identityQuery = useQuery({
    queryKey: ["identity", active?.userCode],
    queryFn: () => api.identity(active!.userCode),
    enabled: active !== undefined,
    retry: false,
  });
  const suiteId: SuiteId | undefined =
    statusQuery.data && isSuiteId(statusQuery.data.suite) ? statusQuery.data.suite : undefined;

  const refreshKeys = useCallback(() => setKeys(listKeys()), []);
  const select = useCallback((id: string) => {
    localStorage.setItem(ACTIVE_KEY, id);
    setActiveId(id);
  }, []);
  const unlock = useCallback(
    (id: string, pair: KeyPair) => {
      setUnlocked((m) => new Map(m).set(id, pair));
      select(id);
    },
    [select],
  );
  const lock = useCallback(() => setUnlocked(new Map()), []);

  const value = useMemo<Session>(
    () => ({
      status: statusQuery.data,
      statusError: statusQuery.error,
      suiteId,
      chainId: statusQuery.data?.chainId ?? "",
      keys,
      refreshKeys,
      active,
      unlocked: active ? unlocked.get(active.id) : undefined,
      select,
      unlock,
      lock,
      identity: identityQuery.data,
      identityLoading: identityQuery.isLoading,
      refreshIdentity: () => void identityQuery.refetch(),
    }),
    [
      statusQuery.data,
      statusQuery.error,
      suiteId,
      keys,
      refreshKeys,
      active,
      unlocked,
      select,
      unlock,
      lock,
      identityQuery,
    ],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
