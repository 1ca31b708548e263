/**
 * The tests' one polling wait: polls until `condition` holds (a throw counts as "not yet"),
 * failing after `timeoutMs`. Tests wait on a condition this way, never on a sleep.
 */
export async function until(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(condition)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
