import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { openWithMasterKey, requireMasterKey, sealWithMasterKey } from '../../src/shared/crypto/master-key.ts';
import { newRef, REF_FORMAT } from '../../src/shared/management/refs.ts';
import { newPersonalToken, TOKEN_FORMAT } from '../../src/shared/management/tokens.ts';
import { projectApiKeys } from '../../src/shared/management/project-keys.ts';
import { hostNameOf } from '../../src/api/projects/routes.ts';
import { includedSchemas } from '../../src/api/management/types.ts';
import { ApiError } from '../../src/shared/errors.ts';

const KEY = { BASALT_MASTER_KEY: '0123456789abcdef'.repeat(4) };

describe('master key sealing', () => {
  it('round-trips, with a fresh IV each time', () => {
    const a = sealWithMasterKey(KEY, 'secret ✓');
    const b = sealWithMasterKey(KEY, 'secret ✓');
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(openWithMasterKey(KEY, a)).toBe('secret ✓');
    expect(openWithMasterKey(KEY, sealWithMasterKey(KEY, ''))).toBe('');
  });

  it('refuses another key, a changed byte and unknown formats', () => {
    const sealed = sealWithMasterKey(KEY, 'x'.repeat(100));
    expect(() => openWithMasterKey({ BASALT_MASTER_KEY: 'f'.repeat(64) }, sealed)).toThrow(/differs|altered/);
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(() => openWithMasterKey(KEY, 'v1.' + raw.toString('base64url'))).toThrow(/altered/);
    expect(() => openWithMasterKey(KEY, 'v2.abc')).toThrow(/format/);
    expect(() => openWithMasterKey(KEY, 'v1.abc')).toThrow(/truncated/);
  });

  it('is a 503 ApiError when BASALT_MASTER_KEY is unset', () => {
    for (const f of [() => sealWithMasterKey({}, 'x'), () => openWithMasterKey({}, 'v1.x'), () => requireMasterKey({})]) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ApiError);
        expect((e as ApiError).status).toBe(503);
        expect((e as ApiError).message).toBe('BASALT_MASTER_KEY is not configured');
      }
    }
  });
});

describe('identifiers', () => {
  it('makes refs of 20 lowercase letters and sbp_ tokens of 40 hex', () => {
    const refs = new Set(Array.from({ length: 200 }, newRef));
    expect(refs.size).toBe(200);
    for (const r of refs) expect(r).toMatch(REF_FORMAT);
    const t = newPersonalToken();
    expect(t.token).toMatch(TOKEN_FORMAT);
    expect(t.prefix).toBe(t.token.slice(0, 12));
    expect(t.hash).toHaveLength(32);
  });
});

describe('project keys', () => {
  it('are stable for a secret and creation time, and carry ref and role', async () => {
    const at = new Date('2024-01-02T03:04:05Z');
    const a = await projectApiKeys('s'.repeat(40), 'abcdefghijklmnopqrst', at);
    expect(await projectApiKeys('s'.repeat(40), 'abcdefghijklmnopqrst', at)).toEqual(a);
    expect(decodeJwt(a.anon)).toMatchObject({ role: 'anon', ref: 'abcdefghijklmnopqrst', iss: 'basalt', iat: at.getTime() / 1000 });
    expect(decodeJwt(a.service_role).role).toBe('service_role');
    expect((await projectApiKeys('t'.repeat(40), 'abcdefghijklmnopqrst', at)).anon).not.toBe(a.anon);
  });
});

describe('routing helpers', () => {
  it.each([
    ['abc.projects.test:8443', 'abc.projects.test'],
    ['ABC.Projects.Test.', 'abc.projects.test'],
    ['localhost', 'localhost'],
    ['127.0.0.1:3000', undefined],
    ['[::1]:3000', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('host name of %j is %j', (header, name) => {
    expect(hostNameOf(header)).toBe(name);
  });

  it('parses included_schemas', () => {
    expect(includedSchemas(null)).toEqual(['public']);
    expect(includedSchemas('public, api ,')).toEqual(['public', 'api']);
    expect(() => includedSchemas(',')).toThrow(/at least one/);
    expect(() => includedSchemas('x'.repeat(64))).toThrow(/invalid schema name/);
  });
});
