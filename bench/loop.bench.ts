/**
 * `npm run bench:loop`: the project's own loop, measured the way a developer runs it.
 *
 * 1. `npx cdk synth` of the reference app (CloudFormation validation on, as configured), and what
 *    it is made of: the CLI alone (synthesizing an existing cloud assembly), the app process alone
 *    with validation on and off, and the same `cdk synth` with each way to run TypeScript without a
 *    build step (`npx tsx`, the tsx binary, `node --import tsx`, `node --require tsx/cjs`).
 * 2. `npm test` (scripts/test.js: the type-check, `tsc -b tsconfig.typecheck.json`, beside jest), with a full tsc alone and
 *    each jest test file's time.
 *
 * Each command's CPU time (user + system, of it and its children) is measured too: on a machine
 * shared with other work, wall-clock times stretch, CPU times much less.
 *
 * Commands alternate in rounds; medians are reported. Writes the "loop" section of BENCHMARKS.md.
 * Options: --runs=N (synth rounds, default 5), --test-runs=N (npm test rounds, default 3),
 * --skip-synth, --skip-test, --no-write.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { arg, fmtMs, intArg, loadAverage, machineLine, max, median, min, requireSupportedNode, ROOT, writeSection } from './util';

const SYNTH_RUNS = intArg('runs', 5);
const TEST_RUNS = intArg('test-runs', 3);
const WRITE = arg('no-write') === undefined;
const TARGET_SYNTH_S = 6;
const TARGET_TEST_S = 30;

const log = (s: string) => process.stdout.write(s + '\n');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-s3-encryption-loop-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** The environment of a developer's shell, without anything that would turn validation off. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('CDK_VALIDATION' in extra)) delete env.CDK_VALIDATION;
  delete env.npm_lifecycle_event;
  return env;
}

interface Run {
  readonly seconds: number;
  /** CPU time (user + system) of the command and every process it waited for; NaN where /proc is not available. */
  readonly cpuSeconds: number;
  readonly status: number | null; readonly stdout: string; readonly stderr: string;
}

