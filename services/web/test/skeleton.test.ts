import { withWebAlone } from './web-alone';

let base: string;
withWebAlone((_web, b) => {
  base = b;
});

test('the sign-in page renders in French by default, escaped, with the layout landmarks', async () => {
  const res = await fetch(`${base}/sign-in`);
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toMatch(/^<!doctype html><html lang="fr">/);
  expect(html).toContain('<main id="main"');
  expect(html).toContain('Recevoir un lien');
  expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
});
