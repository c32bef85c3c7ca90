// What a consumer's decoder makes of one stream entry (CONTRACT §6 malformed jobs).

export type DecodedEntry<J> =
  /** A well-formed job. */
  | { kind: 'job'; gameId: string; job: J }
  /** Malformed, with a readable game_id (valid or not): answered with a failure result `invalid_request`. */
  | { kind: 'invalid'; gameId: string; message: string }
  /** No readable game_id to answer to: logged and counted (`reason` is the metric label). */
  | { kind: 'rejected'; reason: RejectionReason; message: string };

export type RejectionReason = 'missing_game_id' | 'invalid_game_id' | 'undecodable';
