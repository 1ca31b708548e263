import { useRef } from "react";

/**
 * The value while it is there, else the last one it was: a view made of several queries keeps
 * showing its last complete state while one new part (a new order, a new tip) is read.
 */
export function useLastComplete<T>(value: T | undefined): T | undefined {
  const last = useRef<T | undefined>(undefined);
  if (value !== undefined) last.current = value;
  return value ?? last.current;
}
