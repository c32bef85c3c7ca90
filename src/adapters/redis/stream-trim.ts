// Approximate trimming of the streams RTM writes (XADD ... MAXLEN ~ N): Redis drops whole
// radix-tree nodes only, so a stream keeps at least N entries (a little more, at most about
// one node of `stream-node-max-entries`, default 100) and trimming costs nearly nothing.
// Defaults and their sizing: docs/observability.md "Stream retention".

/** The XADD arguments before the id: none when `maxLen` is 0 (never trim). */
export function xaddTrimArgs(maxLen: number): string[] {
  return maxLen > 0 ? ['MAXLEN', '~', String(maxLen)] : [];
}
