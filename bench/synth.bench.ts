/**
 * `npm run bench`: what does EncryptedBucket cost over plain aws-cdk-lib doing the same job by hand?
 *
 * In one process, for N = 1, 50, ... and the largest N that fits in one stack, it synthesizes N
 * `EncryptedBucket`s sharing one `EncryptionKey` (SSE-KMS) and the same protection written by hand
 * (bench/apps.ts), alternating the two (ABBA order) after a warm-up, and reports medians. It
 * first proves that both templates are the same in substance. CDK's built-in CloudFormation
 * validation is measured both off and on (see BENCHMARKS.md for why).
 *
 * It then checks the targets and exits non-zero when one is missed:
 * synth time <= 1.05x of hand-written at 150 buckets and at the largest stack (1.10x for 1 and 50
 * buckets, a few milliseconds where fixed costs and noise weigh most), template size <= 1.05x, bucket policy <= 2.5 KB, key policy
 * the same for every N, and no Lambda-backed custom resource in any mode's default template but
 * the documented per-stack lookup of aws/s3 that kmsManaged() needs.
 *
 * Options: --runs=N (measured runs per flavor and point, default 11; 5x that for N <= 10), --warmup=N (default 1),
 * --quick (only the required N, fewer runs), --no-write (print, do not touch BENCHMARKS.md).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { S3EncryptionStack } from '../lib';
import { buildStack, Flavor, FLAVORS, MODE_DEFAULTS, newApp, STACK_NAME } from './apps';
import { lineChart } from './svg';
import {
  lambdaBackedResources, MAX_RESOURCES_PER_STACK, MAX_TEMPLATE_BYTES_FROM_S3, policySizes, PolicySizes,
  resourceCount, Template, templateDifferences,
} from './template';
import { arg, fmtBytes, fmtMs, intArg, loadAverage, machineLine, median, min, requireSupportedNode, ROOT, writeSection } from './util';

/** Synthesis time against hand-written aws-cdk-lib, at the app size of the target (150 buckets) and at the largest stack. */
const TARGET_SYNTH_RATIO = 1.05;
const TARGET_N = 150;
/** For the small apps (1 and 50 buckets), whose few milliseconds carry the fixed costs and the noise. */
const TARGET_SYNTH_RATIO_SMALL = 1.10;
const TARGET_TEMPLATE_RATIO = 1.05;
// A tenth of S3's 20 KB limit leaves room for the user's own statements. (It was 2 KB until the
// statements for replicas and re-encryption in place, about 500 bytes, were added.)
const TARGET_POLICY_BYTES = 2560;
const CHART_FILE = path.join(ROOT, 'bench', 'synth-time.svg');

const quick = arg('quick') !== undefined;
const RUNS = intArg('runs', quick ? 5 : 11);
const WARMUP = intArg('warmup', 1);
/** Small stacks synthesize in tens of milliseconds, where noise weighs more: they get more runs. */
const runsFor = (n: number) => (n <= 10 ? RUNS * 5 : RUNS);
const WRITE = arg('no-write') === undefined;

// The bench sets validation per App; an inherited CDK_VALIDATION=false would silently turn it off.
delete process.env.CDK_VALIDATION;

interface Synthesis {
  readonly wallMs: number;
  /** The part of wallMs spent before \`app.synth()\`: App, stack and constructs. */
  readonly constructMs: number;
  readonly cpuMs: number;
  readonly template: Template;
  readonly templateBytes: number;
}

/**
 * One timed synthesis: App, stack and constructs, then `app.synth()` (which writes the cloud
 * assembly and, when on, runs the validation), as `cdk synth` does in the app process.
 */
