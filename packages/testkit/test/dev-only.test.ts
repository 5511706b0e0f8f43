import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../src';

// The test kit drops databases and vhosts and signs principals with the test secret: production
// code must never load it. Only devDependencies may name it, and no source under src/ imports it.
const workspace = [
  'contracts',
  ...['packages', 'services'].flatMap((d) => fs.readdirSync(path.join(repoRoot, d)).map((n) => path.join(d, n))),
].filter((dir) => fs.existsSync(path.join(repoRoot, dir, 'package.json')));

function sources(dir: string): string[] {
  const abs = path.join(repoRoot, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' || e.name === 'node_modules' ? [] : sources(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

describe('@pc/testkit', () => {
  it('is a devDependency only, in every package of the workspace', () => {
    expect(workspace.length).toBeGreaterThanOrEqual(10);
    const manifests = ['.', ...workspace].map((dir) => ({
      dir,
      pkg: JSON.parse(fs.readFileSync(path.join(repoRoot, dir, 'package.json'), 'utf8')),
    }));
    const asRuntime = manifests.filter(({ pkg }) =>
      ['dependencies', 'peerDependencies', 'optionalDependencies'].some((k) => pkg[k]?.['@pc/testkit']),
    );
    expect(asRuntime.map((m) => m.dir)).toEqual([]);
    expect(manifests.filter(({ pkg }) => pkg.devDependencies?.['@pc/testkit']).length).toBeGreaterThan(0);
  });

  it('is imported by no production source', () => {
    const files = workspace.filter((dir) => !dir.endsWith('testkit')).flatMap((dir) => sources(path.join(dir, 'src')));
    expect(files.length).toBeGreaterThan(50);
    const importing = files.filter((f) =>
      /from '@pc\/testkit'|require\('@pc\/testkit'\)/.test(fs.readFileSync(path.join(repoRoot, f), 'utf8')),
    );
    expect(importing).toEqual([]);
  });
});
