/**
 * Stands in for the safer-buffer package inside the CLI bundle, for asn1's BER reader and
 * writer (scripts/bundle-stand-ins.mjs), which ssh2 loads at its start. safer-buffer copies
 * every export of node:buffer at load, which wakes its lazy ones (node's File class): ~1 ms of
 * every start of an SSH verb. Its Buffer is node's without the unsafe allocators; asn1 calls
 * Buffer.alloc, byteLength and isBuffer, the very same functions here.
 */
export { Buffer } from 'node:buffer';