function synthesize(flavor: Flavor, n: number, validation: boolean, build = buildStack): Synthesis {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-s3-encryption-bench-'));
  const quiet = muteConsole();
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const app = newApp(outdir, validation);
    build(app, flavor, n);
    const constructMs = performance.now() - t0;
    app.synth();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const file = path.join(outdir, `${STACK_NAME}.template.json`);
    const text = fs.readFileSync(file, 'utf8');
    return { wallMs, constructMs, cpuMs: (cpu.user + cpu.system) / 1000, template: JSON.parse(text), templateBytes: Buffer.byteLength(text) };
  } finally {
    quiet.restore();
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The validation report prints warnings (e.g. template size) to the console; keep them out of the timing. */
function muteConsole(): { restore: () => void } {
  const saved = { log: console.log, error: console.error, warn: console.warn, info: console.info };
  const skip = () => undefined;
  Object.assign(console, { log: skip, error: skip, warn: skip, info: skip });
  return { restore: () => Object.assign(console, saved) };
}

interface Point {
  readonly n: number;
  readonly validation: boolean;
  readonly wall: Record<Flavor, number[]>;
  readonly construct: Record<Flavor, number[]>;
  readonly cpu: Record<Flavor, number[]>;
  templateBytes: Record<Flavor, number>;
  sizes: Record<Flavor, PolicySizes>;
  resources: Record<Flavor, number>;
}

/**
 * Measures every point (N, validation) in rounds: each round runs one pair per point (five
 * for N <= 10), library and hand-written back to back in ABBA order. A burst of load from
 * elsewhere on the machine then spreads over all points and both flavors instead of skewing one.
 */
function measureAll(ns: readonly number[], log: (s: string) => void): Point[] {
  const points: Point[] = [];
  for (const validation of [false, true]) {
    for (const n of ns) {
      points.push({
        n, validation, wall: { 'library': [], 'hand-written': [] }, construct: { 'library': [], 'hand-written': [] }, cpu: { 'library': [], 'hand-written': [] },
        templateBytes: { 'library': 0, 'hand-written': 0 }, sizes: {} as Record<Flavor, PolicySizes>, resources: { 'library': 0, 'hand-written': 0 },
      });
    }
  }
  for (const p of points) {
    for (let i = 0; i < WARMUP; i++) {
      for (const f of FLAVORS) synthesize(f, p.n, p.validation);
    }
  }
  for (let round = 0; round < RUNS; round++) {
    for (const p of points) {
      const pairs = runsFor(p.n) / RUNS;
      for (let j = 0; j < pairs; j++) {
        const order = p.wall.library.length % 2 === 0 ? FLAVORS : [...FLAVORS].reverse();
        for (const f of order) {
          const s = synthesize(f, p.n, p.validation);
          p.wall[f].push(s.wallMs);
          p.construct[f].push(s.constructMs);
          p.cpu[f].push(s.cpuMs);
          p.templateBytes[f] = s.templateBytes;
          p.sizes[f] = policySizes(s.template);
          p.resources[f] = resourceCount(s.template);
        }
      }
    }
    log(`round ${round + 1}/${RUNS} done (load average ${loadAverage()})`);
  }
  return points;
}

const ratio = (p: Point, pick: (p: Point, f: Flavor) => number) => pick(p, 'library') / pick(p, 'hand-written');
const wallMedian = (p: Point, f: Flavor) => median(p.wall[f]);
const cpuMedian = (p: Point, f: Flavor) => median(p.cpu[f]);
const wallMin = (p: Point, f: Flavor) => min(p.wall[f]);
/** Median of library/hand-written over the back-to-back pairs: a cross-check that drifting load cannot skew. */
const pairRatio = (p: Point) => median(p.wall.library.map((t, i) => t / p.wall['hand-written'][i]));

function main(): void {
  requireSupportedNode();
  const loadBefore = loadAverage();
  const failures: string[] = [];
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench: ${RUNS} measured runs (${runsFor(1)} for N = 1) after ${WARMUP} warm-up run(s) per flavor and point`);

  // 1. Equivalence: both flavors synthesize the same template (CDKMetadata aside), at several N.
  for (const n of [1, 3]) {
    const lib = synthesize('library', n, false).template;
    const hand = synthesize('hand-written', n, false).template;
    const diffs = templateDifferences(lib, hand);
    if (diffs.length > 0) {
      failures.push(`the hand-written app is not equivalent to the library at N=${n} (library vs hand-written):\n  ${diffs.join('\n  ')}`);
    }
  }
  if (failures.length > 0) {
    log(`FAIL\n${failures.join('\n')}\nUpdate bench/apps.ts so the hand-written app matches what EncryptedBucket synthesizes.`);
    process.exit(1);
  }
  log('equivalence: library and hand-written templates are the same in substance (CDKMetadata aside)');

  // 2. Resources per bucket and the largest N per stack.
  const r1 = resourceCount(synthesize('library', 1, false).template);
  const r2 = resourceCount(synthesize('library', 2, false).template);
  const perBucket = r2 - r1;
  const fixed = r1 - perBucket;
  const nMax = Math.floor((MAX_RESOURCES_PER_STACK - fixed) / perBucket);
  const atMax = synthesize('library', nMax, false);
  if (resourceCount(atMax.template) > MAX_RESOURCES_PER_STACK) failures.push(`N=${nMax} has ${resourceCount(atMax.template)} resources`);
  let overflow = false;
  try {
    synthesize('library', nMax + 1, false);
  } catch {
    overflow = true; // aws-cdk-lib refuses a stack over 500 resources
  }
  if (!overflow) failures.push(`N=${nMax + 1} still synthesizes: the largest N per stack is not ${nMax}`);
  const compact = synthesize('library', nMax, false, (app, f, n) => {
    app.node.setContext('@aws-cdk/core:suppressTemplateIndentation', true);
    return buildStack(app, f, n);
  });
  // Template bytes grow linearly with N: the largest N whose indented template stays under 1 MB.
  const bytesAt1 = synthesize('library', 1, false).templateBytes;
  const bytesPerBucket = (atMax.templateBytes - bytesAt1) / (nMax - 1);
  let nMaxIndented = Math.min(nMax, Math.floor((MAX_TEMPLATE_BYTES_FROM_S3 - bytesAt1) / bytesPerBucket) + 1);
  // The estimate is linear; logical ids grow a character at N = 10 and 100, so settle it exactly.
  const fits = (n: number) => synthesize('library', n, false).templateBytes <= MAX_TEMPLATE_BYTES_FROM_S3;
  while (nMaxIndented < nMax && fits(nMaxIndented + 1)) nMaxIndented++;
  while (nMaxIndented > 1 && !fits(nMaxIndented)) nMaxIndented--;
  log(`resources: ${perBucket} per bucket + ${fixed} per stack; largest N per stack: ${nMax}`);

  // 3. No Lambda-backed custom resource in any mode's default template, nor in the reference stack,
  // but the one documented lookup of aws/s3 in kmsManaged() (one custom resource and its function).
  const customResourceRows: string[] = [];
  const checkNoLambda = (name: string, build: (app: App) => Stack, awsManagedKeyLookup = false) => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-s3-encryption-bench-'));
    try {
      const app = newApp(outdir, false);
      const stack = build(app);
      const template = app.synth().getStackByName(stack.stackName).template as Template;
      const found = lambdaBackedResources(template);
      const expected = awsManagedKeyLookup ? ['Custom::AwsManagedS3KeyArn', 'AWS::Lambda::Function'] : [];
      const types = found.map((f) => f.replace(/^.* \((.*)\)$/, '$1'));
      customResourceRows.push(`| ${name} | ${resourceCount(template)} | ${found.length === 0 ? 'none' : found.join(', ')} |`);
      if (JSON.stringify([...types].sort()) !== JSON.stringify([...expected].sort())) {
        failures.push(`${name}: Lambda-backed resources in the default template: ${found.join(', ') || 'none'}; expected ${expected.join(', ') || 'none'}`);
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  };
  for (const mode of MODE_DEFAULTS) {
    checkNoLambda(`\`EncryptedBucket\` ${mode.name}`, (app) => {
      const stack = new Stack(app, STACK_NAME);
      mode.build(stack);
      return stack;
    }, mode.awsManagedKeyLookup);
  }
  checkNoLambda('reference stack (`S3EncryptionStack`)', (app) => new S3EncryptionStack(app, 'S3EncryptionStack'));

  // 4. Timing, validation off (the library's own cost stands out) and on (what `cdk synth` runs).
  const chartNs = quick ? [1, TARGET_N, nMax] : [1, 50, TARGET_N, nMax];
  const points = measureAll(chartNs, log);
  for (const p of points) {
    log(`N=${String(p.n).padStart(3)} validation ${p.validation ? 'on ' : 'off'}: library ${fmtMs(wallMedian(p, 'library'))} ms, ` +
      `hand-written ${fmtMs(wallMedian(p, 'hand-written'))} ms, ratio ${ratio(p, wallMedian).toFixed(3)} ` +
      `(cpu ${ratio(p, cpuMedian).toFixed(3)}, best-of ${ratio(p, wallMin).toFixed(3)}, median of pair ratios ${pairRatio(p).toFixed(3)})`);
  }
  const loadAfter = loadAverage();

  // 5. Targets.
  const required = (p: Point) => p.n === 1 || p.n === 50 || p.n === TARGET_N || p.n === nMax;
  const synthTarget = (p: Point) => (p.n >= TARGET_N ? TARGET_SYNTH_RATIO : TARGET_SYNTH_RATIO_SMALL);
  for (const p of points.filter(required)) {
    const where = `N=${p.n}, validation ${p.validation ? 'on' : 'off'}`;
    const r = ratio(p, wallMedian);
    if (r > synthTarget(p)) failures.push(`synth time ratio ${r.toFixed(3)} > ${synthTarget(p)} (${where})`);
    const t = ratio(p, (q, f) => q.templateBytes[f]);
    if (t > TARGET_TEMPLATE_RATIO) failures.push(`template size ratio ${t.toFixed(3)} > ${TARGET_TEMPLATE_RATIO} (${where})`);
    const pb = p.sizes.library.bucketPolicyDeployedBytes;
    if (pb > TARGET_POLICY_BYTES) failures.push(`bucket policy ${pb} bytes > ${TARGET_POLICY_BYTES} (${where})`);
  }
  const keyPolicies = new Set(points.map((p) => p.sizes.library.keyPolicy));
  if (keyPolicies.size !== 1) failures.push(`the key policy changes with N (${keyPolicies.size} different policies)`);

  // 6. Report.
  const off = points.filter((p) => !p.validation);
  const on = points.filter((p) => p.validation);
  const row = (p: Point) => {
    const lib = p.sizes.library;
    return `| ${p.n} | ${p.resources.library} | ${fmtMs(wallMedian(p, 'library'))} | ${fmtMs(wallMedian(p, 'hand-written'))} | ` +
      `**${ratio(p, wallMedian).toFixed(3)}** | ${pairRatio(p).toFixed(3)} | ${ratio(p, cpuMedian).toFixed(3)} | ` +
      `${fmtBytes(p.templateBytes.library)} | ${fmtBytes(p.templateBytes['hand-written'])} | **${ratio(p, (q, f) => q.templateBytes[f]).toFixed(3)}** | ` +
      `${fmtBytes(lib.bucketPolicyTemplateBytes)} / ${fmtBytes(lib.bucketPolicyDeployedBytes)} | ` +
      `${fmtBytes(lib.keyPolicyTemplateBytes)} / ${fmtBytes(lib.keyPolicyDeployedBytes)} |`;
  };
  const phaseRow = (p: Point) => {
    const c = (f: Flavor) => median(p.construct[f]);
    const rest = (f: Flavor) => median(p.wall[f].map((t, i) => t - p.construct[f][i]));
    return `| ${p.n} | ${fmtMs(c('library'))} | ${fmtMs(c('hand-written'))} | ${(c('library') / c('hand-written')).toFixed(3)} | ` +
      `${fmtMs(rest('library'))} | ${fmtMs(rest('hand-written'))} | ${(rest('library') / rest('hand-written')).toFixed(3)} |`;
  };
  const header = '| N | resources | library ms | hand-written ms | synth ratio | paired ratio | CPU-time ratio | library template bytes | ' +
    'hand-written template bytes | template ratio | bucket policy bytes (template / deployed) | key policy bytes (template / deployed) |\n' +
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const worst = (ps: Point[], pick: (p: Point) => number) => ps.filter(required).reduce((a, p) => Math.max(a, pick(p)), 0);
  const large = (p: Point) => p.n >= TARGET_N;
  const small = (p: Point) => !large(p);
  const maxSynthOff = worst(off.filter(large), (p) => ratio(p, wallMedian));
  const maxSynthOn = worst(on.filter(large), (p) => ratio(p, wallMedian));
  const maxSynthSmall = worst(points.filter(small), (p) => ratio(p, wallMedian));
  const smallNs = [...new Set(points.filter(small).map((p) => p.n))].join(' and ');
  const maxTemplate = worst(points, (p) => ratio(p, (q, f) => q.templateBytes[f]));
  const maxPolicy = worst(points, (p) => p.sizes.library.bucketPolicyDeployedBytes);
  const keySizes = [...new Set(points.map((p) => p.sizes.library.keyPolicyTemplateBytes))];
  const ok = (pass: boolean) => (pass ? 'met' : '**missed**');

  if (WRITE) {
    const series = [
      { label: 'EncryptedBucket, validation on', color: '#d9480f', points: on.map((p) => [p.n, Math.round(wallMedian(p, 'library'))] as const) },
      { label: 'hand-written aws-cdk-lib, validation on', color: '#1c7ed6', dash: '7 5', points: on.map((p) => [p.n, Math.round(wallMedian(p, 'hand-written'))] as const) },
      { label: 'EncryptedBucket, validation off', color: '#f59f00', points: off.map((p) => [p.n, Math.round(wallMedian(p, 'library'))] as const) },
      { label: 'hand-written aws-cdk-lib, validation off', color: '#15aabf', dash: '7 5', points: off.map((p) => [p.n, Math.round(wallMedian(p, 'hand-written'))] as const) },
    ];
    fs.writeFileSync(CHART_FILE, lineChart(series, {
      title: 'Synthesis time against the number of SSE-KMS buckets in one stack (median)',
      xLabel: `N buckets sharing one key (largest per stack: ${nMax})`,
      yLabel: 'synth time, ms (in-process, after warm-up)',
    }));
  }

  const body = `## Synthesis: EncryptedBucket against hand-written aws-cdk-lib (\`npm run bench\`)

Measured ${machineLine(loadBefore, loadAfter)}. ${RUNS} measured runs per flavor and point
(${runsFor(1)} for N = 1) after ${WARMUP} warm-up run${WARMUP > 1 ? 's' : ''}, alternating library and hand-written (ABBA), in one process; the synth
ratio is median library time / median hand-written time. Two cross-checks: the paired ratio
(median of library / hand-written over back-to-back pairs, which drifting load cannot skew) and
the CPU-time ratio (process CPU time of the same runs). When they disagree with the synth ratio by
more than a few percent, the machine was too busy for the figure to mean much: re-run the bench.

What is compared: N \`EncryptedBucket\`s with \`ServerSideEncryption.kms({ key })\` sharing one
\`EncryptionKey\`, against \`s3.Bucket\` + \`kms.Key\` written by hand with the same encryption rule
(\`aws:kms\`, the key ARN, Bucket Keys, \`BlockedEncryptionTypes\` SSE-C), public access blocked,
versioning, retention, the CreateGrant deny in the key policy, and the five deny statements of the
bucket policy (bench/apps.ts). Before timing, the bench checks that both templates are the same in
substance (all resources and properties; only the CDKMetadata resource, which names the constructs
used, differs). One timed run is what \`cdk synth\` does in the app process: the App with the
project's feature flags, path metadata and CDKMetadata (the CLI's defaults), the constructs,
and \`app.synth()\` writing the cloud assembly.

**Validation.** CDK's built-in CloudFormation validation is measured both off and on. With it on,
each synth also validates the template, a cost that both flavors pay in equal measure per byte, so
the ratio gets closer to 1; with it off, the library's own overhead stands out: that is the
stricter figure. The targets apply to both. Validation also has a fixed cost of one to two seconds
per process to start its engine; that is paid once per \`cdk synth\` (see the loop section), and
here in the warm-up.

### Validation off (the library's own overhead)

${header}
${off.map(row).join('\n')}

### Validation on (what \`cdk synth\` runs)

${header}
${on.map(row).join('\n')}

### Where the time goes (validation off)

A run splits into building the constructs (everything before \`app.synth()\`, where all of the
library's own code runs) and \`app.synth()\` (aws-cdk-lib's preparation, resolution and writing
of the cloud assembly, the same work for both flavors since the templates are the same).

| N | constructs, library ms | constructs, hand-written ms | constructs ratio | \`app.synth()\`, library ms | \`app.synth()\`, hand-written ms | \`app.synth()\` ratio |
|--:|--:|--:|--:|--:|--:|--:|
${off.map(phaseRow).join('\n')}

To see where a flavor spends its time: \`node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx
bench/profile.ts library 249 off 20\` (and the same with \`hand-written\`), then open the profiles in
Chrome DevTools or compare the inclusive time of \`EncryptedBucket\` with that of \`s3.Bucket\`.

Bucket policy bytes are minified JSON of the largest bucket policy: as written in the template
(with intrinsics), and deployed (intrinsics resolved to their longest values: a 63-character bucket
name, a full key ARN). Key policy bytes are the same for every N: buckets never add to it.

![Synthesis time against N](bench/synth-time.svg)

### Per bucket and per stack

| figure | value |
|---|---|
| resources per bucket | ${perBucket} (\`AWS::S3::Bucket\`, \`AWS::S3::BucketPolicy\`) |
| resources per stack, whatever N | ${fixed} (the shared \`AWS::KMS::Key\` and CDKMetadata) |
| largest N per stack (500 resources) | **${nMax}** (${resourceCount(atMax.template)} resources; N = ${nMax + 1} is refused by aws-cdk-lib) |
| template bytes per bucket (indented, as \`cdk synth\` writes it) | ${fmtBytes(Math.round(bytesPerBucket))} |
| template at N = ${nMax}, indented | ${fmtBytes(atMax.templateBytes)} bytes${atMax.templateBytes > MAX_TEMPLATE_BYTES_FROM_S3 ? ` (over the 1,000,000 bytes that aws-cdk-lib allows for a template uploaded through S3: with the default indentation at most **${nMaxIndented}** buckets fit)` : ''} |
| template at N = ${nMax}, \`suppressTemplateIndentation: true\` | ${fmtBytes(compact.templateBytes)} bytes |
| key policy bytes, template / deployed | ${fmtBytes(points[0].sizes.library.keyPolicyTemplateBytes)} / ${fmtBytes(points[0].sizes.library.keyPolicyDeployedBytes)} for every N (${keyPolicies.size === 1 ? 'identical policy' : 'CHANGES'}) |

### Targets

| target | worst measured | |
|---|---|---|
| synth time <= ${TARGET_SYNTH_RATIO.toFixed(2)}x hand-written, validation off, N = ${TARGET_N} and ${nMax} | ${maxSynthOff.toFixed(3)}x | ${ok(maxSynthOff <= TARGET_SYNTH_RATIO)} |
| synth time <= ${TARGET_SYNTH_RATIO.toFixed(2)}x hand-written, validation on, N = ${TARGET_N} and ${nMax} | ${maxSynthOn.toFixed(3)}x | ${ok(maxSynthOn <= TARGET_SYNTH_RATIO)} |
| synth time <= ${TARGET_SYNTH_RATIO_SMALL.toFixed(2)}x hand-written, validation off and on, N = ${smallNs} (milliseconds of fixed costs and noise) | ${maxSynthSmall.toFixed(3)}x | ${ok(maxSynthSmall <= TARGET_SYNTH_RATIO_SMALL)} |
| template size <= ${TARGET_TEMPLATE_RATIO.toFixed(2)}x hand-written | ${maxTemplate.toFixed(3)}x | ${ok(maxTemplate <= TARGET_TEMPLATE_RATIO)} |
| bucket policy <= 2.5 KB (deployed, worst case) | ${fmtBytes(maxPolicy)} bytes | ${ok(maxPolicy <= TARGET_POLICY_BYTES)} |
| key policy constant in N | ${keySizes.map(fmtBytes).join(', ')} bytes | ${ok(keyPolicies.size === 1)} |
| no Lambda-backed custom resource in any default configuration but the documented lookup of \`aws/s3\` of \`kmsManaged()\` | see below | ${ok(!failures.some((f) => f.includes('Lambda-backed')))} |

| default configuration | resources | Lambda functions / custom resources |
|---|--:|---|
${customResourceRows.join('\n')}
`;

  if (WRITE) {
    writeSection('synth', body);
    log(`wrote ${path.relative(ROOT, CHART_FILE)} and the synth section of BENCHMARKS.md`);
  }
  log(`load average before ${loadBefore}, after ${loadAfter}`);
  if (failures.length > 0) {
    log(`FAIL: ${failures.length} target(s) missed:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  log('all targets met');
}

main();
