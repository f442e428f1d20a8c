/** Shared by the ssh config tests: a scratch home with files, and parsing text as a user config. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../../../src/errors.js';
import { parseSshConfig } from '../../../../src/ssh/config/parse.js';
import type { SshConfig } from '../../../../src/ssh/config/types.js';

export const LOCAL = { localUser: 'alice', localHostname: 'box.example.net' };

export async function withHome(files: Record<string, string>, fn: (home: string) => Promise<void>): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'lwt-sshcfg-'));
  try {
    for (const [rel, text] of Object.entries(files)) {
      const p = join(home, rel);
      await mkdir(join(p, '..'), { recursive: true });
      await writeFile(p, text);
    }
    await fn(home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

export function cfgOf(text: string): SshConfig {
  return parseSshConfig(text, 'test.conf', { home: '/home/alice' });
}

export function usageError(message: string | RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  };
}
