/**
 * Headers of a tar stream as GNU tar reads it (`tar -x` on the host, see push-stream.ts):
 * 512-byte ustar blocks with GNU long-name records ('L', 'K') for names and link targets past
 * 100 bytes, and GNU base-256 for sizes past 8 GiB. Names are bytes (byte-names.ts): a name
 * that is not UTF-8 goes into the header exactly as the host must create it.
 * No library in node_modules writes tar; these ~100 lines are the whole format we need.
 */
import { encodeName } from './byte-names.js';

export const BLOCK = 512;
/** GNU tar reads in records of 20 blocks; the stream ends with two zero blocks, padded to a record. */
const RECORD = 20 * BLOCK;

export interface TarMember {
  /** Path relative to the extraction folder (byte-names escapes allowed). */
  name: string;
  type: 'file' | 'symlink';
  /** Permission bits, 07777. */
  mode: number;
  /** Content bytes (files). */
  size: number;
  /** Whole seconds. */
  mtime: number;
  /** Symlink target. */
  target?: string;
}

/** An octal field of `width` bytes: digits, then NUL. */
function octal(block: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8).padStart(width - 1, '0');
  if (digits.length > width - 1) throw new RangeError(`tar field overflow (${value})`);
  block.write(digits, offset, 'ascii');
  block[offset + width - 1] = 0;
}

/** A 12-byte numeric field; GNU base-256 (first byte 0x80) when octal cannot hold it. */
function number12(block: Buffer, offset: number, value: number): void {
  if (value < 0o77777777777) return octal(block, offset, 12, value);
  block[offset] = 0x80;
  let v = BigInt(value);
  for (let i = offset + 11; i > offset; i--) {
    block[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function checksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.write(sum.toString(8).padStart(6, '0'), 148, 'ascii');
  block[154] = 0;
  block[155] = 0x20;
}

function header(name: Buffer, typeflag: string, mode: number, size: number, mtime: number, link: Buffer): Buffer {
  const b = Buffer.alloc(BLOCK);
  name.copy(b, 0, 0, Math.min(name.length, 100));
  octal(b, 100, 8, mode);
  octal(b, 108, 8, 0); // uid: the host's user (tar runs with --no-same-owner)
  octal(b, 116, 8, 0); // gid
  number12(b, 124, size);
  number12(b, 136, Math.max(0, mtime));
  b.write(typeflag, 156, 'ascii');
  link.copy(b, 157, 0, Math.min(link.length, 100));
  b.write('ustar  \0', 257, 'latin1'); // GNU magic + version: the long-name records are GNU's
  checksum(b);
  return b;
}

/** A GNU long-name ('L') or long-link ('K') record: the bytes plus NUL, padded to whole blocks. */
function longRecord(typeflag: 'L' | 'K', bytes: Buffer): Buffer[] {
  const body = Buffer.alloc(padded(bytes.length + 1));
  bytes.copy(body);
  return [header(Buffer.from('././@LongLink'), typeflag, 0, bytes.length + 1, 0, Buffer.alloc(0)), body];
}

/** Size rounded up to whole blocks. */
export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** The blocks before a member's content (its header, and long-name records when needed). */
export function memberHeader(m: TarMember): Buffer {
  const name = encodeName(m.name);
  const link = m.type === 'symlink' ? encodeName(m.target ?? '') : Buffer.alloc(0);
  const parts: Buffer[] = [];
  if (name.length > 100) parts.push(...longRecord('L', name));
  if (link.length > 100) parts.push(...longRecord('K', link));
  const size = m.type === 'file' ? m.size : 0;
  parts.push(header(name, m.type === 'file' ? '0' : '2', m.mode & 0o7777, size, Math.floor(m.mtime), link));
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Zero bytes that complete a member's content of `size` bytes to whole blocks. */
export function contentPadding(size: number): Buffer {
  return Buffer.alloc(padded(size) - size);
}

/** The end of the archive after `written` bytes: two zero blocks, then zeros to a whole record. */
export function archiveEnd(written: number): Buffer {
  const end = written + 2 * BLOCK;
  return Buffer.alloc(Math.ceil(end / RECORD) * RECORD - written);
}
