/**
 * Vendor CLI for licence keys (the vendor runs it; installations only verify).
 *
 *   npm run license -- keygen [--out <dir>]
 *       New Ed25519 keypair. Without --out both PEMs go to stdout; with --out they are written
 *       to <dir>/license-public.pem and <dir>/license-private.pem (mode 0600).
 *   npm run license -- issue --email <addr> --type paid|trial [--expires <ISO date> | --days <n>]
 *                            --private-key-file <pem> [--issued-at <ISO date>]
 *       Prints a signed licence key. No --expires/--days: a lifetime key (paid only).
 *   npm run license -- inspect <key> [--public-key-file <pem>]
 *       Verifies a key (the shipped vendor key unless a file is given) and prints its payload.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateLicenseKeyPair, issueLicenseKey, licensePublicKey, parsePrivateKey, verifyLicenseKey } from '../src/shared/license/license-key.ts';

const DAY_MS = 86_400_000;

function fail(message: string): never {
  process.stderr.write(`license: ${message}\n`);
  process.exit(2);
}

function keygen(args: string[]) {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } } });
  const { publicKeyPem, privateKeyPem } = generateLicenseKeyPair();
  if (!values.out) {
    process.stdout.write(publicKeyPem + privateKeyPem);
    return;
  }
  mkdirSync(values.out, { recursive: true });
  const pub = path.join(values.out, 'license-public.pem');
  const priv = path.join(values.out, 'license-private.pem');
  writeFileSync(pub, publicKeyPem);
  writeFileSync(priv, privateKeyPem, { mode: 0o600 });
  process.stdout.write(`${pub}\n${priv}\n`);
}

function dateArg(name: string, s: string): Date {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) fail(`--${name}: not a date: ${s}`);
  return d;
}

function issue(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' },
      type: { type: 'string', default: 'paid' },
      expires: { type: 'string' },
      days: { type: 'string' },
      'issued-at': { type: 'string' },
      'private-key-file': { type: 'string' },
    },
  });
  if (!values.email || !values.email.includes('@')) fail('--email <address> is required');
  if (values.type !== 'paid' && values.type !== 'trial') fail('--type must be paid or trial');
  if (!values['private-key-file']) fail('--private-key-file <pem> is required');
  if (values.expires && values.days) fail('give --expires or --days, not both');
  const issuedAt = values['issued-at'] ? dateArg('issued-at', values['issued-at']) : new Date();
  let expiresAt: Date | null = null;
  if (values.expires) expiresAt = dateArg('expires', values.expires);
  if (values.days) {
    const n = Number(values.days);
    if (!Number.isFinite(n) || n <= 0) fail('--days must be a positive number');
    expiresAt = new Date(issuedAt.getTime() + n * DAY_MS);
  }
  if (values.type === 'trial' && !expiresAt) fail('a trial key needs --expires or --days');
  if (expiresAt && expiresAt.getTime() <= issuedAt.getTime()) fail('the key would expire before it is issued');
  let privateKey;
  try {
    privateKey = parsePrivateKey(readFileSync(values['private-key-file'], 'utf8'));
  } catch (e) {
    fail(`--private-key-file: ${(e as Error).message}`);
  }
  const key = issueLicenseKey(
    { email: values.email.trim().toLowerCase(), type: values.type, issuedAt: issuedAt.toISOString(), expiresAt: expiresAt?.toISOString() ?? null },
    privateKey,
  );
  process.stdout.write(`${key}\n`);
}

function inspect(args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'public-key-file': { type: 'string' } } });
  if (positionals.length !== 1) fail('usage: inspect <key> [--public-key-file <pem>]');
  const publicKey = licensePublicKey(values['public-key-file'] ? readFileSync(values['public-key-file'], 'utf8') : undefined);
  const v = verifyLicenseKey(positionals[0], publicKey);
  if (!v.ok) fail(v.message);
  process.stdout.write(`${JSON.stringify(v.payload, null, 2)}\n`);
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'keygen') keygen(rest);
  else if (command === 'issue') issue(rest);
  else if (command === 'inspect') inspect(rest);
  else fail('usage: npm run license -- keygen [--out <dir>] | issue --email <addr> --type paid|trial [--expires <date> | --days <n>] --private-key-file <pem> | inspect <key>');
} catch (e) {
  fail((e as Error).message);
}
