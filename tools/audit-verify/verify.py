#!/usr/bin/env python3
# Verifies a Praxis compliance audit export offline, from the rule in README.md ("Audit trail").
# Usage: python3 verify.py export.ndjson  (exit 0 intact, 1 broken, 2 window export)
import hashlib, json, sys

FIELDS = ['funderId', 'seq', 'eventId', 'type', 'subject', 'actor', 'at', 'reason', 'before', 'after']
def canon(v):  # keys sorted at every depth, no whitespace, UTF-8 with non-ASCII as is
    return json.dumps(v, ensure_ascii=False, separators=(',', ':'), sort_keys=True)
def fail(code, msg):
    print(msg); sys.exit(code)

with open(sys.argv[1], encoding='utf-8') as f:
    lines = [json.loads(l) for l in f if l.strip()]
trailer = lines.pop() if lines and lines[-1].get('type') == 'audit.head' else None
if trailer and trailer.get('window'): fail(2, 'période seulement / time window only: export without from/to')
prev, seq = '0' * 64, 0
for e in lines:
    if e['seq'] != seq + 1: fail(1, f'rompue / broken at seq {seq + 1}: entrée manquante / missing entry')
    h = hashlib.sha256((canon({k: e[k] for k in FIELDS}) + prev).encode('utf-8')).hexdigest()
    if e['prevHash'] != prev or e['hash'] != h: fail(1, f"rompue / broken at seq {e['seq']}: entrée modifiée / edited entry")
    prev, seq = h, e['seq']
if not trailer: fail(1, f'rompue / broken at seq {seq + 1}: pas de ligne de tête / no trailer (cut short)')
if trailer['head']['seq'] != seq or trailer['head']['hash'] != prev: fail(1, f'rompue / broken at seq {seq + 1}: fin supprimée / tail deleted')
print(f'intacte / intact: {seq} entries, head {seq} {prev}')
