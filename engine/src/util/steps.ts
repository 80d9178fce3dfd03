/** Runs a stepwise computation (a generator that pauses between steps) to its end, without pausing. */
export function finish<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}
