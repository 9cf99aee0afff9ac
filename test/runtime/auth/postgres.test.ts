/**
 * tango.auth on PostgreSQL: the auth migration's tables (Django's types, constraint and index
 * names), the UserManager (booleans, `timestamp with time zone`, RETURNING ids, search, delete
 * with the link tables) and a login through the test Client, against a real cluster started for
 * this file (test/support/services.ts; under CI=true a missing PostgreSQL fails).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate, getUserManager } from '../../../src/runtime/auth/index.js';
import type { Settings } from '../../../src/runtime/conf/settings.js';
import { closeConnections, getConnection } from '../../../src/runtime/db/connections.js';
import { migrate } from '../../../src/runtime/db/migrations.js';
import { createApplication } from '../../../src/runtime/handlers/base.js';
import { Client } from '../../../src/runtime/test/client.js';
import { type PostgresService, serviceSupport, startPostgres } from '../../support/services.js';
import { authSettings } from './support.js';
import { configure } from '../../../src/runtime/conf/current.js';

const support = serviceSupport('postgresql');

describe.skipIf(!support.available)('tango.auth on PostgreSQL', () => {
  let pg: PostgresService;
  let settings: Readonly<Settings>;

  beforeAll(async () => {
    pg = await startPostgres();
    settings = configure(
      authSettings({ DATABASES: { default: { ENGINE: 'postgresql', URL: pg.url } } }),
    );
  });
  afterAll(async () => {
    await closeConnections();
    await pg?.close();
  });

  it("migrates to Django's tables, twice without harm, and back", async () => {
    const app = await createApplication(settings);
    const db = getConnection(settings);
    const out = { write: () => undefined };
    await migrate(db, app.apps, {}, out);
    const columns = await db.all<{ column_name: string; data_type: string; is_nullable: string }>(
      "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'auth_user' ORDER BY column_name",
    );
    expect(columns.map((c) => [c.column_name, c.data_type, c.is_nullable])).toEqual([
      ['date_joined', 'timestamp with time zone', 'NO'],
      ['email', 'character varying', 'NO'],
      ['first_name', 'character varying', 'NO'],
      ['id', 'integer', 'NO'],
      ['is_active', 'boolean', 'NO'],
      ['is_staff', 'boolean', 'NO'],
      ['is_superuser', 'boolean', 'NO'],
      ['last_login', 'timestamp with time zone', 'YES'],
      ['last_name', 'character varying', 'NO'],
      ['password', 'character varying', 'NO'],
      ['username', 'character varying', 'NO'],
    ]);
    const indexes = await db.all<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE tablename = 'auth_user' ORDER BY indexname",
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      'auth_user_pkey',
      'auth_user_username_6821ab7c_like',
      'auth_user_username_key',
    ]);
    const tables = await db.all<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE tablename LIKE 'auth_%' ORDER BY tablename",
    );
    expect(tables.map((t) => t.tablename)).toEqual([
      'auth_group',
      'auth_group_permissions',
      'auth_permission',
      'auth_user',
      'auth_user_groups',
      'auth_user_user_permissions',
    ]);
    // Unapplied and applied again (IF NOT EXISTS / DROP IF EXISTS).
    await migrate(db, app.apps, { target: { app: 'auth', name: 'zero' } }, out);
    expect(await db.get("SELECT to_regclass('auth_user') AS t")).toEqual({ t: null });
    await migrate(db, app.apps, {}, out);
  });

  it('creates, reads, searches, logs in and deletes users', async () => {
    const users = getUserManager(settings);
    const alice = await users.createSuperuser('alice', {
      email: 'alice@EXAMPLE.com',
      password: 'pw-alice',
    });
    expect(alice.id).toBeGreaterThan(0);
    const loaded = (await users.get(alice.id!))!;
    expect(loaded).toMatchObject({
      username: 'alice',
      email: 'alice@example.com',
      isStaff: true,
      isSuperuser: true,
      isActive: true,
      lastLogin: null,
    });
    expect(Math.abs(loaded.dateJoined.getTime() - alice.dateJoined.getTime())).toBeLessThan(1);
    expect((await authenticate(null, { username: 'alice', password: 'pw-alice' }))?.id).toBe(
      alice.id,
    );
    expect((await users.list({ search: 'ALI' })).map((u) => u.username)).toEqual(['alice']);
    expect(await users.count()).toBe(1);

    const app = await createApplication(settings);
    const client = new Client({ app });
    const response = await client.post('/login/', { username: 'alice', password: 'pw-alice' });
    expect(response.status).toBe(302);
    expect(JSON.parse((await client.get('/whoami/')).text())).toMatchObject({
      username: 'alice',
      isAuthenticated: true,
    });
    expect((await users.get(alice.id!))!.lastLogin).toBeInstanceOf(Date);

    const db = getConnection(settings);
    const group = await db.get<{ id: number }>(
      "INSERT INTO auth_group (name) VALUES ('editors') RETURNING id",
    );
    await db.run('INSERT INTO auth_user_groups (user_id, group_id) VALUES (?, ?)', [
      alice.id,
      group!.id,
    ]);
    expect(await users.delete(alice)).toBe(true);
    expect(await users.count()).toBe(0);
  });
});
