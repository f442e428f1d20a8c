/** Shared by the ssh config tests: a scratch home with files, parsing text as a user config, and ssh's verdict on a value. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
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

let verdicts: { file: string; map: Record<string, boolean> } | undefined;

/**
 * Whether OpenSSH accepts `KEYWORD VALUE` (`ssh -G -o`), with X and Y set in its environment.
 * The answers are the oracle's, not lwt's: they are kept per ssh version in a file under the
 * temp folder, since mutation testing asks them again for every mutant.
 */
export function sshAccepts(keyword: string, value: string): boolean {
  if (verdicts === undefined) {
    const version = spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim();
    const file = join(tmpdir(), `lwt-ssh-verdicts-${createHash('sha256').update(version).digest('hex').slice(0, 16)}.json`);
    let map: Record<string, boolean> = {};
    try {
      map = JSON.parse(readFileSync(file, 'utf8')) as Record<string, boolean>;
    } catch {
      // First use with this ssh.
    }
    verdicts = { file, map };
  }
  const key = `${keyword} ${value}`;
  const known = verdicts.map[key];
  if (known !== undefined) return known;
  const r = spawnSync('ssh', ['-G', '-F', '/dev/null', '-o', key, 'example.invalid'], { stdio: 'ignore', env: { ...process.env, X: 'x', Y: 'y' } });
  verdicts.map[key] = r.status === 0;
  const tmp = `${verdicts.file}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(verdicts.map));
  renameSync(tmp, verdicts.file);
  return r.status === 0;
}
