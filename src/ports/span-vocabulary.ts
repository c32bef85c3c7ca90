// The span vocabulary callers on both sides of a port share (docs/observability.md "Spans"):
// the REST edge adds the game to its request span, the telemetry decorators
// (src/adapters/telemetry/) name and annotate the spans of the ports' calls.

/** The game id's key in spans, as in log lines, stream fields and REST paths: one search finds a game everywhere. */
export const GAME_ID_ATTRIBUTE = 'game_id';
