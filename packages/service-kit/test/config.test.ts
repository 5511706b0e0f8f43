import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import { repoRoot } from '@pc/testkit';
import { baseEnv, ConfigError, loadConfig } from '../src';

describe('configuration parsed once at boot', () => {
  it('names every missing or invalid variable', () => {
    const shape = { ...baseEnv, PORT: z.coerce.number().int().min(0).max(65535), ADMIN_TOKEN: z.string().min(16) };
    expect(() => loadConfig(shape, { DATABASE_URL: 'mysql://x', PORT: 'eighty' })).toThrow(ConfigError);
    try {
      loadConfig(shape, { DATABASE_URL: 'mysql://x', PORT: 'eighty' });
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toContain('DATABASE_URL');
      expect(msg).toContain('PORT');
      expect(msg).toContain('ADMIN_TOKEN');
    }
  });

  it('a service refuses to start with a message naming the variable', () => {
    const r = spawnSync(
      path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [path.join(repoRoot, 'services', 'edge', 'src', 'main.ts')],
      {
        env: { PATH: process.env.PATH, AMQP_URL: 'http://not-amqp' },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ADMIN_TOKEN/);
    expect(r.stderr).toMatch(/AMQP_URL/);
  }, 40_000);

  // The source once had a default INTERNAL_SECRET: anyone who read it could forge a principal for a
  // service started without the variable. Now there is no default at all.
  it('has no default INTERNAL_SECRET: a missing one is named, with how to make one', () => {
    expect(() => loadConfig(baseEnv, {})).toThrow(ConfigError);
    try {
      loadConfig(baseEnv, {});
    } catch (err) {
      expect((err as Error).message).toMatch(/INTERNAL_SECRET: is required/);
    }
    expect(() => loadConfig(baseEnv, { INTERNAL_SECRET: 'dev-internal-secret-change-me' })).toThrow(
      /INTERNAL_SECRET: must be at least 32 characters/,
    );
    expect(loadConfig(baseEnv, { INTERNAL_SECRET: 'x'.repeat(32) }).INTERNAL_SECRET).toBe('x'.repeat(32));
  });

  it('a service started without INTERNAL_SECRET refuses to start, naming it', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'services', 'reports', 'src', 'main.ts')],
      {
        cwd: repoRoot,
        // everything else valid; a database nobody listens on, so nothing is touched even if it started
        env: { PATH: process.env.PATH, DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/reports refuses to start: .*INTERNAL_SECRET: is required/);
  }, 40_000);
});
