/**
 * At most `max` uses per key within `windowMs` (a sliding log, in memory: each replica counts on its
 * own, enough to bound abuse of one address). The clock is given so the rule is tested without waiting.
 */
export class WindowLimit {
  private readonly uses = new Map<string, number[]>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a use of `key` when allowed: true; false when the key used up its window (nothing recorded). */
  take(key: string): boolean {
    const at = this.now();
    const recent = (this.uses.get(key) ?? []).filter((t) => t > at - this.windowMs);
    if (recent.length >= this.max) {
      this.uses.set(key, recent);
      return false;
    }
    recent.push(at);
    this.uses.set(key, recent);
    if (this.uses.size > 50_000)
      for (const [k, v] of this.uses) if (v.every((t) => t <= at - this.windowMs)) this.uses.delete(k);
    return true;
  }
}
