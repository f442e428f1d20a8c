/** The command line's entry point: the bundle's entry (scripts/bundle.mjs) and bin/lwt's fallback. */
import { cli } from './main.js';

await cli();
