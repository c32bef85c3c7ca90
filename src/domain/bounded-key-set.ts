// Insertion-ordered set that forgets its oldest keys beyond a capacity: a memory of events
// handled, exits reported and deaths seen, bounded for a long uptime.
export class BoundedKeySet {
  private readonly keys = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(key: string): boolean {
    return this.keys.has(key);
  }
  add(key: string): void {
    this.keys.delete(key);
    this.keys.add(key);
    while (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next().value as string;
      this.keys.delete(oldest);
    }
  }
  delete(key: string): void {
    this.keys.delete(key);
  }
}
