import crypto from 'node:crypto';

/**
 * The simulator's in-memory corpus. Seeded notes are never materialised: note `i` is a pure function
 * of (seed, i), so a million notes cost nothing until requested. Only what a test or benchmark
 * changes (overrides, created notes, extra carnet memberships) is stored.
 */
export type Visibility = 'public' | 'private';
export type Deletion = 'not_found' | 'gone';

export interface Note {
  index: number;
  id: string;
  title: string;
  body: string;
  author: string;
  community: string;
  /** ISO date-time, or null for a note whose publication date is unknown (feed item without date) */
  publishedAt: string | null;
  modifiedAt: number;
  visibility: Visibility;
  deleted: Deletion | null;
  /** whether the page carries article:published_time / datePublished metadata */
  metaDates: boolean;
  carnets: string[];
}

export interface NoteInput {
  title?: string;
  body?: string;
  author?: string;
  community?: string;
  publishedAt?: string | null;
  visibility?: Visibility;
  metaDates?: boolean;
  carnets?: string[];
}

interface Override extends NoteInput {
  modifiedAt: number;
  deleted?: Deletion | null;
  extraCarnets?: string[];
}

export interface CorpusOptions {
  seed?: number;
  /** seeded notes */
  notes?: number;
  /** seeded carnets; seeded note i belongs to carnet `carnet-(i mod carnets)` */
  carnets?: number;
  /** every `referenceEvery`-th seeded note mentions `seededReferenceCode(seed, i)` (benchmarks) */
  referenceEvery?: number;
}

const WORDS = [
  'cuisine',
  'collective',
  'quartier',
  'mobilisation',
  'jardin',
  'partage',
  'savoirs',
  'solidarité',
  'habitation',
  'transport',
  'alimentation',
  'jeunesse',
  'aînés',
  'concertation',
  'territoire',
  'économie',
  'sociale',
  'entraide',
  'culture',
  'apprentissage',
  'gouvernance',
  'bénévolat',
  'inclusion',
  'logement',
  'mobilité',
  'environnement',
  'insertion',
  'famille',
];
const PEOPLE = [
  'Marie Tremblay',
  'Jean Gagnon',
  'Sophie Roy',
  'Luc Côté',
  'Nadia Bouchard',
  'Amir Haddad',
  'Léa Gauthier',
];
const COMMUNITIES = ['Passerelles Limoilou', 'Réseau des cuisines', 'Communauté Saint-Roch', 'Collectif Rimouski'];
const SEED_EPOCH = Date.UTC(2023, 3, 1); // Praxis opened in April 2023
const DAY = 86_400_000;

