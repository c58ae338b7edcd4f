import { describe, expect, it } from 'vitest';
import { DumpSplitter, readDump, type DumpEvent } from '../../src/shared/sql/dump-reader.ts';

/** Splits `text` fed in pieces of `size` characters; merges adjacent data events (their batching depends on chunking). */
function split(text: string, size = text.length || 1): DumpEvent[] {
  const s = new DumpSplitter();
  const out: DumpEvent[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...s.push(text.slice(i, i + size)));
  out.push(...s.end());
  const merged: DumpEvent[] = [];
  for (const e of out) {
    const last = merged[merged.length - 1];
    if (e.type === 'data' && last?.type === 'data') merged[merged.length - 1] = { type: 'data', text: last.text + e.text };
    else merged.push(e);
  }
  return merged;
}

/** The same events whatever the chunk size. */
function splitAll(text: string): DumpEvent[] {
  const whole = split(text);
  for (const size of [1, 2, 3, 5, 7, 13, 64]) expect(split(text, size), `chunk size ${size}`).toEqual(whole);
  return whole;
}

const sqls = (events: DumpEvent[]) => events.filter((e) => e.type === 'statement').map((e) => (e as { sql: string }).sql);

describe('dump reader: statements', () => {
  it('splits on semicolons outside quotes, identifiers and comments', () => {
    const text = `SELECT 'a;b', "c;d" FROM t; -- x; y\nSELECT /* a; /* nested; */ b; */ 2;\nSELECT E'it\\'s; \\\\'; SELECT 'it''s;'`;
    expect(sqls(splitAll(text))).toEqual([
      `SELECT 'a;b', "c;d" FROM t`,
      `-- x; y\nSELECT /* a; /* nested; */ b; */ 2`,
      `SELECT E'it\\'s; \\\\'`,
      `SELECT 'it''s;'`,
    ]);
  });

  it('keeps dollar-quoted bodies whole, and tells $1 and a$b from dollar quotes', () => {
    const fn = `CREATE FUNCTION f(int) RETURNS int LANGUAGE plpgsql AS $fn$ BEGIN RETURN $1; END; $x$ not a tag $fn$`;
    const text = `${fn};\nSELECT $$;$$, a$b;\nPREPARE p AS SELECT $1;`;
    expect(sqls(splitAll(text))).toEqual([fn, 'SELECT $$;$$, a$b', 'PREPARE p AS SELECT $1']);
  });

  it('keeps BEGIN ATOMIC … END function bodies and parenthesised rules whole', () => {
    const atomic = `CREATE OR REPLACE FUNCTION g(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END;\n SELECT 3;\nEND`;
    const rule = `CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); INSERT INTO u VALUES (2))`;
    expect(sqls(splitAll(`${atomic};\n${rule};\nSELECT 1;`))).toEqual([atomic, rule, 'SELECT 1']);
  });

  it('drops comment-only text and reports the first word and line', () => {
    const ev = splitAll(`--\n-- header\n--\n\n  set search_path = x;\n/* trailing */\n`);
    expect(ev).toEqual([{ type: 'statement', sql: '--\n-- header\n--\n\n  set search_path = x', firstWord: 'SET', line: 5 }]);
  });

  it('returns a final statement without semicolon, and refuses an unterminated string', () => {
    expect(sqls(splitAll('SELECT 1; SELECT 2'))).toEqual(['SELECT 1', 'SELECT 2']);
    expect(() => split("SELECT 'open")).toThrow(/Unterminated quoted string/);
    expect(() => split('SELECT $a$ open')).toThrow(/Unterminated dollar-quoted/);
  });
});

describe('dump reader: COPY blocks and meta-commands', () => {
  it('hands out COPY data verbatim up to \\. and resumes statements after it', () => {
    const data = '1\tline\\nbreak\t\\\\N\n2\t\\N\t;-- not sql\n3\t$$\t\'\n';
    const text = `\\restrict abc123\nSET x = 1;\nCOPY public.t (a, b, c) FROM stdin;\n${data}\\.\n\\connect other\nSELECT 1;\n\\unrestrict abc123\n`;
    expect(splitAll(text)).toEqual([
      { type: 'meta', command: '\\restrict abc123', line: 1 },
      { type: 'statement', sql: 'SET x = 1', firstWord: 'SET', line: 2 },
      { type: 'copy', sql: 'COPY public.t (a, b, c) FROM stdin', line: 3 },
      { type: 'data', text: data },
      { type: 'copy-end' },
      { type: 'meta', command: '\\connect other', line: 8 },
      { type: 'statement', sql: 'SELECT 1', firstWord: 'SELECT', line: 9 },
      { type: 'meta', command: '\\unrestrict abc123', line: 10 },
    ]);
  });

  it('handles an empty COPY block, CRLF and a missing final \\.', () => {
    expect(splitAll('COPY t FROM STDIN;\n\\.\nCOPY u FROM stdin;\r\n1\r\n\\.\r\nCOPY v FROM stdin;\n9\n')).toEqual([
      { type: 'copy', sql: 'COPY t FROM STDIN', line: 1 },
      { type: 'copy-end' },
      { type: 'copy', sql: 'COPY u FROM stdin', line: 3 },
      { type: 'data', text: '1\r\n' },
      { type: 'copy-end' },
      { type: 'copy', sql: 'COPY v FROM stdin', line: 6 },
      { type: 'data', text: '9\n' },
      { type: 'copy-end' },
    ]);
  });

  it('does not take COPY … FROM a file, or "stdin" inside quotes, for a data block', () => {
    const ev = splitAll(`COPY t FROM '/tmp/stdin';\nSELECT 'FROM stdin';\n`);
    expect(ev.map((e) => e.type)).toEqual(['statement', 'statement']);
  });

  it('reads bytes, keeping UTF-8 characters split across chunks whole, and drops a BOM', async () => {
    const bytes = Buffer.from('\uFEFFSELECT \'żółw 🐢\';\nCOPY t FROM stdin;\nα\tβ\n\\.\n');
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
    }
    const out: DumpEvent[] = [];
    for await (const e of readDump(chunks())) out.push(e);
    expect(out[0]).toMatchObject({ type: 'statement', sql: "SELECT 'żółw 🐢'" });
    expect(out.filter((e) => e.type === 'data').map((e) => (e as { text: string }).text).join('')).toBe('α\tβ\n');
  });
});