/** CPU time of this process's waited-for children so far (Linux: cutime + cstime of /proc/self/stat). */
function childrenCpuSeconds(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of the stat line (cutime, cstime), in clock ticks of 1/100 s on Linux.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

function run(command: string, env: NodeJS.ProcessEnv = cleanEnv()): Run {
  const cpu0 = childrenCpuSeconds();
  const t0 = performance.now();
  const r = spawnSync(command, { cwd: ROOT, env, shell: true, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, cpuSeconds: childrenCpuSeconds() - cpu0, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const testScript: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.test;
const cdkJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8'));
const appLine: string = cdkJson.app;
const APP_FILE = 'bin/s3-encryption.ts';
const LAUNCHERS: ReadonlyArray<{ name: string; app: string }> = [
  { name: '`npx tsx`', app: `npx tsx ${APP_FILE}` },
  { name: 'tsx binary', app: `node_modules/.bin/tsx ${APP_FILE}` },
  { name: '`node --import tsx`', app: `node --import tsx ${APP_FILE}` },
  { name: '`node --require tsx/cjs`', app: `node --require tsx/cjs ${APP_FILE}` },
  { name: '`node --liftoff-only --import tsx`', app: `node --liftoff-only --import tsx ${APP_FILE}` },
];

interface Measured {
  readonly name: string; readonly command: string; readonly note: string; readonly times: number[]; readonly cpu: number[]; failures: number;
}

function synthLoop(): Measured[] {
  // A cloud assembly to hand to the CLI, so the CLI can be timed without the app.
  const assembly = path.join(tmp, 'assembly');
  const first = run(`npx cdk synth -q -o ${assembly}`);
  if (first.status !== 0) throw new Error(`npx cdk synth failed:\n${first.stderr}`);
  const appEnv = (validation: boolean) => cleanEnv({
    CDK_OUTDIR: path.join(tmp, 'app-out'),
    CDK_CONTEXT_JSON: JSON.stringify(cdkJson.context),
    ...(validation ? {} : { CDK_VALIDATION: 'false' }),
  });
  const out = path.join(tmp, 'cdk.out');
  const items: Array<Measured & { env?: NodeJS.ProcessEnv }> = [
    { name: '`npx cdk synth`', command: `npx cdk synth -o ${out}`, note: `as configured: \`"app": "${appLine}"\``, times: [], cpu: [], failures: 0 },
    ...LAUNCHERS.filter((l) => l.app !== appLine).map((l) => ({
      name: `\`npx cdk synth\` with ${l.name}`, command: `npx cdk synth -o ${out} --app "${l.app}"`, note: `\`"app": "${l.app}"\``, times: [], cpu: [], failures: 0,
    })),
    { name: 'CLI alone', command: `npx cdk synth -o ${assembly} --app ${assembly}`, note: 'an existing cloud assembly as the app', times: [], cpu: [], failures: 0 },
    { name: 'app alone, validation on', command: appLine, note: 'the app line, run directly', times: [], cpu: [], failures: 0, env: appEnv(true) },
    { name: 'app alone, validation off', command: appLine, note: '`CDK_VALIDATION=false`', times: [], cpu: [], failures: 0, env: appEnv(false) },
  ];
  run(items[0].command); // warm-up: disk cache, tsx's transform cache
  for (let round = 0; round < SYNTH_RUNS; round++) {
    const order = round % 2 === 0 ? items : [...items].reverse();
    for (const item of order) {
      const r = run(item.command, item.env);
      item.times.push(r.seconds);
      item.cpu.push(r.cpuSeconds);
      if (r.status !== 0) item.failures++;
    }
    log(`synth round ${round + 1}/${SYNTH_RUNS} (load average ${loadAverage()})`);
  }
  return items;
}

interface TestRound {
  readonly total: number; readonly totalCpu: number; readonly tsc: number; readonly tscCpu: number; readonly jest: number;
  readonly files: Record<string, number>;
  readonly failed: number; readonly tests: number; readonly status: number | null;
}

/** Where `npm test` keeps tsc's incremental state (see package.json); removed for the cold run. */
const TSC_CACHE = path.join(ROOT, 'node_modules', '.cache', 'cdk-s3-encryption');

function testLoop(): { cold: TestRound; warm: TestRound[] } {
  const rounds: TestRound[] = [];
  fs.rmSync(TSC_CACHE, { recursive: true, force: true });
  for (let round = 0; round <= TEST_RUNS; round++) {
    const json = path.join(tmp, `jest-${round}.json`);
    const total = run(`npm test --silent -- --json --outputFile=${json}`, cleanEnv());
    const tsc = run('npx tsc --noEmit', cleanEnv());
    let files: Record<string, number> = {};
    let jest = NaN;
    let failed = 0;
    let tests = 0;
    if (fs.existsSync(json)) {
      const report = JSON.parse(fs.readFileSync(json, 'utf8'));
      const results: Array<{ name: string; startTime: number; endTime: number }> = report.testResults;
      files = Object.fromEntries(results.map((r) => [path.relative(ROOT, r.name), (r.endTime - r.startTime) / 1000]));
      jest = (max(results.map((r) => r.endTime)) - report.startTime) / 1000;
      failed = report.numFailedTests;
      tests = report.numTotalTests;
    }
    rounds.push({
      total: total.seconds, totalCpu: total.cpuSeconds, tsc: tsc.seconds, tscCpu: tsc.cpuSeconds, jest, files, failed, tests, status: total.status,
    });
    log(`npm test ${round === 0 ? 'cold run' : `round ${round}/${TEST_RUNS}`}: ${total.seconds.toFixed(1)} s (full tsc alone ${tsc.seconds.toFixed(1)} s, ` +
      `jest ${jest.toFixed(1)} s, ${failed} of ${tests} tests failed; load average ${loadAverage()})`);
  }
  return { cold: rounds[0], warm: rounds.slice(1) };
}

function main(): void {
  requireSupportedNode({ pathNodeToo: true });
  const loadBefore = loadAverage();
  const synth = arg('skip-synth') ? [] : synthLoop();
  const testRuns = arg('skip-test') ? undefined : testLoop();
  const tests = testRuns?.warm ?? [];
  const loadAfter = loadAverage();
  const s = (x: number) => `${x.toFixed(2)} s`;
  const parts: string[] = [`## The project's loop (\`npm run bench:loop\`)

Measured ${machineLine(loadBefore, loadAfter)}. Each command runs as a developer types it, from the
repository root, in a fresh process; commands alternate in rounds (order reversed every other round)
after one warm-up, and the table gives the median, fastest and slowest run.`];

  if (synth.length > 0) {
    const headline = synth[0];
    const byName = (name: string) => synth.find((i) => i.name === name)!;
    const cli = byName('CLI alone');
    const appOn = byName('app alone, validation on');
    const appOff = byName('app alone, validation off');
    const m = median(headline.times);
    parts.push(`### \`npx cdk synth\` of the reference app (CloudFormation validation on)

**${s(m)}** median over ${SYNTH_RUNS} runs (target: ${TARGET_SYNTH_S} s or less on 2 cores: ${m <= TARGET_SYNTH_S ? 'met' : '**missed**'}); CPU time ${s(median(headline.cpu))}.

| command | how | median | fastest | slowest | CPU time, median |
|---|---|--:|--:|--:|--:|
${synth.map((i) => `| ${i.name} | ${i.note}${i.failures ? ` (${i.failures} failed)` : ''} | ${s(median(i.times))} | ${s(min(i.times))} | ${s(max(i.times))} | ${s(median(i.cpu))} |`).join('\n')}

How to read it: \`npx cdk synth\` = the CLI (starting \`npx\`, the toolkit, reading cdk.json, writing and
reading the cloud assembly: ${s(median(cli.times))}) + the app process (${s(median(appOn.times))}). In the app
process, CloudFormation validation takes ${s(median(appOn.times) - median(appOff.times))}, the difference between
"validation on" and "off": aws-cdk-lib starts its WebAssembly validation engine (compiling its rules
and resource schemas) once per process, then validates the template. The rest, ${s(median(appOff.times))}, is
Node, tsx and aws-cdk-lib loading and the synthesis itself; the constructs take milliseconds (see the
synthesis section). Running the app with \`node --import tsx\` (or \`--require tsx/cjs\`) instead of
\`npx tsx\` saves starting npx and the child process that the tsx command spawns.`);
  }

  if (tests.length > 0) {
    const total = median(tests.map((r) => r.total));
    const fileNames = [...new Set(tests.flatMap((r) => Object.keys(r.files)))];
    const fileRows = fileNames
      .map((f) => ({ f, t: median(tests.map((r) => r.files[f]).filter((x) => x !== undefined)) }))
      .sort((a, b) => b.t - a.t);
    const failed = tests[tests.length - 1];
    parts.push(`### \`npm test\` (\`${testScript}\`)

**${s(total)}** median over ${TEST_RUNS} runs (target: ${TARGET_TEST_S} s or less on 2 cores: ${total <= TARGET_TEST_S ? 'met' : '**missed**'}; CPU time
${s(median(tests.map((r) => r.totalCpu)))}, every test kept: ${failed.tests} tests); the first run after
\`npm ci\` or a tsconfig change, with no incremental tsc state yet, took ${s(testRuns!.cold.total)}.
${failed.failed > 0 ? `At the time of measurement ${failed.failed} of ${failed.tests} tests failed (work in progress in the tree); their time is included.\n` : ''}
| part | median | fastest | slowest | CPU time, median |
|---|--:|--:|--:|--:|
| \`npm test\`, whole (type-check and jest side by side) | ${s(total)} | ${s(min(tests.map((r) => r.total)))} | ${s(max(tests.map((r) => r.total)))} | ${s(median(tests.map((r) => r.totalCpu)))} |
| \`tsc --noEmit\`, full (not incremental), alone | ${s(median(tests.map((r) => r.tsc)))} | ${s(min(tests.map((r) => r.tsc)))} | ${s(max(tests.map((r) => r.tsc)))} | ${s(median(tests.map((r) => r.tscCpu)))} |
| jest, from its start to the last file's end | ${s(median(tests.map((r) => r.jest)))} | ${s(min(tests.map((r) => r.jest)))} | ${s(max(tests.map((r) => r.jest)))} | |

Jest test files (median of each file's own time; with \`maxWorkers: '100%'\` jest runs them in ${os.cpus().length} worker processes
at once, so the sum is more than jest's time):

| test file | median |
|---|--:|
${fileRows.map((r) => `| \`${r.f}\` | ${s(r.t)} |`).join('\n')}
| **sum** | ${s(fileRows.reduce((a, r) => a + r.t, 0))} |`);
  }

  const body = parts.join('\n\n');
  if (WRITE) {
    writeSection('loop', body);
    log('wrote the loop section of BENCHMARKS.md');
  } else {
    log(body);
  }
  for (const i of synth) log(`${i.name.padEnd(50)} median ${fmtMs(median(i.times) * 1000)} ms`);
}

main();
