/** One dependency /readyz asks (PostgreSQL, Redis, Docker, the game network). */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when healthy; rejects with a reason. */
  check(): Promise<void>;
}
