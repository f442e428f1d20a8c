/**
 * Every keyword OpenSSH 9.2's client reads, and what lwt does with the ones it does not apply
 * (the applied ones are parsed in options.ts). Nothing is skipped silently:
 * - refused: a host to which it applies, with a value other than the harmless one, is
 *   reported `unreachable (config)`: it changes which host is reached, how it is
 *   authenticated or checked, or what runs there, and lwt will not connect another way;
 * - ignored: it cannot change any of those for a batch runner (terminal, forwarding,
 *   multiplexing, logging, tuning, extra auth methods lwt never offers).
 * The README's "SSH" section lists both.
 */

export interface RefusedKeyword {
  name: string;
  /** Values (lowercased) that ask for nothing lwt lacks: the keyword is harmless with them. */
  harmless: string[];
}

const refused = (name: string, ...harmless: string[]): [string, RefusedKeyword] => [name.toLowerCase(), { name, harmless }];

export const REFUSED_KEYWORDS: ReadonlyMap<string, RefusedKeyword> = new Map([
  refused('AddressFamily', 'any'),
  refused('BindAddress'),
  refused('BindInterface'),
  refused('CanonicalizeHostname', 'no', 'false'),
  refused('CertificateFile'),
  refused('ForwardAgent', 'no', 'false'),
  refused('KnownHostsCommand', 'none'),
  refused('LocalCommand'),
  refused('PermitLocalCommand', 'no', 'false'),
  refused('PKCS11Provider', 'none'),
  refused('ProxyUseFdpass', 'no', 'false'),
  refused('PubkeyAuthentication', 'yes', 'true', 'unbound', 'host-bound'),
  refused('RemoteCommand', 'none'),
  refused('RevokedHostKeys', 'none'),
  refused('SessionType', 'default'),
  refused('SetEnv'),
  refused('SmartcardDevice'),
]);

/** OpenSSH keywords lwt reads and deliberately does not apply; see the module comment. */
export const IGNORED_KEYWORDS: ReadonlySet<string> = new Set(
  [
    'AddKeysToAgent',
    'CanonicalDomains',
    'CanonicalizeFallbackLocal',
    'CanonicalizeMaxDots',
    'CanonicalizePermittedCNAMEs',
    'CASignatureAlgorithms',
    'ChallengeResponseAuthentication',
    'CheckHostIP',
    'Cipher',
    'Ciphers',
    'ClearAllForwardings',
    'CompressionLevel',
    'ConnectionAttempts',
    'ControlMaster',
    'ControlPath',
    'ControlPersist',
    'DSAAuthentication',
    'DynamicForward',
    'EnableEscapeCommandline',
    'EnableSSHKeysign',
    'EscapeChar',
    'ExitOnForwardFailure',
    'FallBackToRsh',
    'FingerprintHash',
    'ForkAfterAuthentication',
    'ForwardX11',
    'ForwardX11Timeout',
    'ForwardX11Trusted',
    'GatewayPorts',
    'GlobalKnownHostsFile2',
    'GSSAPIAuthentication',
    'GSSAPIClientIdentity',
    'GSSAPIDelegateCredentials',
    'GSSAPIKexAlgorithms',
    'GSSAPIKeyExchange',
    'GSSAPIRenewalForcesRekey',
    'GSSAPIServerIdentity',
    'GSSAPITrustDNS',
    'HostbasedAcceptedAlgorithms',
    'HostbasedAuthentication',
    'HostbasedKeyTypes',
    'HostKeyAlgorithms',
    'IdentityFile2',
    'IPQoS',
    'KbdInteractiveAuthentication',
    'KbdInteractiveDevices',
    'KeepAlive',
    'KerberosAuthentication',
    'KerberosTGTPassing',
    'AFSTokenPassing',
    'KexAlgorithms',
    'LocalForward',
    'LogLevel',
    'LogVerbose',
    'MACs',
    'NoHostAuthenticationForLocalhost',
    'NumberOfPasswordPrompts',
    'PasswordAuthentication',
    'PermitRemoteOpen',
    'PreferredAuthentications',
    'Protocol',
    'ProtocolKeepAlives',
    'PubkeyAcceptedAlgorithms',
    'PubkeyAcceptedKeyTypes',
    'RekeyLimit',
    'RemoteForward',
    'RequestTTY',
    'RequiredRSASize',
    'RhostsAuthentication',
    'RhostsRSAAuthentication',
    'RSAAuthentication',
    'SecurityKeyProvider',
    'SendEnv',
    'SetupTimeOut',
    'SKeyAuthentication',
    'StdinNull',
    'StreamLocalBindMask',
    'StreamLocalBindUnlink',
    'SyslogFacility',
    'TCPKeepAlive',
    'TISAuthentication',
    'Tunnel',
    'TunnelDevice',
    'UpdateHostKeys',
    'UseBlacklistedKeys',
    'UsePrivilegedPort',
    'UserKnownHostsFile2',
    'UseRoaming',
    'UseRsh',
    'VerifyHostKeyDNS',
    'VisualHostKey',
    'XAuthLocation',
  ].map((k) => k.toLowerCase()),
);

/** What lwt does with a keyword that options.ts does not parse. */
export function keywordRule(lower: string): { kind: 'refused'; rule: RefusedKeyword } | { kind: 'ignored' } | { kind: 'unknown' } {
  const rule = REFUSED_KEYWORDS.get(lower);
  if (rule) return { kind: 'refused', rule };
  if (IGNORED_KEYWORDS.has(lower)) return { kind: 'ignored' };
  return { kind: 'unknown' };
}
