import fs from 'node:fs';
import path from 'node:path';

// ARCHITECTURE.md's "Where does it live" table is what a newcomer follows to find a rule: every file
// it names exists, and the README it links to names that file too (one hop from the service README).
const root = path.resolve(__dirname, '..');
const architecture = fs.readFileSync(path.join(root, 'ARCHITECTURE.md'), 'utf8');
const section = architecture.split('## Where does it live')[1]?.split('\n## ')[0] ?? '';
const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| rule') && !l.startsWith('|---'));

it('the table has the rules a newcomer looks for first', () => {
  for (const rule of [
    'reminder stages',
    'evidence withdrawal',
    'CSV row errors',
    'extension',
    'due-soon / overdue',
    'digest building',
    'audit append',
  ]) {
    expect(rows.some((r) => r.startsWith(`| ${rule}`))).toBe(true);
  }
});

it.each(rows.map((r) => [r.split('|')[1]!.trim(), r]))('%s: its file exists and its README names it', (_rule, row) => {
  const cells = row.split('|').map((c) => c.trim());
  const file = /`([^`]+\.(?:tsx?|ya?ml|py|css))`/.exec(cells[2]!)![1]!;
  expect(fs.existsSync(path.join(root, file))).toBe(true);
  const readme = /\]\(([^)]+README\.md)\)/.exec(cells[3]!)![1]!;
  const text = fs.readFileSync(path.join(root, readme), 'utf8');
  expect(text).toContain(path.basename(file));
});
