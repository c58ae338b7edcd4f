/**
 * The import job: streams an uploaded SQL file (a Basalt export or `pg_dump --format=plain`)
 * from the artifact store and runs it in ONE transaction: statements as they are, COPY …
 * FROM stdin blocks through COPY. A failure (bad SQL, a killed worker, a lost connection)
 * leaves the database as it was, so BullMQ's at-least-once delivery is safe: the job's
 * result is committed in the same transaction, and a retry that finds it returns it
 * instead of importing again.
 */
import { once } from 'node:events';
import { UnrecoverableError } from 'bullmq';
import { parse } from '../shared/sql/pg-parser.ts';
import { from as copyFrom } from 'pg-copy-streams';
import { USER_SEARCH_PATH, withTransaction, type Pool, type PoolClient } from '../shared/db/pool.ts';
import type { ArtifactStore } from '../shared/jobs/artifacts.ts';
import type { JobProgress } from '../shared/jobs/payloads.ts';
import { jobClientError } from '../shared/jobs/client-error.ts';
import { IMPORT_FILE_ERROR, type ImportPayload, type ImportResult } from '../shared/jobs/payloads/import.ts';
import { readDump } from '../shared/sql/dump-reader.ts';
import { qualified, quoteIdent } from '../shared/sql/ident.ts';
import type { Logger } from '../shared/log.ts';
import type { Config } from '../shared/config.ts';
import { percentOf, ProgressTicker } from './job-progress.ts';

interface Ctx {
  jobId: string;
  pool: Pool;
  artifacts: ArtifactStore;
  log: Logger;
  signal?: AbortSignal;
  config: Pick<Config, 'JOB_RESULT_TTL_SECONDS'>;
  progress: (p: JobProgress) => Promise<void>;
}

