// Mutation testing of lwt's pure logic (npm run test:mutation runs scripts/mutation.sh; README "Set-up, main job, tests").
// The unit tests are compiled by tsc inside Stryker's sandbox and run one file at a time by
// the TAP runner; with per-test coverage only the test files that reach a mutant run for it.
// `npm run test:mutation` sets LWT_MUTATION=1: tests that time plain code (100k-line known_hosts
// files, the fold's growth) skip themselves: instrumented code is several times slower, and
// they would run for every mutant of the modules they cover.
// CPU-heavy: run it under the shared lock, one folder at a time, never in CI:
//   flock /tmp/lwt-fleet.lock npm run test:mutation -- --mutate 'src/hosts/**/*.ts'
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'tap',
  tap: {
    testFiles: ['dist/test/unit/**/*.test.js'],
    // node 20 picks its reporter by terminal; the runner reads TAP. mutation-cwd.cjs goes
    // back to the first folder before the hook writes its results (see that file).
    nodeArgs: ['-r', './scripts/mutation-cwd.cjs', '-r', '{{hookFile}}', '--test-reporter=tap'],
    forceBail: true,
  },
  buildCommand: 'npx tsc -p tsconfig.json',
  coverageAnalysis: 'perTest',
  // Not kill-tree.ts and process-table.ts: their mutants choose which processes get SIGKILL
  // (they once killed processes outside the run). Their unit tests stay; scripts/mutation.sh
  // also runs Stryker in a PID namespace of its own.
  mutate: [
    'src/core/**/*.ts',
    '!src/core/kill-tree.ts',
    '!src/core/process-table.ts',
    'src/hosts/**/*.ts',
    'src/ssh/config/**/*.ts',
    'src/ssh/known-hosts/**/*.ts',
    'src/ssh/host-patterns.ts',
    'src/transfer/plan.ts',
    'src/transfer/paths.ts',
    'src/transfer/exclude.ts',
  ],
  ignorePatterns: ['dist', 'reports', '.lwt', 'bench/results'],
  // Two cores shared with everyone.
  concurrency: 2,
  timeoutMS: 10000,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false },
  thresholds: { high: 90, low: 80, break: null },
  cleanTempDir: 'always',
  // No incremental mode: the TAP runner names each test by its path in Stryker's sandbox, which
  // changes every run, so every test looks new and nothing would be reused.
};
