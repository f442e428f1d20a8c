import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type PsTree from 'ps-tree';
import { psTree } from '../packages.js';

/** One row of the process table: what the kill planner needs to know of a process. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** True when the process carries our job cookie in its environment (Linux only). */
  hasCookie: boolean;
}

export interface SnapshotOptions {
  /** `NAME=VALUE` to look for in each process's environment; survives setsid() and reparenting. */
  cookie?: string;
}

/**
 * Read the whole process table. On Linux from /proc (no fork, no parsing races with
 * PID order); elsewhere through ps-tree, which only knows parent links (see NOTES.md).
 */
export async function snapshotProcesses(opts: SnapshotOptions = {}): Promise<ProcessInfo[]> {
  return HAVE_PROC ? readProc(opts) : readPs();
}

const HAVE_PROC = existsSync('/proc/self/stat');

async function readProc(opts: SnapshotOptions): Promise<ProcessInfo[]> {
  const names = await readdir('/proc');
  const needle = opts.cookie ? Buffer.from(`\0${opts.cookie}\0`) : undefined;
  const rows = await Promise.all(
    names.filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57).map((n) => readOne(Number(n), needle)),
  );
  return rows.filter((r): r is ProcessInfo => r !== undefined);
}

async function readOne(pid: number, needle: Buffer | undefined): Promise<ProcessInfo | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'latin1');
    const row = parseProcStat(stat);
    if (!row) return undefined;
    let hasCookie = false;
    if (needle) {
      // environ is NUL-separated; prefix a NUL so the first variable matches too.
      const env = await readFile(`/proc/${pid}/environ`).catch(() => undefined);
      if (env) hasCookie = Buffer.concat([Buffer.from([0]), env, Buffer.from([0])]).includes(needle);
    }
    return { ...row, hasCookie };
  } catch {
    return undefined; // exited between readdir and read: not ours to kill any more
  }
}

/**
 * Parse /proc/PID/stat. The command name (field 2) is in parentheses and may itself
 * contain spaces and ')', so fields are counted from the LAST ')'.
 */
export function parseProcStat(stat: string): Omit<ProcessInfo, 'hasCookie'> | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number.parseInt(stat, 10);
  const rest = stat.slice(close + 2).split(' ');
  // rest[0]=state, [1]=ppid, [2]=pgrp, [3]=session
  const state = rest[0];
  if (state === 'Z' || state === 'X') return undefined; // zombies hold no work; their parent reaps them
  const ppid = Number(rest[1]);
  const pgid = Number(rest[2]);
  const sid = Number(rest[3]);
  if (![pid, ppid, pgid, sid].every(Number.isFinite)) return undefined;
  return { pid, ppid, pgid, sid };
}

/** Fallback for systems without /proc: parent links only, from ps-tree over the whole table. */
async function readPs(): Promise<ProcessInfo[]> {
  const rows = await new Promise<readonly PsTree.PS[]>((resolve, reject) => {
    try {
      psTree()(1, (err, children) => (err ? reject(err) : resolve(children)));
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err))); // ps missing: ps-tree throws synchronously
    }
  });
  return rows.map((r) => ({ pid: Number(r.PID), ppid: Number(r.PPID), pgid: -1, sid: -1, hasCookie: false }));
}
