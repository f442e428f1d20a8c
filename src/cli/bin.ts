/** The command line's entry point: the bundle's (scripts/bundle.mjs), and bin/lwt's without one. */
import { cli } from './main.js';

void cli();
