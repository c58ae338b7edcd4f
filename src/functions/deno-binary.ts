/**
 * The Deno binary that the npm package `deno` installs: each platform's binary is an optional
 * package of its own (@deno/linux-x64-glibc, …), locked in package-lock.json, so `npm ci`
 * brings it and nothing is downloaded at run time.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

const PLATFORM_PACKAGES: Record<string, string> = {
  'linux-x64': '@deno/linux-x64-glibc',
  'linux-arm64': '@deno/linux-arm64-glibc',
  'darwin-x64': '@deno/darwin-x64',
  'darwin-arm64': '@deno/darwin-arm64',
  'win32-x64': '@deno/win32-x64',
  'win32-arm64': '@deno/win32-arm64',
};

export function denoBinary(): string {
  const exe = process.platform === 'win32' ? 'deno.exe' : 'deno';
  const candidates: string[] = [];
  const pkg = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  for (const name of [pkg, 'deno']) {
    if (!name) continue;
    try {
      candidates.push(path.join(path.dirname(require.resolve(`${name}/package.json`)), exe));
    } catch {
      // not installed for this platform
    }
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`No Deno binary for ${process.platform}-${process.arch}: run npm ci (the deno package brings it)`);
  return found;
}
