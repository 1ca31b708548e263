import { LedgerError } from "../errors.js";

/**
 * Storage and WAL errors are fatal. A node that cannot write its blocks or its votes cannot keep
 * its promises (a vote it sends might not be logged, a commit might be half-known), so it stops at
 * the first such error with one log line and a defined exit code, and restarts cleanly from what
 * is durable once the fault is fixed.
 */
export const EXIT_CODE = {
  /** A bug: an error nobody expected. */
  unexpected: 1,
  /** The node could not start: invalid config, a port in use, a missing file. Nothing was left running. */
  startup: 2,
  /** The store or the consensus WAL failed (disk full, I/O error): the node stopped. */
  storageFault: 3,
} as const;

/** Wraps every method of `target` so that whatever it throws is reported to `onFault`, then rethrown. */
export function reportingFaults<T extends object>(target: T, onFault: (error: unknown) => void): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        try {
          return value.apply(object, args);
        } catch (error) {
          onFault(error);
          throw error;
        }
      };
    },
  });
}

/** A node that could not start; whatever it had opened is closed again. */
export class StartupError extends LedgerError {}

/** One line that says what could not start and why, for an error from a listen, open or read. */
export function startupFailure(error: unknown, what: string): LedgerError {
  if (error instanceof LedgerError) return error;
  const { code, message } = error as NodeJS.ErrnoException;
  const reason =
    code === "EADDRINUSE"
      ? "the address is already in use"
      : code === "EADDRNOTAVAIL"
        ? "no such address on this machine"
        : code === "EACCES"
          ? "permission denied"
          : message;
  return new StartupError("NODE_START_FAILED", `${what}: ${reason}`, { errno: code });
}
