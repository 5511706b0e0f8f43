import crypto from 'node:crypto';
import type { PrismaClient } from './prisma';
import type { MemberRole } from '../domain/person';

export interface MemberRow {
  id: string;
  email: string;
  role: MemberRole;
  funderIds: string[];
  createdAt: Date;
}

const view = (m: { id: string; email: string; role: string; funderIds: string[]; createdAt: Date }): MemberRow => ({
  id: m.id,
  email: m.email,
  role: m.role as MemberRole,
  funderIds: m.funderIds,
  createdAt: m.createdAt,
});

/** Members: people invited to the pages (funder officers, auditors, admins). */
export class MemberStore {
  constructor(private readonly prisma: PrismaClient) {}

  async active(email: string): Promise<MemberRow | null> {
    const m = await this.prisma.member.findFirst({ where: { email, removedAt: null } });
    return m ? view(m) : null;
  }

  /**
   * Adds a member, or gives a removed one (same email) back its access with the new role and scope.
   * An active member is changed only when `within` allows it: null (an admin) changes any member; a
   * funder id changes a member whose whole scope is that funder (never an admin, never another
   * funder's officer or a wider auditor). One statement, so a concurrent invitation cannot slip
   * between the check and the write. `null` back: the email is a member beyond `within`.
   */
  async add(
    m: { email: string; role: MemberRole; funderIds: string[]; invitedBy: string },
    within: string | null,
  ): Promise<MemberRow | null> {
    return this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<
        Array<{ id: string; email: string; role: string; funder_ids: string[]; created_at: Date }>
      >`
        INSERT INTO member (id, email, role, funder_ids, invited_by)
        VALUES (${crypto.randomUUID()}::uuid, ${m.email}, ${m.role}, ${m.funderIds}::uuid[], ${m.invitedBy})
        ON CONFLICT (email) DO UPDATE
          SET role = EXCLUDED.role, funder_ids = EXCLUDED.funder_ids, invited_by = EXCLUDED.invited_by,
              removed_at = NULL, created_at = now()
          WHERE member.removed_at IS NOT NULL
             OR ${within}::uuid IS NULL
             OR (member.role <> 'admin' AND member.funder_ids <@ ARRAY[${within}::uuid])
        RETURNING id::text, email, role, funder_ids::text[] AS funder_ids, created_at`;
      const r = rows[0];
      if (!r) return null;
      // A session carries the role and scope it was opened with: the new ones apply from the next sign-in.
      await tx.session.updateMany({ where: { email: m.email, endedAt: null }, data: { endedAt: new Date() } });
      return view({ id: r.id, email: r.email, role: r.role, funderIds: r.funder_ids, createdAt: r.created_at });
    });
  }

  /** Active members whose scope meets `funderIds` (all of them for null: an admin's list). */
  async list(funderIds: string[] | null): Promise<MemberRow[]> {
    const rows = await this.prisma.member.findMany({
      where: { removedAt: null, ...(funderIds ? { funderIds: { hasSome: funderIds } } : {}) },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(view);
  }

  async byId(id: string): Promise<MemberRow | null> {
    const m = await this.prisma.member.findFirst({ where: { id, removedAt: null } });
    return m ? view(m) : null;
  }

  /** Removes a member and ends its sessions in one transaction (access stops at once). */
  async remove(id: string, email: string, now = new Date()): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.member.update({ where: { id }, data: { removedAt: now } }),
      this.prisma.session.updateMany({ where: { email, endedAt: null }, data: { endedAt: now } }),
    ]);
  }
}
