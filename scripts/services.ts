import fs from 'node:fs';
import path from 'node:path';

export const root = path.resolve(__dirname, '..');
export interface ServiceInfo {
  name: string;
  schema: string | null;
  port: number;
  urlEnv: string | null;
}

/** The services of infra/services.json that exist in this checkout. */
export function builtServices(): ServiceInfo[] {
  const all = (
    JSON.parse(fs.readFileSync(path.join(root, 'infra', 'services.json'), 'utf8')) as { services: ServiceInfo[] }
  ).services;
  return all.filter((s) => fs.existsSync(path.join(root, 'services', s.name, 'src', 'main.ts')));
}
