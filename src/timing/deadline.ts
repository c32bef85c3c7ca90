// A timeout race: settle with the work, or reject with what `onTimeout` builds once `ms`
// have passed (the Docker adapter's calls, the health checks, readiness, shutdown). The
// timer never outlives the race. A call that takes an AbortSignal and stops by itself (the
// probe's fetch) is given a timer that aborts it instead.
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), Math.max(0, ms));
    timer.unref?.();
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves true when `done` settles within `ms`, false when the time ran out first. */
export async function settlesWithin(done: Promise<unknown>, ms: number): Promise<boolean> {
  try {
    return await withDeadline(
      done.then(
        () => true,
        () => true,
      ),
      ms,
      () => new Error('deadline'),
    );
  } catch {
    return false;
  }
}
