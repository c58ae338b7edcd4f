/**
 * `npm run build`: src/ (and the npm start supervisor) to JavaScript in dist/, one output file per
 * source file in the same layout, so what a module reads beside itself (SQL, migrations, the vendor
 * key, ../../../package.json) is found there too. esbuild only strips types: `npm run typecheck`
 * is the type check. Plain JavaScript, so it runs with node and nothing else.
 *
 *   node scripts/build.mjs             build
 *   node scripts/build.mjs --if-stale  build only when a source is newer than the last build
 */
import { build } from 'esbuild';
import { cpSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist');
const stamp = path.join(out, '.built');
// The benchmark's baseline server too, when present (not in the Docker build stage), so `npm run bench:*`
// compares compiled code with compiled code.
const sources = ['src', 'scripts/start.ts', 'scripts/local-services.ts', 'bench/baseline-server.ts', 'package.json', 'scripts/build.mjs'].filter((s) =>
  existsSync(path.join(root, s)),
);

function* files(p) {
  if (!statSync(p).isDirectory()) return yield p;
  for (const e of readdirSync(p)) yield* files(path.join(p, e));
}
const all = sources.flatMap((s) => [...files(path.join(root, s))]);

if (process.argv.includes('--if-stale') && existsSync(stamp)) {
  const built = statSync(stamp).mtimeMs;
  if (all.every((f) => statSync(f).mtimeMs <= built)) process.exit(0);
}

const started = Date.now();
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: all.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
  outdir: out,
  outbase: root,
  // Bundling only so a plugin can rewrite relative specifiers: every import stays external.
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'relative-imports-to-js',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (a) => ({ path: a.path.replace(/\.ts$/, '.js'), external: true }));
      },
    },
  ],
});
for (const f of all) {
  if (f.endsWith('.ts') || f.endsWith('.mjs')) continue;
  cpSync(f, path.join(out, path.relative(root, f)));
}
writeFileSync(stamp, new Date().toISOString() + '\n');
process.stderr.write(`basalt: built dist/ in ${Date.now() - started} ms\n`);