function mix(seed: number, i: number): number {
  // splitmix32-style hash: deterministic, cheap, well spread
  let h = (seed * 0x9e3779b1 + i * 0x85ebca6b) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The reference code a seeded note mentions when the corpus was seeded with `referenceEvery` (format PX-XXXX-XXXX). */
export function seededReferenceCode(seed: number, i: number): string {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
  let h1 = mix(seed + 7, i),
    h2 = mix(seed + 13, i);
  let s = '';
  for (let k = 0; k < 4; k++) {
    s += alphabet[h1 % alphabet.length];
    h1 = Math.floor(h1 / alphabet.length);
  }
  s += '-';
  for (let k = 0; k < 4; k++) {
    s += alphabet[h2 % alphabet.length];
    h2 = Math.floor(h2 / alphabet.length);
  }
  return `PX-${s}-${(i % 1000).toString().padStart(3, '0')}`;
}

export class Corpus {
  readonly seed: number;
  readonly seeded: number;
  readonly seededCarnets: number;
  private readonly referenceEvery: number;
  private readonly key: number;
  private readonly overrides = new Map<number, Override>();
  private readonly created = new Map<number, Note>();
  private readonly extraMembers = new Map<string, Set<number>>();
  private readonly carnetVersion = new Map<string, { version: number; modifiedAt: number }>();
  private nextIndex: number;
  private clock: number;

  constructor(opts: CorpusOptions = {}) {
    this.seed = opts.seed ?? 1;
    this.seeded = opts.notes ?? 1000;
    this.seededCarnets = Math.max(1, opts.carnets ?? 10);
    this.referenceEvery = opts.referenceEvery ?? 0;
    this.key = mix(this.seed, 0xfeed);
    this.nextIndex = this.seeded;
    // Modification stamps must increase even when several changes land in the same millisecond.
    this.clock = Math.max(Date.now(), SEED_EPOCH + 1200 * DAY);
  }

  private tick(): number {
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock;
  }

  /** Opaque 27-character id (as on Praxis) that still encodes the index, so lookups need no table. */
  idOf(index: number): string {
    const b = Buffer.alloc(20);
    b.writeUInt32BE((index ^ this.key) >>> 0, 0);
    crypto.createHash('sha1').update(`${this.seed}:${index}`).digest().copy(b, 4, 0, 16);
    return b.toString('base64url');
  }

  indexOf(id: string): number | null {
    if (!/^[A-Za-z0-9_-]{27}$/.test(id)) return null;
    const b = Buffer.from(id, 'base64url');
    if (b.length !== 20) return null;
    const index = (b.readUInt32BE(0) ^ this.key) >>> 0;
    if (index >= this.nextIndex) return null;
    return this.idOf(index) === id ? index : null;
  }

  carnetOfSeeded(i: number): string {
    return `carnet-${i % this.seededCarnets}`;
  }

  private seededNote(i: number): Note {
    const h = mix(this.seed, i);
    const w = (k: number): string => WORDS[(h >>> (k * 3)) % WORDS.length] ?? 'note';
    const title = `${w(0)[0]!.toUpperCase()}${w(0).slice(1)} ${w(1)} et ${w(2)} — note ${i}`;
    let body =
      `Cette note documente une démarche de ${w(3)} ${w(4)} menée dans le ${w(5)}. ` +
      `Les participantes et participants y partagent leurs apprentissages sur la ${w(6)} et l'${w(7)}. ` +
      `Nous décrivons les étapes, les difficultés rencontrées et les pistes pour la suite.`;
    if (this.referenceEvery > 0 && i % this.referenceEvery === 0)
      body += ` Code de référence : ${seededReferenceCode(this.seed, i)}.`;
    const published = SEED_EPOCH + (h % 1000) * DAY + (h % 86_400) * 1000;
    return {
      index: i,
      id: this.idOf(i),
      title,
      body,
      author: PEOPLE[h % PEOPLE.length]!,
      community: COMMUNITIES[(h >>> 5) % COMMUNITIES.length]!,
      publishedAt: new Date(published).toISOString(),
      modifiedAt: published,
      visibility: 'public',
      deleted: null,
      metaDates: true,
      carnets: [this.carnetOfSeeded(i)],
    };
  }

  /** The note as it is now, or null when no such note was ever made. */
  get(index: number): Note | null {
    if (index < 0 || index >= this.nextIndex) return null;
    const base = index < this.seeded ? this.seededNote(index) : this.created.get(index);
    if (!base) return null;
    const o = this.overrides.get(index);
    if (!o) return base;
    const carnets = [...base.carnets, ...(o.extraCarnets ?? [])];
    return {
      ...base,
      ...(o.title !== undefined ? { title: o.title } : {}),
      ...(o.body !== undefined ? { body: o.body } : {}),
      ...(o.author !== undefined ? { author: o.author } : {}),
      ...(o.community !== undefined ? { community: o.community } : {}),
      ...(o.publishedAt !== undefined ? { publishedAt: o.publishedAt } : {}),
      ...(o.visibility !== undefined ? { visibility: o.visibility } : {}),
      ...(o.metaDates !== undefined ? { metaDates: o.metaDates } : {}),
      deleted: o.deleted ?? null,
      modifiedAt: o.modifiedAt,
      carnets: [...new Set(carnets)],
    };
  }

  byId(id: string): Note | null {
    const i = this.indexOf(id);
    return i === null ? null : this.get(i);
  }

  private touchCarnets(carnets: string[], at: number): void {
    for (const c of carnets) {
      const v = this.carnetVersion.get(c) ?? { version: 0, modifiedAt: 0 };
      this.carnetVersion.set(c, { version: v.version + 1, modifiedAt: at });
    }
  }

  create(input: NoteInput): Note {
    const index = this.nextIndex++;
    const at = this.tick();
    const carnets = input.carnets && input.carnets.length > 0 ? input.carnets : ['carnet-0'];
    const note: Note = {
      index,
      id: this.idOf(index),
      title: input.title ?? `Note ${index}`,
      body: input.body ?? '',
      author: input.author ?? PEOPLE[0]!,
      community: input.community ?? COMMUNITIES[0]!,
      publishedAt: input.publishedAt === undefined ? new Date(at).toISOString() : input.publishedAt,
      modifiedAt: at,
      visibility: input.visibility ?? 'public',
      deleted: null,
      metaDates: input.metaDates ?? true,
      carnets,
    };
    this.created.set(index, note);
    for (const c of carnets) this.members(c).add(index);
    this.touchCarnets(carnets, at);
    return note;
  }

  private members(carnet: string): Set<number> {
    let s = this.extraMembers.get(carnet);
    if (!s) {
      s = new Set();
      this.extraMembers.set(carnet, s);
    }
    return s;
  }

  private change(index: number, patch: Partial<Override>): Note | null {
    const before = this.get(index);
    if (!before) return null;
    const at = this.tick();
    const o: Override = { ...(this.overrides.get(index) ?? {}), ...patch, modifiedAt: at };
    this.overrides.set(index, o);
    const after = this.get(index)!;
    this.touchCarnets(after.carnets, at);
    return after;
  }

  update(id: string, input: NoteInput): Note | null {
    const i = this.indexOf(id);
    if (i === null) return null;
    const { carnets, ...rest } = input;
    const n = this.change(i, rest);
    if (n && carnets) for (const c of carnets) this.addToCarnet(id, c);
    return this.get(i);
  }

  setVisibility(id: string, visibility: Visibility): Note | null {
    const i = this.indexOf(id);
    return i === null ? null : this.change(i, { visibility });
  }

  remove(id: string, mode: Deletion = 'not_found'): Note | null {
    const i = this.indexOf(id);
    return i === null ? null : this.change(i, { deleted: mode });
  }

  restore(id: string): Note | null {
    const i = this.indexOf(id);
    return i === null ? null : this.change(i, { deleted: null, visibility: 'public' });
  }

  addToCarnet(id: string, carnet: string): Note | null {
    const i = this.indexOf(id);
    if (i === null) return null;
    const o = this.overrides.get(i);
    const extra = [...new Set([...(o?.extraCarnets ?? []), carnet])];
    this.members(carnet).add(i);
    return this.change(i, { extraCarnets: extra });
  }

  /** Changes `count` seeded notes (deterministically spread over the corpus) — benchmark helper. */
  touchSeeded(count: number, round = 1): string[] {
    const ids: string[] = [];
    // A large prime stride spreads the changes over the corpus and over the carnets.
    const seen = new Set<number>();
    for (let k = 0; k < count && k < this.seeded; k++) {
      let i = (k * 999_983 + round * 7_919) % this.seeded;
      while (seen.has(i)) i = (i + 1) % this.seeded;
      seen.add(i);
      const n = this.get(i)!;
      this.change(i, { body: `${n.body} Mise à jour ${round}.` });
      ids.push(n.id);
    }
    return ids;
  }

  carnetExists(carnet: string): boolean {
    const m = /^carnet-(\d+)$/.exec(carnet);
    if (m && Number(m[1]) < this.seededCarnets && this.seeded > Number(m[1])) return true;
    return this.extraMembers.has(carnet);
  }

  carnetState(carnet: string): { version: number; modifiedAt: number } {
    return this.carnetVersion.get(carnet) ?? { version: 0, modifiedAt: SEED_EPOCH + 1000 * DAY };
  }

  /** Public notes of a carnet, most recently modified first. */
  carnetNotes(carnet: string, limit: number): Note[] {
    const out: Note[] = [];
    const m = /^carnet-(\d+)$/.exec(carnet);
    if (m) {
      const k = Number(m[1]);
      if (k < this.seededCarnets) {
        for (let i = k; i < this.seeded; i += this.seededCarnets) {
          const n = this.get(i);
          if (n && n.visibility === 'public' && !n.deleted && n.carnets.includes(carnet)) out.push(n);
        }
      }
    }
    for (const i of this.extraMembers.get(carnet) ?? []) {
      if (i < this.seeded && m && i % this.seededCarnets === Number(m[1])) continue; // already listed
      const n = this.get(i);
      if (n && n.visibility === 'public' && !n.deleted) out.push(n);
    }
    out.sort((a, b) => b.modifiedAt - a.modifiedAt || a.index - b.index);
    return out.slice(0, limit);
  }
}
