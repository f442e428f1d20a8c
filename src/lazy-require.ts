/**
 * A CommonJS package loaded at its first use instead of at start. Start-up is most of a
 * short run (`lwt --version`, a one-host exec-all), and each verb needs only some of lwt's
 * libraries: ssh2 alone costs more to load than the rest of lwt. A plain synchronous
 * require, so that callers stay synchronous; the packages named here are CommonJS.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
