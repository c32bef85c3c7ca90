/** One dependency /readyz asks (PostgreSQL, Redis, Docker, the game network). */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when healthy; rejects with a reason. */
  check(): Promise<void>;
}

/** What /readyz reports: each check by name (the four dependencies plus failing components). */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
  /** This instance's role (CONTRACT §11); absent until the first leader election round ran. */
  role?: 'leader' | 'standby';
}
