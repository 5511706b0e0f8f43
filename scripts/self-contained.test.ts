import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// A newcomer reads this repository alone: no comment, README or doc may send them to a file that is
// not in it. These are the names of the notes the project was written from, kept outside the tree.
const root = path.resolve(__dirname, '..');
const OUTSIDE =
  /\b(platform-notes|house-style|interfaces|perf-baselines|ecosystem-notes|brief|public-api|praxis)\.md\b|\.\.\/shared\//;

it('no tracked file cites a document outside the repository', () => {
  const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.(ts|mjs|js|md|ya?ml|prisma|sh|json)$/.test(f) && f !== 'scripts/self-contained.test.ts');
  expect(files.length).toBeGreaterThan(100); // the scan really ran over the tree
  const hits: string[] = [];
  for (const f of files) {
    const full = path.join(root, f);
    if (!fs.existsSync(full)) continue;
    fs.readFileSync(full, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (OUTSIDE.test(line)) hits.push(`${f}:${i + 1}: ${line.trim()}`);
      });
  }
  expect(hits).toEqual([]);
});
