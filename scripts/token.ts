/**
 * `npm run token -- create --name <name> [--days <n>] [--owner <owner>]`
 * `npm run token -- list`
 * `npm run token -- revoke <id>`
 *
 * Personal access tokens for the Management API (/v1), straight in the database: with
 * DATABASE_URL, or the private PostgreSQL that `npm start` keeps under .data/.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrateControlSchema } from '../src/shared/control/runner.ts';
import { createToken, listTokens, revokeToken } from '../src/shared/management/tokens.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const USAGE = `usage:
  npm run token -- create --name <name> [--days <n>] [--owner <owner>]
  npm run token -- list
  npm run token -- revoke <id>`;

function fail(msg: string): never {
  process.stderr.write(`basalt token: ${msg}\n`);
  process.exit(2);
}

/** DATABASE_URL, else the private cluster npm start runs (.data/ports.json + .data/secrets.json). */
function databaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const ports = path.join(root, '.data/ports.json');
  const secrets = path.join(root, '.data/secrets.json');
  if (!existsSync(ports) || !existsSync(secrets)) fail('set DATABASE_URL, or run `npm start` once so that .data/ holds the private database');
  const { pg: port } = JSON.parse(readFileSync(ports, 'utf8')) as { pg?: number };
  const { PG_PASSWORD } = JSON.parse(readFileSync(secrets, 'utf8')) as { PG_PASSWORD?: string };
  if (!port || !PG_PASSWORD) fail('.data/ports.json or .data/secrets.json is incomplete; set DATABASE_URL');
  return `postgres://postgres:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:${port}/basalt`;
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, days: { type: 'string' }, owner: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, arg] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (!['create', 'list', 'revoke'].includes(command)) fail(`unknown command '${command}'\n${USAGE}`);
  let days: number | undefined;
  if (command === 'create') {
    if (!values.name?.trim()) fail('--name is required');
    if (values.name.trim().length > 100) fail('--name is at most 100 characters');
    if (values.days !== undefined) {
      days = Number(values.days);
      if (!Number.isInteger(days) || days < 1 || days > 3650) fail('--days must be a whole number from 1 to 3650');
    }
  }
  if (command === 'revoke' && !arg) fail('revoke needs the token id (see `npm run token -- list`)');

  const url = databaseUrl();
  await migrateControlSchema(url);
  const db = new pg.Client({ connectionString: url, application_name: 'basalt-token-cli' });
  await db.connect();
  try {
    if (command === 'create') {
      const t = await createToken(db, { name: values.name!.trim(), owner: values.owner?.trim() || undefined, expiresAt: days ? new Date(Date.now() + days * 86_400_000) : null });
      process.stdout.write(
        [
          `Created access token '${t.name}' (id ${t.id}, owner ${t.owner}).`,
          `Expires: ${t.expires_at ? t.expires_at.toISOString() : 'never'}`,
          '',
          `  ${t.token}`,
          '',
          'It is shown only this once. Use it as: Authorization: Bearer <token>',
          '',
        ].join('\n'),
      );
    } else if (command === 'list') {
      for (const t of await listTokens(db)) {
        const state = t.revoked_at ? 'revoked' : t.expires_at && t.expires_at < new Date() ? 'expired' : 'active';
        process.stdout.write(`${t.id}  ${t.token_prefix}…  ${state.padEnd(7)}  ${t.name}  (owner ${t.owner})\n`);
      }
    } else {
      const t = await revokeToken(db, arg!);
      if (!t) fail(`no access token with id '${arg}'`);
      process.stdout.write(`Revoked access token '${t.name}' (${t.id}).\n`);
    }
  } finally {
    await db.end();
  }
}

main().catch((e) => fail((e as Error).message));
