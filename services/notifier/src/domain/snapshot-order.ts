/*
 * Which of several events about one record, handled together, ends applied: the same record as
 * handling them one by one in delivery order would leave, so a batch may write each record once.
 */

/**
 * Snapshots carry a revision and only a newer one replaces the stored one: of one agreement's
 * snapshots, the first of the highest revision (a later equal revision is a replay, ignored).
 */
export function newestPerAgreement<T extends { agreementId: string; revision: number }>(snapshots: readonly T[]): T[] {
  const newest = new Map<string, T>();
  for (const s of snapshots) {
    const seen = newest.get(s.agreementId);
    if (!seen || s.revision > seen.revision) newest.set(s.agreementId, s);
  }
  return [...newest.values()];
}

/** Records that are simply overwritten (funders, programmes): the last one of each key. */
export function lastPerKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  const last = new Map<string, T>();
  for (const i of items) last.set(key(i), i);
  return [...last.values()];
}
