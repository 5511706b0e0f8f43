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

  /** Adds a member, or gives a removed one (same email) back its access with the new role and scope. */
  async add(m: { email: string; role: MemberRole; funderIds: string[]; invitedBy: string }): Promise<MemberRow> {
    const row = await this.prisma.member.upsert({
      where: { email: m.email },
      create: { id: crypto.randomUUID(), ...m },
      update: { role: m.role, funderIds: m.funderIds, invitedBy: m.invitedBy, removedAt: null, createdAt: new Date() },
    });
    return view(row);
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
