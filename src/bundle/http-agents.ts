/**
 * Stands in for ssh2's http-agents.js inside the CLI bundle (scripts/bundle-stand-ins.mjs): the
 * HTTP(S)-over-SSH agents ssh2 exports, which lwt never uses. The real module loads node's
 * http, https and tls at ssh2's load: ~3–5 ms of every start of an SSH verb. Here each agent
 * is built from the real module (inside the bundle too) at its first construction.
 */
import { ssh2HttpAgents } from '../packages.js';

type Agent = new (...args: unknown[]) => object;

function lazyAgent(name: 'SSHTTPAgent' | 'SSHTTPSAgent'): Agent {
  // A constructor that returns an object: `new` gives that object, the real agent.
  return function (...args: unknown[]): object {
    return new (ssh2HttpAgents()[name] as Agent)(...args);
  } as unknown as Agent;
}

export const SSHTTPAgent = lazyAgent('SSHTTPAgent');
export const SSHTTPSAgent = lazyAgent('SSHTTPSAgent');
