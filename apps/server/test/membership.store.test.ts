import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateTo } from '../src/db/migrations.js';
import { createUserStore } from '../src/session/user.store.js';
import { createSpaceStore } from '../src/space/space.store.js';
import { storageBackends, useStorage } from './helpers.js';

describe.each(storageBackends)('membership storage on $name', (backend) => {
  const storage = useStorage(backend);
  const T0 = 1_800_000_000_000;
  const HOUR = 3_600_000;

  it('a new space is created once, with the visibility asked for and default settings', async () => {
    const spaces = createSpaceStore(storage.db);
    expect(await spaces.create('mine', 'private', T0)).toBe(true);
    expect(await spaces.create('mine', 'open', T0 + 1)).toBe(false);
    expect(await spaces.settings('mine')).toEqual({
      visibility: 'private',
      lockSharedSettings: false,
      readingRetentionDays: 90,
      messageRetentionDays: null,
    });
    await spaces.updateSettings('mine', { lockSharedSettings: true, messageRetentionDays: 30 });
    expect(await spaces.settings('mine')).toMatchObject({ lockSharedSettings: true, messageRetentionDays: 30 });
    expect(await spaces.settings('nowhere')).toBeNull();
  });

  it('removing a member keeps their row, frees their name and signs out every device', async () => {
    const spaces = createSpaceStore(storage.db);
    const users = createUserStore(storage.db);
    await spaces.create('crew', 'open', T0);
    await users.create({ id: 'u-bo', space: 'crew', name: 'Bo', createdAt: T0 });
    await users.addDevice({ id: 'd-1', userId: 'u-bo', label: 'Firefox on Linux', createdAt: T0, lastSeenAt: T0 });
    await users.addDevice({ id: 'd-2', userId: 'u-bo', label: 'Safari on iOS', createdAt: T0, lastSeenAt: T0 + 1 });
    expect((await users.devices('u-bo')).map((d) => d.id)).toEqual(['d-2', 'd-1']);

    await users.remove('u-bo', T0 + 5, true);
    expect(await users.findById('u-bo')).toMatchObject({ name: 'Bo', removedAt: T0 + 5, blocked: true });
    expect(await users.findByName('crew', 'bo')).toBeNull();
    expect(await users.devices('u-bo')).toEqual([]);
    expect(await users.members('crew')).toEqual([]);
    // The name is free for someone else.
    expect(await users.create({ id: 'u-bo2', space: 'crew', name: 'BO', createdAt: T0 + 6 })).not.toBeNull();
  });

  it('a rename to a name someone holds fails and changes nothing', async () => {
    const spaces = createSpaceStore(storage.db);
    const users = createUserStore(storage.db);
    await spaces.create('names', 'open', T0);
    await users.create({ id: 'u-a', space: 'names', name: 'Ana', createdAt: T0 });
    await users.create({ id: 'u-b', space: 'names', name: 'Bo', createdAt: T0 });
    expect(await users.rename('u-b', 'ANA')).toBe(false);
    expect(await users.findById('u-b')).toMatchObject({ name: 'Bo' });
    expect(await users.rename('u-b', 'Bea')).toBe(true);
    expect(await users.findByName('names', 'bea')).toMatchObject({ id: 'u-b' });
  });

  it('handing a space over makes the new owner and the old one an admin together', async () => {
    const spaces = createSpaceStore(storage.db);
    const users = createUserStore(storage.db);
    await spaces.create('handover', 'private', T0);
    await users.create({ id: 'u-o', space: 'handover', name: 'Olga', createdAt: T0, role: 'owner' });
    await users.create({ id: 'u-m', space: 'handover', name: 'Max', createdAt: T0 });
    await users.handOver('u-o', 'u-m');
    const roles = Object.fromEntries((await users.members('handover')).map((u) => [u.id, u.role]));
    expect(roles).toEqual({ 'u-o': 'admin', 'u-m': 'owner' });
  });

  it('an invite with one use left admits exactly one of many racing joins, and a revoked one none', async () => {
    const spaces = createSpaceStore(storage.db);
    const users = createUserStore(storage.db);
    await spaces.create('racy', 'private', T0);
    await users.create({ id: 'u-owner', space: 'racy', name: 'Owner', createdAt: T0, role: 'owner' });
    const invite = { space: 'racy', createdBy: 'u-owner', createdAt: T0, uses: 0, revokedAt: null };
    await spaces.addInvite({ ...invite, id: 'i-1', codeHash: 'h1', expiresAt: T0 + HOUR, maxUses: 2 });
    await spaces.addInvite({ ...invite, id: 'i-2', codeHash: 'h2', expiresAt: T0 + HOUR, maxUses: null });
    expect(await spaces.useInvite('racy', 'h1', T0 + 1)).toBe(true);
    const race = await Promise.all(Array.from({ length: 8 }, () => spaces.useInvite('racy', 'h1', T0 + 2)));
    expect(race.filter(Boolean)).toHaveLength(1);
    expect(await spaces.inviteByHash('h1')).toMatchObject({ uses: 2 });
    // Another space's slug, an expired invite, a revoked one: refused.
    expect(await spaces.useInvite('other', 'h2', T0 + 3)).toBe(false);
    expect(await spaces.useInvite('racy', 'h2', T0 + HOUR)).toBe(false);
    expect((await spaces.liveInvites('racy', T0 + 3)).map((i) => i.id)).toEqual(['i-2']);
    expect(await spaces.revokeInvite('racy', 'i-2', T0 + 4)).toBe(true);
    expect(await spaces.revokeInvite('racy', 'i-2', T0 + 4)).toBe(false);
    expect(await spaces.useInvite('racy', 'h2', T0 + 5)).toBe(false);
    expect(await spaces.liveInvites('racy', T0 + 5)).toEqual([]);
  });

  it('a device link works once and not after it expires', async () => {
    const spaces = createSpaceStore(storage.db);
    const users = createUserStore(storage.db);
    await spaces.create('links', 'private', T0);
    await users.create({ id: 'u-l', space: 'links', name: 'Lu', createdAt: T0 });
    await spaces.addDeviceLink({ codeHash: 'l1', userId: 'u-l', createdAt: T0, expiresAt: T0 + 600_000 });
    await spaces.addDeviceLink({ codeHash: 'l2', userId: 'u-l', createdAt: T0, expiresAt: T0 + 600_000 });
    const both = await Promise.all([spaces.useDeviceLink('l1', T0 + 1), spaces.useDeviceLink('l1', T0 + 1)]);
    expect(both.filter((u) => u === 'u-l')).toHaveLength(1);
    expect(await spaces.useDeviceLink('l1', T0 + 2)).toBeNull();
    expect(await spaces.useDeviceLink('l2', T0 + 600_000)).toBeNull();
    expect(await spaces.useDeviceLink('nope', T0)).toBeNull();
  });
});

describe('migration 0006 on a database from before it', () => {
  it('keeps every existing space open and makes its earliest user the owner', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'huddle-migrate-'));
    // biome-ignore lint/suspicious/noExplicitAny: a database from before migration 0006 has no typed schema here
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(path.join(dir, 'old.db')) }) });
    try {
      await migrateTo(db, '0005_session_revocation');
      await db.insertInto('spaces').values({ slug: 'legacy', created_at: 1 }).execute();
      const user = (id: string, name: string, at: number) => ({
        id,
        space: 'legacy',
        name,
        name_key: name.toLowerCase(),
        created_at: at,
      });
      await db
        .insertInto('users')
        .values([user('u-2', 'Second', 10), user('u-1', 'First', 5), user('u-0', 'Tied', 5)])
        .execute();
      await migrateTo(db, null);
      expect(await db.selectFrom('spaces').select(['slug', 'visibility']).execute()).toEqual([
        { slug: 'legacy', visibility: 'open' },
      ]);
      const roles = await db.selectFrom('users').select(['id', 'role']).orderBy('id').execute();
      expect(roles).toEqual([
        { id: 'u-0', role: 'owner' },
        { id: 'u-1', role: 'member' },
        { id: 'u-2', role: 'member' },
      ]);
    } finally {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
