/** Host state folders, one per game under RTMANAGER_GAME_STATE_ROOT. Never deleted by RTM. */
export interface StateDirectories {
  /** Host path of the game's folder (pure; game_id must already be valid). */
  pathFor(gameId: string): string;
  /** Creates the folder if missing with the configured mode/uid/gid; returns its path. */
  ensure(gameId: string): Promise<string>;
}
