/**
 * The state of one host's resolution, and how an option that applies lands in it: the first
 * obtained value of each keyword wins (ssh's rule), except IdentityFile, which accumulates.
 */
import { UsageError } from '../../errors.js';
import type { Located } from './tokens.js';
import type { OptionValue, StrictHostKeyChecking } from './types.js';

/** OpenSSH SSH_MAX_IDENTITY_FILES. */
const MAX_IDENTITY_FILES = 100;

export interface State {
  hostName?: Located<string>;
  user?: Located<string>;
  port?: Located<number>;
  identityFiles: Located<string>[];
  identitiesOnly?: boolean;
  userKnownHostsFiles?: Located<string[]>;
  globalKnownHostsFiles?: string[];
  strictHostKeyChecking?: StrictHostKeyChecking;
  connectTimeout?: { value: number | undefined };
  serverAliveInterval?: { value: number | undefined };
  serverAliveCountMax?: number;
  /** The shared ProxyJump/ProxyCommand slot. */
  proxy?: { kind: 'jump' | 'command'; value: string };
  compression?: boolean;
  batchMode?: boolean;
  identityAgent?: Located<string>;
  hashKnownHosts?: boolean;
  hostKeyAlias?: string;
  ignoreUnknown?: string;
  /** Refused keywords: the first value obtained of each, where it was read. */
  refusedSeen: Map<string, { value: string; at: string }>;
  /** A Match criterion lwt cannot evaluate was reached (`file:line: ...`). */
  refusedMatch?: string;
}

interface Where {
  source: string;
  line: number;
}

type OptionKey = OptionValue['key'];
/** The value type the parser gives keyword `K` (distributes over the OptionValue union). */
type ValueOf<K extends OptionKey, O = OptionValue> = O extends { key: infer Keys; value: infer V } ? (K extends Keys ? V : never) : never;

function addIdentityFile(st: State, value: string, at: Where): void {
  if (st.identityFiles.some((f) => f.value === value)) return; // OpenSSH skips duplicates.
  if (st.identityFiles.length >= MAX_IDENTITY_FILES) {
    throw new UsageError(`${at.source}:${at.line}: too many identity files (more than ${MAX_IDENTITY_FILES})`);
  }
  st.identityFiles.push({ value, ...at });
}

const APPLY: { [K in OptionKey]: (st: State, value: ValueOf<K>, at: Where) => void } = {
  hostName: (st, value, at) => (st.hostName ??= { value, ...at }),
  user: (st, value, at) => (st.user ??= { value, ...at }),
  port: (st, value, at) => (st.port ??= { value: value as number, ...at }),
  identityFile: addIdentityFile,
  identitiesOnly: (st, value) => (st.identitiesOnly ??= value),
  userKnownHostsFile: (st, value, at) => (st.userKnownHostsFiles ??= { value, ...at }),
  globalKnownHostsFile: (st, value) => (st.globalKnownHostsFiles ??= value),
  strictHostKeyChecking: (st, value) => (st.strictHostKeyChecking ??= value),
  connectTimeout: (st, value) => (st.connectTimeout ??= { value }),
  serverAliveInterval: (st, value) => (st.serverAliveInterval ??= { value }),
  serverAliveCountMax: (st, value) => (st.serverAliveCountMax ??= value),
  proxyJump: (st, value) => (st.proxy ??= { kind: 'jump', value }),
  proxyCommand: (st, value) => (st.proxy ??= { kind: 'command', value }),
  compression: (st, value) => (st.compression ??= value),
  batchMode: (st, value) => (st.batchMode ??= value),
  identityAgent: (st, value, at) => (st.identityAgent ??= { value, ...at }),
  hashKnownHosts: (st, value) => (st.hashKnownHosts ??= value),
  hostKeyAlias: (st, value) => (st.hostKeyAlias ??= value),
  ignoreUnknown: (st, value) => (st.ignoreUnknown ??= value),
};

export function apply(st: State, opt: OptionValue, source: string, line: number): void {
  const land = APPLY[opt.key] as (st: State, value: OptionValue['value'], at: Where) => void;
  land(st, opt.value, { source, line });
}
