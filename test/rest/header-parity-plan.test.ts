/**
 * Accept: application/vnd.pgrst.plan (PostgREST's db-plan-enabled; the test API runs with
 * DB_PLAN_ENABLED=true) on the `rest_rpc_parity` fixture: the statement's EXPLAIN as JSON or
 * text, for the media type named in `for`, with `options=`; writes are never kept.
 */
import { describe, expect, it } from 'vitest';
import { db, restUrl } from '../support/env.ts';
import { sender, toReply, type Param } from '../support/http.ts';

const send = sender(restUrl, 'rest_rpc_parity');
const call = async (method: string, path: string, o: { params?: Param[]; body?: unknown; headers?: Record<string, string> } = {}) =>
  toReply(await send(method, path, o));
const PLAN_JSON = 'application/vnd.pgrst.plan+json; for="application/json"; charset=utf-8';

describe('EXPLAIN plans', () => {
  it('a read answers its plan as JSON with the total cost', async () => {
    const r = await call('GET', '/items', { params: [['id', 'in.(1,2,3)']], headers: { Accept: 'application/vnd.pgrst.plan+json' } });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe(PLAN_JSON);
    expect(r.json()[0].Plan['Total Cost']).toBeGreaterThan(0);
  });

  it('options are echoed and passed to EXPLAIN', async () => {
    const r = await call('GET', '/items', { headers: { Accept: 'application/vnd.pgrst.plan+json; options=verbose|settings' } });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.pgrst.plan+json; for="application/json"; options=verbose|settings; charset=utf-8');
    expect(r.json()[0].Plan.Output).toBeDefined();
  });

  it('for= names the representation planned', async () => {
    const r = await call('GET', '/items', { params: [['id', 'eq.1']], headers: { Accept: 'application/vnd.pgrst.plan+json; for="application/vnd.pgrst.object"' } });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.pgrst.plan+json; for="application/vnd.pgrst.object+json"; charset=utf-8');
  });

  it('text format, the default without a suffix, for an RPC', async () => {
    const r = await call('GET', '/rpc/instant', { headers: { Accept: 'application/vnd.pgrst.plan' } });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.pgrst.plan+text; for="application/json"; charset=utf-8');
    expect(r.text).toMatch(/cost=\d/);
  });

  it('an insert explained with analyze runs and is rolled back', async () => {
    const r = await call('POST', '/items', { body: { id: 3001, name: 'planned' }, headers: { Accept: 'application/vnd.pgrst.plan+json; options=analyze' } });
    expect(r.status, r.text).toBe(200);
    expect(r.json()[0].Plan['Actual Rows']).toBeDefined();
    expect((await db().query('SELECT 1 FROM rest_rpc_parity.items WHERE id = 3001')).rowCount).toBe(0);
  });

  it('an unknown option is 406', async () => {
    const r = await call('GET', '/items', { headers: { Accept: 'application/vnd.pgrst.plan+json; options=everything' } });
    expect(r.status).toBe(406);
    expect(r.json().code).toBe('PGRST107');
  });
});
