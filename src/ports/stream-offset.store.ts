/** Last processed stream entry id per consumer label (CONTRACT §6). */
export interface StreamOffsetStore {
  /** null when the consumer has never stored an offset (start at the beginning). */
  load(consumerLabel: string): Promise<string | null>;
  save(consumerLabel: string, entryId: string): Promise<void>;
}
