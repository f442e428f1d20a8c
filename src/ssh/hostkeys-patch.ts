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
 * But something must still answer it at once: sshd sends with Nagle's algorithm on, so its
 * next packet (the session channel's confirmation) waits for the TCP acknowledgement of the
 * announcement, which a client with nothing to send delays by up to 40 ms (measured: a
 * one-host run took 48 ms longer). The client sends SSH_MSG_IGNORE instead of the proof
 * request, which every implementation must accept and drop (RFC 4253 §11.2): the
 * acknowledgement leaves with it.
 * Done by wrapping the GLOBAL_REQUEST handler of one client's protocol object (call right
 * after `connect()`) and writing the packet as ssh2 writes its own; does nothing when either
 * is not as expected.
 * Only vendor.ts calls this: it hands over ssh2's objects, so ssh2 is imported there only.
 */

type GlobalRequest = (proto: unknown, name: string, wantReply: boolean, data: unknown) => void;
interface Protocol {
  _handlers?: { GLOBAL_REQUEST?: GlobalRequest };
  requestSuccess?: () => void;
  _packetRW?: { write?: { allocStart: number; alloc(n: number): Buffer; finalize(packet: Buffer): Buffer } };
  _cipher?: { encrypt(packet: Buffer): void };
  _kexinit?: unknown;
  _queue?: Buffer[];
}

const SSH_MSG_IGNORE = 2;

/** An empty SSH_MSG_IGNORE, sent (or queued during a key exchange) as ssh2's sendPacket does. */
function sendIgnore(proto: Required<Pick<Protocol, '_packetRW' | '_cipher'>> & Protocol): void {
  const w = proto._packetRW.write!;
  const p = w.allocStart;
  const packet = w.alloc(1 + 4);
  packet[p] = SSH_MSG_IGNORE;
  packet.writeUInt32BE(0, p + 1); // string data: empty
  const finished = w.finalize(packet);
  if (proto._kexinit !== undefined) (proto._queue ??= []).push(finished);
  else proto._cipher.encrypt(finished);
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
  const writer = proto?._packetRW?.write;
  if (!proto || !handlers || typeof original !== 'function' || typeof proto.requestSuccess !== 'function') return;
  if (typeof writer?.alloc !== 'function' || typeof writer.finalize !== 'function' || typeof proto._cipher?.encrypt !== 'function') return;
  const sendable = proto as Parameters<typeof sendIgnore>[0];
  handlers.GLOBAL_REQUEST = (p, name, wantReply, data): void => {
    if (name !== 'hostkeys-00@openssh.com' || client.listenerCount('hostkeys') > 0) return original(p, name, wantReply, data);
    if (wantReply) proto.requestSuccess!();
    else sendIgnore(sendable);
  };
  patched++;
}
