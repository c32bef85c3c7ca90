/** Minimal Lobby view, for diagnostics only: a start never fails because Lobby is down. */
export interface LobbyGameRecord {
  gameId: string;
  status: string;
}

export interface LobbyClient {
  /** null when Lobby does not know the game; throws on transport failure (callers log and go on). */
  getGame(gameId: string): Promise<LobbyGameRecord | null>;
}
