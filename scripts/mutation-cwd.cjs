// Preloaded by Stryker's TAP runner before its own hook (stryker.config.mjs): the hook writes each
// test file's results to a file named relative to the current folder when the process exits, and
// a test file that works from a folder of its own (hosts/select, cli/context) and is stopped at
// its first failure never changes back, so Stryker found no results and counted the mutant as a
// runtime error rather than killed. This listener is registered first, so it runs first.
'use strict';
const start = process.cwd();
process.on('exit', () => {
  try {
    process.chdir(start);
  } catch {
    // The folder is gone: the hook's write fails as it would have.
  }
});
