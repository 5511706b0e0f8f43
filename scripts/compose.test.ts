import fs from 'node:fs';
import path from 'node:path';

// docker-compose.yml once defaulted ADMIN_TOKEN to a fixed string on a published port and published
// RabbitMQ's management UI on every interface. Nothing secret has a default; only the API is public.
const compose = fs.readFileSync(path.join(__dirname, '..', 'docker-compose.yml'), 'utf8');

describe('docker-compose.yml', () => {
  it('requires ADMIN_TOKEN and gives INTERNAL_SECRET no value (pnpm start makes one per run)', () => {
    const admin = /^\s*ADMIN_TOKEN:\s*(.+)$/m.exec(compose)?.[1] ?? '';
    expect(admin).toMatch(/^\$\{ADMIN_TOKEN:\?/);
    expect(compose).not.toMatch(/ADMIN_TOKEN:-/);
    expect(compose).not.toMatch(/INTERNAL_SECRET/);
  });

  it('publishes only the public API on every interface; the rest on loopback only', () => {
    const published = [...compose.matchAll(/ports:\s*\[([^\]]*)\]/g)].flatMap((m) =>
      (m[1] ?? '').split(',').map((p) => p.trim().replace(/^['"]|['"]$/g, '')),
    );
    expect(published.length).toBeGreaterThan(0);
    const everywhere = published.filter((p) => !p.startsWith('127.0.0.1:'));
    expect(everywhere).toEqual(['8080:8080']);
    expect(published).not.toContain('15672:15672');
  });

  it('has no guest on the broker: an administrator from a required secret makes one user per service', () => {
    const settings = compose
      .split('\n')
      .filter((l) => !l.trim().startsWith('#'))
      .join('\n');
    expect(settings).not.toMatch(/guest/);
    const pass = /^\s*RABBITMQ_DEFAULT_PASS:\s*(.+)$/m.exec(compose)?.[1] ?? '';
    expect(pass).toMatch(/^\$\{BROKER_ADMIN_PASSWORD:\?/);
    expect(compose).toMatch(/^\s*RABBITMQ_DEFAULT_USER:\s*pc-admin$/m);
    // start.ts gives each service its own user through the management API (same names as `pnpm start`)
    expect(compose).toMatch(
      /^\s*BROKER_MANAGEMENT_URL:\s*http:\/\/pc-admin:\$\{BROKER_ADMIN_PASSWORD:\?[^}]*\}@rabbitmq:15672$/m,
    );
    const amqp = /^\s*AMQP_URL:\s*(.+)$/m.exec(compose)?.[1] ?? '';
    expect(new URL(amqp).username).toBe('');
  });
});
