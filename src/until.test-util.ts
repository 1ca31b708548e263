/** Often enough that a wait ends soon after its condition holds, rarely enough to add no load. */
const POLL_MS = 25;

/**
 * The tests' one polling wait: polls until `condition` holds (a throw counts as "not yet"),
 * failing after `timeoutMs` with `what` and the condition's last error. Tests wait on a
 * condition this way, never on a sleep.
 */
export async function until(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  const holds = () =>
    Promise.resolve()
      .then(condition)
      .catch((error: unknown) => {
        lastError = error;
        return false;
      });
  while (!(await holds())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`, { cause: lastError });
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
