import type { Locale, Principal } from '@pc/service-kit';
import { ownerScopeOf } from '../domain/access';
import { renderCalendar } from '../domain/calendar';
import type { Db } from '../adapters/prisma';
import { openObligationsOfOwner } from '../adapters/obligation-store';

/** GET /v1/me/calendar.ics: the calling grantee's (or signed-in contact's) open obligations as an iCalendar feed. */
export async function getMyCalendar(db: Db, p: Principal, locale: Locale): Promise<string> {
  const open = await openObligationsOfOwner(db, ownerScopeOf(p));
  return renderCalendar(
    open.map((o) => ({
      id: o.id,
      kind: o.kind,
      dueDate: o.dueDate,
      status: o.status,
      updatedAt: o.updatedAt,
      title: o.agreementTitle,
      referenceCode: o.referenceCode,
      externalRef: o.externalRef,
    })),
    locale,
  );
}
