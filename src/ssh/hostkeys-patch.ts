/**
 * No host key proofs that nothing reads. After login OpenSSH's sshd announces all its host
 * keys (`hostkeys-00@openssh.com`, for the client option UpdateHostKeys). ssh2's client
 * answers every announcement by asking the host to prove them (`hostkeys-prove-00`: the host
 * signs with each of its keys, RSA included, and sends the signatures back) and checks every
 * signature from PEM text, only to emit a 'hostkeys' event. lwt does not apply UpdateHostKeys
 * and does not listen to that event: a 100-host profile put those checks at ~0.25 ms of
 * client CPU per connection, on top of the host's signatures and one more round trip.
 *
 * An announcement to a client without a 'hostkeys' listener is now let be, as OpenSSH's
 * client does under `UpdateHostKeys no`; a reply the host asks for is sent as ssh2 sends it.
 * Done by wrapping the GLOBAL_REQUEST handler of one client's protocol object (call right
 * after `connect()`); does nothing when the handler is not where expected.
 * Only vendor.ts calls this: it hands over ssh2's objects, so ssh2 is imported there only.
 */

type GlobalRequest = (proto: unknown, name: string, wantReply: boolean, data: unknown) => void;
interface Protocol {
  _handlers?: { GLOBAL_REQUEST?: GlobalRequest };
  requestSuccess?: () => void;
}

let patched = 0;

/** How many clients had the announcement left unproved (a unit test checks that it still applies). */
export function hostKeysProofSkipped(): number {
  return patched;
}

export function skipHostKeysProof(client: { listenerCount(event: string): number }): void {
  const proto = (client as { _protocol?: Protocol })._protocol;
  const handlers = proto?._handlers;
  const original = handlers?.GLOBAL_REQUEST;
  if (!proto || !handlers || typeof original !== 'function' || typeof proto.requestSuccess !== 'function') return;
  handlers.GLOBAL_REQUEST = (p, name, wantReply, data): void => {
    if (name !== 'hostkeys-00@openssh.com' || client.listenerCount('hostkeys') > 0) return original(p, name, wantReply, data);
    if (wantReply) proto.requestSuccess!();
  };
  patched++;
}
