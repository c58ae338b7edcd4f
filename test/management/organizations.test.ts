import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../support/env.ts';
import { newToken, v1, type V1 } from './core-support.ts';

describe('/v1/organizations', () => {
  let alice: V1;
  let bob: V1;
  let aliceOwner: string;

  beforeAll(async () => {
    const a = await newToken('orgs-test alice');
    aliceOwner = a.owner;
    alice = v1(a.token);
    bob = v1((await newToken('orgs-test bob')).token);
  });

  it('creates an organization: 201 {id, slug, name}', async () => {
    const r = await alice('POST', '/organizations', { body: { name: 'Alice Org' } });
    expect(r.status).toBe(201);
    const o = r.json();
    expect(Object.keys(o).sort()).toEqual(['id', 'name', 'slug']);
    expect(o.name).toBe('Alice Org');
    expect(o.slug).toMatch(/^[a-z]{20}$/);
    expect(o.id).toBe(o.slug);
    const { rows } = await db().query('SELECT owner FROM basalt.organization_members WHERE organization_id = $1', [o.id]);
    expect(rows).toEqual([{ owner: aliceOwner }]);
  });

  it('lists only the organizations the token belongs to', async () => {
    const mine = (await alice('POST', '/organizations', { body: { name: 'Alice Second' } })).json();
    const theirs = (await bob('POST', '/organizations', { body: { name: 'Bob Org' } })).json();
    const a = await alice('GET', '/organizations');
    expect(a.status).toBe(200);
    const names = a.json().map((o: { name: string }) => o.name);
    expect(names).toEqual(expect.arrayContaining(['Alice Org', 'Alice Second']));
    expect(names).not.toContain('Bob Org');
    expect(a.json().find((o: { id: string }) => o.id === mine.id)).toEqual(mine);
    const b = await bob('GET', '/organizations');
    expect(b.json()).toEqual([theirs]);
  });

  it('tokens with the same owner share organizations', async () => {
    const one = await newToken('orgs-test team 1', { owner: 'orgs-test-team' });
    const two = await newToken('orgs-test team 2', { owner: 'orgs-test-team' });
    expect(one.owner).toBe('orgs-test-team');
    const org = (await v1(one.token)('POST', '/organizations', { body: { name: 'Team Org' } })).json();
    expect((await v1(two.token)('GET', '/organizations')).json()).toEqual([org]);
  });

  it.each([
    [undefined, /name/],
    [{}, /name is required/],
    [{ name: '' }, /must not be empty/],
    [{ name: 42 }, /name/],
    [{ name: 'x'.repeat(257) }, /at most 256/],
    [[{ name: 'x' }], /.+/],
  ])('refuses a bad body %j with 400 {message}', async (body, message) => {
    const r = await alice('POST', '/organizations', { body });
    expect(r.status).toBe(400);
    expect(Object.keys(r.json())).toEqual(['message']);
    expect(r.json().message).toMatch(message);
  });

  it('needs a token', async () => {
    for (const r of [await v1(null)('GET', '/organizations'), await v1(null)('POST', '/organizations', { body: { name: 'x' } })]) {
      expect(r.status).toBe(401);
      expect(r.json()).toEqual({ message: 'Unauthorized' });
    }
  });
});
