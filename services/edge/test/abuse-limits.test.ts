import { heavyReadCost, perMinute, RateLimiter } from '@pc/service-kit';

// The token bucket and which reads are heavy: pure, on a clock the test moves.
describe('RateLimiter', () => {
  it('allows the capacity at once, then one more per refill period, and says how long to wait', () => {
    let now = 0;
    const l = new RateLimiter(perMinute(3), () => now);
    expect([l.take('k'), l.take('k'), l.take('k')]).toEqual([0, 0, 0]);
    expect(l.take('k')).toBeCloseTo(20); // 3 per minute: one every 20 s
    expect(l.take('other')).toBe(0); // keys are separate
    now += 10_000;
    expect(l.waitFor('k')).toBeCloseTo(10);
    now += 10_000;
    expect(l.take('k')).toBe(0);
    now += 3_600_000;
    expect([l.take('k'), l.take('k'), l.take('k'), l.take('k') > 0]).toEqual([0, 0, 0, true]); // never above capacity
  });

  it('charges failures past empty, so a burst of them waits longer; a cost above capacity needs a full bucket', () => {
    let now = 0;
    const l = new RateLimiter(perMinute(2), () => now);
    for (let i = 0; i < 4; i++) l.charge('ip');
    expect(l.waitFor('ip')).toBeCloseTo(90); // level −2: three refills of 30 s to reach 1
    now += 90_000;
    expect(l.waitFor('ip')).toBe(0);
    const big = new RateLimiter(perMinute(3), () => now);
    expect(big.take('k', 5)).toBe(0);
    expect(big.take('k', 5)).toBeCloseTo(60);
  });

  it('forgets full buckets when it holds too many keys', () => {
    let now = 0;
    const l = new RateLimiter(perMinute(1), () => now, 2);
    l.take('a');
    l.take('b');
    now += 60_000; // a and b are full again
    l.take('c'); // three keys > 2: the full ones are dropped, c stays
    expect(l.waitFor('c')).toBeGreaterThan(0);
    expect(l.waitFor('a')).toBe(0);
  });
});

describe('heavy reads', () => {
  it.each([
    ['GET', '/v1/reports/compliance', {}, 1],
    ['GET', '/v1/reports/compliance', { format: 'csv' }, 1],
    ['GET', '/v1/reports/compliance', { format: 'pdf' }, 5],
    ['GET', '/v1/me/calendar.ics', {}, 1],
    ['GET', '/v1/audit/verify', { funderId: 'f' }, 1],
    ['GET', '/v1/audit/events', { funderId: 'f' }, 1],
    ['POST', '/v1/audit/verify', {}, 1],
    ['GET', '/v1/obligations', {}, null],
    ['POST', '/v1/reports/compliance', {}, null],
  ])('%s %s %j costs %s', (method, path, query, cost) => {
    expect(heavyReadCost(method, path, query)).toBe(cost);
  });
});
