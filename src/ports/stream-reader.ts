/** One Redis Stream entry, its flat fields decoded into a record. */
export interface StreamEntry {
  /** `ms-seq`, as Redis assigned it. */
  id: string;
  fields: Record<string, string>;
  /**
   * Field names the entry carried more than once (the last value won). Empty for every
   * well-formed entry; consumers may reject or count entries where it is not.
   */
  duplicateFields: string[];
}

export interface StreamReadOptions {
  /** At most this many entries. */
  count: number;
  /** Wait up to this long for a first entry when none is there; 0 = do not wait. */
  blockMs: number;
  /** Aborting ends the wait at once with no entries. */
  signal?: AbortSignal;
}

/** Reads streams in order from a known position (CONTRACT §6 consumers). */
export interface StreamReader {
  /**
   * Entries strictly after `afterId` (`0` = from the beginning), oldest first. A missing
   * stream reads as empty. Rejects on an invalid id or a Redis failure.
   */
  readAfter(stream: string, afterId: string, opts: StreamReadOptions): Promise<StreamEntry[]>;
  /** Id of the newest entry, or null when the stream is empty or missing (for lag metrics). */
  lastEntryId(stream: string): Promise<string | null>;
}
