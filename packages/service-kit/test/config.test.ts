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
});
