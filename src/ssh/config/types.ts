/**
 * The shapes of a read ssh_config(5): what parsing produces (files of entries, each option
 * already checked and typed) and what resolving one host yields.
 */
export type StrictHostKeyChecking = 'yes' | 'no' | 'accept-new' | 'ask';

/** An identity file to try, and whether the operator named it (a missing default is skipped silently). */
export interface IdentityFileRef {
  path: string;
  explicit: boolean;
}

export interface ResolvedHostConfig {
  /** The name to connect to: HostName with %h expanded, or the name given; lowercased as ssh does. */
  hostName: string;
  /** User from the caller or the config; undefined means the local user. */
  user?: string;
  /** Undefined means 22. */
  port?: number;
  /** Paths of `identities`, in order. */
  identityFiles: string[];
  /** Identity files with their origin: configured ones are explicit, the built-in defaults are not. */
  identities: IdentityFileRef[];
  identitiesOnly: boolean;
  /** Empty when set to `none`. */
  userKnownHostsFiles: string[];
  /** Empty when set to `none`. */
  globalKnownHostsFiles: string[];
  /** `ask` is what ssh does with no setting; lwt never prompts, so it treats ask as yes. */
  strictHostKeyChecking: StrictHostKeyChecking;
  /** Undefined when unset or `0`/`none` (ssh then waits for the system's TCP timeout). */
  connectTimeoutSec?: number;
  /** 0 disables keepalives, as in ssh. */
  serverAliveIntervalSec?: number;
  serverAliveCountMax?: number;
  /** Raw ProxyJump value (`[user@]host[:port][,...]`); undefined when unset or `none`. */
  proxyJump?: string;
  /**
   * Raw ProxyCommand (tokens not expanded); undefined when unset or `none`. ProxyJump and
   * ProxyCommand share one slot in ssh: whichever is obtained first wins and the other is ignored.
   */
  proxyCommand?: string;
  compression?: boolean;
  batchMode?: boolean;
  /** Agent socket after expansion; `none` disables the agent; undefined means $SSH_AUTH_SOCK. */
  identityAgent?: string;
  hashKnownHosts?: boolean;
  /** Name to look the host key up under in known_hosts instead of the host name (port ignored). */
  hostKeyAlias?: string;
  /**
   * Why lwt must not connect to this host as configured (`file:line: ...`): a keyword or Match
   * criterion it does not apply. The host is reported `unreachable (config)`.
   */
  refused?: string;
}

export type StringKey = 'hostName' | 'user' | 'identityFile' | 'identityAgent' | 'hostKeyAlias' | 'proxyJump' | 'proxyCommand' | 'ignoreUnknown';
export type NumberKey = 'port' | 'connectTimeout' | 'serverAliveInterval' | 'serverAliveCountMax';
export type FlagKey = 'identitiesOnly' | 'compression' | 'batchMode' | 'hashKnownHosts';
export type ListKey = 'userKnownHostsFile' | 'globalKnownHostsFile';

export type OptionValue =
  | { key: StringKey; value: string }
  /** `undefined` for time values set to none/0: the keyword is obtained, with no value. */
  | { key: NumberKey; value: number | undefined }
  | { key: FlagKey; value: boolean }
  | { key: ListKey; value: string[] }
  | { key: 'strictHostKeyChecking'; value: StrictHostKeyChecking };

export type MatchAttr = 'all' | 'host' | 'originalhost' | 'user' | 'localuser' | 'canonical' | 'final' | 'exec';

export interface MatchCriterion {
  negate: boolean;
  attr: MatchAttr;
  arg?: string;
}

export type ConfigEntry =
  | { kind: 'host'; line: number; patterns: string[] }
  | { kind: 'match'; line: number; criteria: MatchCriterion[] }
  /** `files` is filled by loadSshConfig; parseSshConfig alone leaves it undefined. */
  | { kind: 'include'; line: number; args: string[]; files?: ConfigFile[] }
  | { kind: 'option'; line: number; option: OptionValue }
  /** An OpenSSH keyword lwt does not apply and will not connect without (keywords.ts). */
  | { kind: 'refused'; line: number; keyword: string; value: string }
  /** A keyword OpenSSH does not know: an error unless IgnoreUnknown covers it. */
  | { kind: 'unknown'; line: number; keyword: string };

export interface ConfigFile {
  /** Name used in messages: the path, with the home folder shown as `~`. */
  source: string;
  /** A user configuration (~/.ssh/config or -F): relative Include paths are under ~/.ssh. */
  userConf: boolean;
  entries: ConfigEntry[];
}

export interface SshConfig {
  /** Top-level files in reading order (user config, then the system one). */
  files: ConfigFile[];
  /** Things lwt read but does not apply (unsupported Match criteria, %-tokens...). */
  warnings: string[];
  home: string;
}
