import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDefinition } from '../../../src/tasks/definition.js';
import { parseDuration } from '../../../src/tasks/duration.js';
import { usageError } from '../usage-error.js';

async function withTask(files: Record<string, string>, fn: (tasks: string) => Promise<void>): Promise<void> {
  const tasks = await mkdtemp(join(tmpdir(), 'lwt-def-'));
  try {
    await mkdir(join(tasks, 't'));
    for (const [f, text] of Object.entries(files)) await writeFile(join(tasks, 't', f), text);
    await fn(tasks);
  } finally {
    await rm(tasks, { recursive: true, force: true });
  }
}

test('durations: seconds or 90s, 5m, 2h; nothing else', () => {
  assert.equal(parseDuration(90), 90_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  for (const bad of ['soon', '', '-5', '0', 0, '5 minutes', null]) assert.equal(parseDuration(bad), undefined, String(bad));
});

test('a YAML definition with every key', async () => {
  await withTask(
    { 'task.yaml': 'command: ./run.sh\nenv: { A: 1, B: two }\ninputs: [data, run.sh]\noutputs: [out/r.txt]\ntimeout: 5m\nretries: 2\nhosts: "web[01-04]"\nconstraints: { minDisk: 2G, minMemory: 512M, maxLoad: 1.5 }\nstop: { command: ./stop.sh, grace: 30s }\nrespawn: on-failure\nkeep: true\n' },
    async (tasks) => {
      const d = await loadDefinition(tasks, 't');
      assert.deepEqual(
        { ...d, dir: '', file: '' },
        {
          name: 't', dir: '', file: '', command: './run.sh', env: { A: '1', B: 'two' }, inputs: ['data', 'run.sh'], outputs: ['out/r.txt'], timeoutMs: 300_000, retries: 2, hosts: ['web[01-04]'],
          constraints: { minDiskKb: 2 * 1024 * 1024, minMemKb: 512 * 1024, maxLoadPerCpu: 1.5 }, stop: { command: './stop.sh', graceMs: 30_000 }, respawn: 'on-failure', keep: true,
        },
      );
    },
  );
});

test('bad definitions name the file and the key', async () => {
  const cases: Array<[string, RegExp]> = [
    ['command: ""\n', /task\.yaml: command: required/],
    ['command: x\ntimeout: soon\n', /task\.yaml: timeout: 'soon' is not a duration/],
    ['command: x\nretries: -1\n', /task\.yaml: retries: a whole number/],
    ['command: x\nrespawn: sometimes\n', /task\.yaml: respawn: never, on-failure or always/],
    ['command: x\ninputs: [../etc]\n', /task\.yaml: inputs: '\.\.\/etc' must be relative, without '\.\.'/],
    ['command: x\ncomand: y\n', /task\.yaml: comand: unknown key/],
    ['command: x\nenv: { 1A: x }\n', /task\.yaml: env\.1A: not a valid variable name/],
    ['command: [unclosed\n', /task\.yaml: /],
  ];
  for (const [text, re] of cases) await withTask({ 'task.yaml': text }, (tasks) => assert.rejects(loadDefinition(tasks, 't'), usageError(re)));
  await withTask({ 'task.json': '{"command": "x",}' }, (tasks) => assert.rejects(loadDefinition(tasks, 't'), usageError(/task\.json: /)));
  await withTask({}, (tasks) => assert.rejects(loadDefinition(tasks, 't'), usageError(/has no task\.yaml, task\.json or desc/)));
  await assert.rejects(loadDefinition('/nonexistent', 'x/../y'), usageError(/task name/));
});

test("the ancestor's desc: exec, kill, d_fetch; the folder's other files are inputs", async () => {
  await withTask({ desc: '# old style\nexec : ./run.sh\nkill : ./kill.sh\nd_fetch : output\nd_fetch : log.txt\n', 'run.sh': '', 'kill.sh': '' }, async (tasks) => {
    const d = await loadDefinition(tasks, 't');
    assert.equal(d.command, './run.sh');
    assert.deepEqual(d.stop, { command: './kill.sh', graceMs: 10_000 });
    assert.deepEqual(d.outputs, ['output', 'log.txt']);
    assert.deepEqual(d.inputs.sort(), ['kill.sh', 'run.sh']);
  });
  await withTask({ desc: 'exec : x\nfetch: y\n' }, (tasks) => assert.rejects(loadDefinition(tasks, 't'), usageError(/desc:2: unknown key 'fetch'/)));
});