/** Transaction control in the file would break the one transaction: skipped. */
const TRANSACTION_WORDS = new Set(['BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'SAVEPOINT', 'RELEASE']);

interface Target {
  schema: string | null;
  name: string;
}

export async function runImport(p: ImportPayload, ctx: Ctx): Promise<ImportResult> {
  const info = await ctx.artifacts.info(p.artifactId);
  if (!info?.complete) throw new UnrecoverableError(`The uploaded file ${p.artifactId} is missing or has expired`);

  let stopTicker = () => {};
  let finishTicker = async () => {};
  let result: ImportResult | undefined;
  // The file may change session settings (search_path, role…): its connection is never reused.
  let reusable = false;
  try {
    const out = await withTransaction(
      ctx.pool,
      async (client) => {
      const done = await ctx.artifacts.readResult<ImportResult>(ctx.jobId, client);
      if (done) {
        // An earlier delivery committed and died before BullMQ heard: its result stands.
        reusable = true;
        ctx.log.info('import already committed by an earlier attempt');
        return done;
      }

      const tables: Target[] = [];
      const seen = new Set<string>();
      const addTarget = (t: Target | undefined) => {
        if (!t) return;
        const key = `${t.schema ?? ''}.${t.name}`;
        if (!seen.has(key)) {
          seen.add(key);
          tables.push(t);
        }
      };

      if (p.truncate) {
        // A first pass finds the tables the file loads; those that exist already are emptied.
        for await (const ev of readDump(ctx.artifacts.stream(p.artifactId))) {
          if (ev.type === 'copy' || (ev.type === 'statement' && ev.firstWord === 'INSERT')) addTarget(await targetOf(ev.sql));
        }
        const existing: string[] = [];
        for (const t of tables) {
          const name = t.schema ? qualified(t.schema, t.name) : quoteIdent(t.name);
          const { rows } = await client.query<{ ok: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS ok`, [name]);
          if (rows[0].ok) existing.push(name);
        }
        if (existing.length) await run(client, `TRUNCATE ${existing.join(', ')}`, 0);
      }

      let rowsImported = 0;
      let statements = 0;
      let copyLines = 0; // lines sent in the COPY under way: its progress until COPY reports its count
      let fileBytes = 0; // of the upload, read by the main pass
      let table: string | undefined;
      const ticker = new ProgressTicker(ctx.progress, () => ({
        rows: rowsImported + copyLines,
        bytes: fileBytes,
        totalBytes: p.fileSize,
        statements,
        table,
        percent: percentOf(fileBytes, p.fileSize),
      }));
      stopTicker = () => ticker.stop();
      finishTicker = () => {
        table = undefined;
        return ticker.finish();
      };
      async function* counted(src: AsyncIterable<Buffer | string>) {
        for await (const piece of src) {
          fileBytes += typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length;
          yield piece;
        }
      }
      let copy: { stream: ReturnType<typeof copyFrom>; done: Promise<void>; line: number; table: string } | undefined;

      for await (const ev of readDump(counted(ctx.artifacts.stream(p.artifactId)))) {
        if (ctx.signal?.aborted) throw new Error('cancelled');
        switch (ev.type) {
          case 'meta':
            ctx.log.info({ command: ev.command.split(/\s/)[0], line: ev.line }, 'psql meta-command skipped');
            break;
          case 'statement': {
            if (TRANSACTION_WORDS.has(ev.firstWord)) {
              ctx.log.info({ line: ev.line, statement: ev.firstWord }, 'transaction control skipped: the import is one transaction');
              break;
            }
            if (ev.firstWord === 'COPY') {
              throw fileError(`line ${ev.line}: only COPY … FROM stdin is accepted in an import file`);
            }
            const r = await run(client, ev.sql, ev.line);
            statements++;
            if (ev.firstWord === 'INSERT') {
              rowsImported += r.rowCount ?? 0;
              addTarget(await targetOf(ev.sql));
            }
            break;
          }
          case 'copy': {
            const target = await targetOf(ev.sql);
            addTarget(target);
            const stream = client.query(copyFrom(ev.sql));
            const done = new Promise<void>((resolve, reject) => {
              stream.on('finish', resolve);
              stream.on('error', reject);
            });
            done.catch(() => {}); // observed when the block ends
            copy = { stream, done, line: ev.line, table: target?.name ?? '' };
            table = copy.table;
            break;
          }
          case 'data': {
            if (!copy) break;
            for (let k = ev.text.indexOf('\n'); k !== -1; k = ev.text.indexOf('\n', k + 1)) copyLines++;
            try {
              if (!copy.stream.write(ev.text)) await Promise.race([once(copy.stream, 'drain'), copy.done]);
            } catch (e) {
              throw fileError(`COPY at line ${copy.line}: ${(e as Error).message}`);
            }
            break;
          }
          case 'copy-end': {
            if (!copy) break;
            copy.stream.end();
            try {
              await copy.done;
            } catch (e) {
              throw fileError(`COPY at line ${copy.line}: ${(e as Error).message}`);
            }
            rowsImported += copy.stream.rowCount;
            copyLines = 0;
            copy = undefined;
            statements++;
            break;
          }
        }
      }

      result = {
        filename: p.filename,
        fileSize: p.fileSize,
        tables: tables.map((t) => t.name),
        rowsImported,
      };
      // The result is the job's output artifact, written in the import's own transaction.
      await ctx.artifacts.writeResult(client, ctx.jobId, 'import.json', result);
        return { result, statements, rowsImported };
      },
      {
        setup: async (client) => {
          // Two deliveries of the same job (a lock that lapsed) wait for each other here.
          await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`basalt-import:${ctx.jobId}`]);
          // The file's SQL resolves names as psql would (a pg_dump file sets its own path).
          await client.query(`SELECT pg_catalog.set_config('search_path', $1, true)`, [USER_SEARCH_PATH]);
        },
        discard: () => !reusable,
      },
    );
    if (!('result' in out)) return out;
    await finishTicker();
    ctx.log.info({ statements: out.statements, rowsImported: out.rowsImported, tables: out.result.tables.length }, 'import committed');
    return out.result;
  } finally {
    stopTicker();
  }
}

/** Runs one statement; its SQL errors are the file's fault (a client error, not retried). */
async function run(client: PoolClient, sql: string, line: number) {
  try {
    return await client.query(sql);
  } catch (e) {
    const err = e as Error & { code?: string; position?: string };
    if (err.code && !/^(08|57P|53|40)/.test(err.code)) throw fileError(`line ${line}: ${err.message}`);
    throw e;
  }
}

const fileError = (msg: string) => jobClientError('IMPORT_FAILED', `${IMPORT_FILE_ERROR} ${msg}`);

/** The table a COPY or INSERT statement loads, read with PostgreSQL's own parser. */
async function targetOf(sql: string): Promise<Target | undefined> {
  let tree: { stmts?: { stmt: Record<string, { relation?: { schemaname?: string; relname: string } }> }[] };
  try {
    tree = (await parse(sql)) as typeof tree;
  } catch (e) {
    throw fileError(`cannot parse "${sql.slice(0, 80)}": ${(e as Error).message}`);
  }
  const stmt = tree.stmts?.[0]?.stmt ?? {};
  const rel = (stmt.CopyStmt ?? stmt.InsertStmt)?.relation;
  return rel ? { schema: rel.schemaname ?? null, name: rel.relname } : undefined;
}
