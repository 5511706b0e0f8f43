import type { Logger } from '@pc/service-kit';
import type { WebConfig } from './config';
import type { PrismaClient } from './adapters/prisma';
import type { SessionStore } from './adapters/session-store';
import type { PersonFetch } from './adapters/services';
import type { Locale } from '@pc/service-kit';
import type { Person } from './domain/person';
import type { Mailer } from './adapters/mailer';
import type { MemberStore } from './adapters/member-store';
import type { SignInStore } from './adapters/sign-in-store';
import type { CalendarStore } from './adapters/calendar-store';
import type { ErasureStore } from './adapters/person-data-store';
import type { WindowLimit } from './domain/window-limit';

/** What the pages and the members routes are given by the composition root (main.ts). */
export interface WebDeps {
  cfg: WebConfig;
  logger: Logger;
  prisma: PrismaClient;
  sessions: SessionStore;
  mailer: Mailer;
  /** calls to other services as a person (pages use `ctx.call`, already bound) */
  callsFor: (person: Person, locale: Locale) => PersonFetch;
  /** cookies are Secure when the public URL is https */
  secureCookies: boolean;
  members: MemberStore;
  links: SignInStore;
  calendars: CalendarStore;
  /** Law 25 erasures (a reminder link signed before one is refused) */
  erasures: ErasureStore;
  /** sign-in requests per client address */
  perAddress: WindowLimit;
  /** detached work (sign-in deliveries) that stop() waits for */
  inFlight: Set<Promise<void>>;
}
