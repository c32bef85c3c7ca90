// Optional bearer tokens for /api/v1/internal/* (CONTRACT §5). Compared in constant time:
// both sides are hashed first so neither the content nor the length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

export class BearerTokens {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map((t) => createHash('sha256').update(t).digest());
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** `authorization` header value -> accepted? */
  accepts(header: string | undefined): boolean {
    if (!header) return false;
    const m = /^Bearer ([^\s]+)$/.exec(header.trim());
    if (!m || !m[1]) return false;
    const presented = createHash('sha256').update(m[1]).digest();
    let ok = false;
    // Check every configured token, no early exit.
    for (const d of this.digests) ok = timingSafeEqual(d, presented) || ok;
    return ok;
  }
}
