// What the composition root opened, closed in reverse order (last opened, first closed).
// A failing close is logged and does not stop the others.
import type { Logger } from 'pino';

export class Closers {
  private readonly closers: Array<() => Promise<void>> = [];

  constructor(private readonly logger: Logger) {}

  add(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) {
      await close().catch((err: unknown) => this.logger.warn({ err }, 'close failed'));
    }
  }
}
