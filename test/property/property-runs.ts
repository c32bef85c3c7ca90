// One place for the property runs' bounds and seed: RTM_PROPERTY_SEED replays a run,
// RTM_PROPERTY_RUNS scales it. The seed is printed so a failure can be replayed.
import fc from 'fast-check';

export const PROPERTY_SEED = Number(process.env.RTM_PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const scale = Number(process.env.RTM_PROPERTY_RUNS ?? 1);

/** fast-check parameters for `numRuns` cases (scaled), all from the printed seed. */
export function propertyRuns(numRuns: number, label: string): fc.Parameters<unknown> {
  const runs = Math.max(1, Math.round(numRuns * scale));
  process.stdout.write(`[property] ${label}: ${runs} cases, seed ${PROPERTY_SEED} (RTM_PROPERTY_SEED=${PROPERTY_SEED} replays)\n`);
  return { seed: PROPERTY_SEED, numRuns: runs, endOnFailure: true };
}

/** Strings from a small alphabet that keeps hitting the edges (separators, dots, case, slashes). */
export function edgyString(maxLength: number): fc.Arbitrary<string> {
  const chars = fc.constantFrom(...'aZz09-_.:/@+ \t\n%\\\u0000é'.split(''), '..', '../', '%2e', '%2F', 'sha256:');
  return fc.oneof(
    fc.string({ maxLength }),
    fc.array(chars, { maxLength }).map((parts) => parts.join('')),
    fc.string({ unit: 'grapheme', maxLength }),
  );
}
