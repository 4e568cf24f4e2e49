/**
 * `npm run bench:guard` (also run by `npm run bench`): what does `EncryptionGuard` cost on a
 * platform-sized app?
 *
 * An app of S stacks x N plain `s3.Bucket`s (SSE-S3, `enforceSSL`), CloudFormation validation off,
 * is synthesized three ways: without the guard, with the guard reporting, and with the guard
 * remediating, and a fourth way for reference: with an Aspect that only adds report mode's error
 * to each bucket (what the CDK spends on that output alone). The app is built before the clock
 * starts: what is timed is `app.synth()` alone, where the guard (an Aspect) does all of its work.
 * The four alternate in rotating order after a
 * warm-up, in one process; medians are reported. Before
 * timing, the bench checks that the guard did its work: in report mode one error per bucket (SSE-C
 * is not blocked on these buckets), in remediate mode none, and the remediated template has SSE-C
 * blocked and the two header statements on every bucket.
 *
 * Targets, reported as met or missed (the script exits non-zero when one is missed): report mode
 * <= 1.35x and remediate mode <= 2x the synth time without the guard, at every size, and an
 * overhead that does not grow with the app: the guard's cost per bucket at the largest app at
 * most 1.25x its cost per bucket at the smallest (linear). The ratio itself may creep up a little
 * with size even then, because the synthesis without the guard has a fixed cost per app that
 * larger apps spread over more buckets.
 *
 * All syntheses run in the bench's own process, with a full garbage collection before each (state
 * that aws-cdk-lib keeps for the life of the process, every token ever created, grows with each
 * app; the rotating order spreads that drift over the variants). With --fresh-process each
 * measured synthesis runs in a fresh Node.js process instead, after a warm-up synthesis of one
 * stack there.
 *
 * Options: --runs=N (measured runs per variant and size, default 8: each variant twice in each place of the rotation; four times as many for the smallest size), --warmup=N (unmeasured runs per size, default 0),
 * --stacks=S (default 20), --sizes=100 (buckets per stack, a list: with several sizes the bench
 * also checks that the guard's cost per bucket does not grow with the app), --quick (size 40),
 * --fresh-process, --no-write (print only). A full run takes a few minutes on 2 cores.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { App, Aspects, IAspect, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ArtifactMetadataEntryType } from 'aws-cdk-lib/cloud-assembly-schema';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { IConstruct } from 'constructs';
import { EncryptionGuard } from '../lib';
import { newApp } from './apps';
import { arg, fmtMs, intArg, loadAverage, machineLine, median, requireSupportedNode, writeSection } from './util';

const RUNS = intArg('runs', 8);
const WARMUP = intArg('warmup', 0);
const STACKS = intArg('stacks', 20);
const FRESH_PROCESS = arg('fresh-process') !== undefined;
const SIZES = (arg('sizes') ?? (arg('quick') !== undefined ? '40' : '100')).split(',').map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--sizes must be a list of positive integers (got ${s})`);
  return n;
});
const WRITE = arg('no-write') === undefined;

const TARGET_REPORT = 1.35;
const TARGET_REMEDIATE = 2;
/** How much more the guard may cost per bucket at the largest app than at the smallest. */
const TARGET_PER_BUCKET_GROWTH = 1.25;

// Validation is off here (it is not what is measured); an inherited setting would not change that.
delete process.env.CDK_VALIDATION;

const FAIL_SYNTH_ON_VALIDATION_ERRORS = '@aws-cdk/core:failSynthOnValidationErrors';

type Variant = 'none' | 'errors' | 'report' | 'remediate';
const VARIANTS: readonly Variant[] = ['none', 'errors', 'report', 'remediate'];
const LABEL: Record<Variant, string> = {
  none: 'without guard', errors: 'errors alone', report: 'guard, report', remediate: 'guard, remediate',
};

/**
 * The reference variant `errors`: an Aspect that checks nothing and adds to each bucket the error
 * that the guard's report mode adds (the same text, without a stack trace, as the guard adds it).
 * Its time is what the CDK spends on the report mode's output alone: the floor under report mode.
 */
class ErrorsAlone implements IAspect {
  constructor(private readonly message: string) {}
  public visit(node: IConstruct): void {
    if (node instanceof s3.CfnBucket) node.node.addMetadata(ArtifactMetadataEntryType.ERROR, this.message);
  }
}

/** The error that report mode adds to each bucket of the app, read from a one-bucket app. */
const REPORT_MESSAGE: string = (() => {
  const app = new App({ context: { [FAIL_SYNTH_ON_VALIDATION_ERRORS]: false } });
  const stack = new Stack(app, 'Probe');
  new s3.Bucket(stack, 'Bucket', { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true });
  const guard = new EncryptionGuard();
  Aspects.of(app).add(guard, { priority: guard.priority });
  const errors = app.synth().getStackByName('Probe').messages.filter((m) => m.level === 'error');
  if (errors.length !== 1) throw new Error(`expected one error from the guard on one bucket, got ${errors.length}`);
  return String(errors[0].entry.data);
})();

/** S stacks x N plain buckets, each with SSE-S3 and enforceSSL (so each has a bucket policy). */
function buildApp(app: App, perStack: number, variant: Variant): void {
  for (let s = 0; s < STACKS; s++) {
    const stack = new Stack(app, `Guarded${s}`);
    for (let i = 0; i < perStack; i++) {
      new s3.Bucket(stack, `Bucket${i}`, { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true });
    }
  }
  if (variant === 'errors') {
    Aspects.of(app).add(new ErrorsAlone(REPORT_MESSAGE));
  } else if (variant !== 'none') {
    const guard = new EncryptionGuard({ remediate: variant === 'remediate' });
    Aspects.of(app).add(guard, { priority: guard.priority });
  }
}

interface Synthesis {
  /** Wall-clock time of `app.synth()`. */
  readonly wallMs: number;
  /** CPU time of the process during `app.synth()`. */
  readonly cpuMs: number;
}

/** A full garbage collection, so that one synthesis does not pay for the garbage of the one before. */
const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

function synthesize(perStack: number, variant: Variant, inspect?: (assembly: CloudAssembly) => void): Synthesis {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-s3-encryption-guard-bench-'));
  try {
    const app = newApp(outdir, false);
    // As under `cdk synth`: the CLI, not the app, reports the error annotations and fails.
    app.node.setContext(FAIL_SYNTH_ON_VALIDATION_ERRORS, false);
    buildApp(app, perStack, variant);
    collectGarbage();
    // The clock starts once the app is built: the guard, an Aspect, does all of its work in synth().
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const assembly = app.synth();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    inspect?.(assembly);
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * One synthesis in a fresh process: the child synthesizes one stack of the same variant to warm
 * up, then the measured app, and prints the figures.
 */
function synthesizeInChild(perStack: number, variant: Variant): Synthesis {
  const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, `--child=${perStack},${variant}`, `--stacks=${STACKS}`],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
  if (child.status !== 0 || !line) {
    throw new Error(`the child synthesis of ${perStack} x ${variant} failed (${child.status}): ${child.stderr.slice(0, 2000)}`);
  }
  return JSON.parse(line) as Synthesis;
}

/** In a child process: warm up, synthesize once, print the figures as one JSON line. */
function childMain(spec: string): void {
  const [perStack, variant] = spec.split(',') as [string, Variant];
  synthesizeWarmUp(variant);
  process.stdout.write(JSON.stringify(synthesize(Number(perStack), variant)) + '\n');
}

/** One small app of the variant, so that the measured synthesis does not pay for loading and compiling code. */
function synthesizeWarmUp(variant: Variant): void {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-s3-encryption-guard-bench-'));
  try {
    const app = newApp(outdir, false);
    app.node.setContext(FAIL_SYNTH_ON_VALIDATION_ERRORS, false);
    const stack = new Stack(app, 'WarmUp');
    for (let i = 0; i < 10; i++) {
      new s3.Bucket(stack, `Bucket${i}`, { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true });
    }
    if (variant === 'errors') {
      Aspects.of(app).add(new ErrorsAlone(REPORT_MESSAGE));
    } else if (variant !== 'none') {
      const guard = new EncryptionGuard({ remediate: variant === 'remediate' });
      Aspects.of(app).add(guard, { priority: guard.priority });
    }
    app.synth();
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Checks that the guard did its work in each variant; returns what is wrong. */
function checkWork(perStack: number): string[] {
  const problems: string[] = [];
  for (const variant of VARIANTS) {
    synthesize(perStack, variant, (assembly) => {
      let errors = 0;
      let fixed = 0;
      for (const stack of assembly.stacks) {
        errors += stack.messages.filter((m) => m.level === 'error').length;
        const resources = Object.values(stack.template.Resources ?? {}) as any[];
        for (const r of resources) {
          if (r.Type === 'AWS::S3::Bucket' &&
              JSON.stringify(r.Properties?.BucketEncryption).includes('"BlockedEncryptionTypes":{"EncryptionType":["SSE-C"]}')) {
            fixed++;
          }
          if (r.Type === 'AWS::S3::BucketPolicy') {
            const sids = (r.Properties.PolicyDocument.Statement as any[]).map((st) => st.Sid);
            if (variant === 'remediate' && !(sids.includes('DenyIncorrectEncryptionHeader') && sids.includes('DenyCustomerProvidedKeys'))) {
              problems.push(`${variant}: a bucket policy lacks the header statements (${sids.join(', ')})`);
            }
          }
        }
      }
      const buckets = STACKS * perStack;
      const wantErrors = variant === 'report' || variant === 'errors' ? buckets : 0;
      const wantFixed = variant === 'remediate' ? buckets : 0;
      if (errors !== wantErrors) problems.push(`${variant}: ${errors} error annotations, expected ${wantErrors}`);
      if (fixed !== wantFixed) problems.push(`${variant}: ${fixed} buckets block SSE-C, expected ${wantFixed}`);
    });
  }
  return problems.slice(0, 5);
}

interface Point {
  readonly perStack: number;
  readonly wall: Record<Variant, number[]>;
  readonly cpu: Record<Variant, number[]>;
}

function main(): void {
  requireSupportedNode();
  const log = (s: string) => process.stdout.write(s + '\n');
  const loadBefore = loadAverage();
  const failures: string[] = [];

  const problems = checkWork(Math.min(...SIZES));
  if (problems.length > 0) {
    log(`FAIL: the guard did not do what the bench expects:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  log('check: report mode reports every bucket, remediate mode fixes every bucket');

  const points: Point[] = SIZES.map((perStack) => ({
    perStack, wall: { none: [], errors: [], report: [], remediate: [] }, cpu: { none: [], errors: [], report: [], remediate: [] },
  }));
  for (const p of points) {
    const measure = (v: Variant) => (FRESH_PROCESS ? synthesizeInChild(p.perStack, v) : synthesize(p.perStack, v));
    for (let w = 0; w < WARMUP; w++) {
      for (const v of VARIANTS) measure(v);
    }
    // The smallest app's overhead is tens of milliseconds, close to the run-to-run spread: it gets
    // four times the runs (they are cheap), so that its cost per bucket is a figure to compare with.
    const runs = p === points[0] && points.length > 1 ? 4 * RUNS : RUNS;
    for (let run = 0; run < runs; run++) {
      // Rotate the order so that no variant always runs first (after the previous size) or last.
      const order = VARIANTS.map((_, i) => VARIANTS[(i + run) % VARIANTS.length]);
      for (const v of order) {
        const synthesis = measure(v);
        p.wall[v].push(synthesis.wallMs);
        p.cpu[v].push(synthesis.cpuMs);
      }
      log(`${STACKS} x ${p.perStack} buckets, run ${run + 1}/${runs}: ` +
        order.map((v) => `${v} ${fmtMs(p.wall[v][p.wall[v].length - 1])} ms`).join(', ') + ` (load ${loadAverage()})`);
    }
  }
  const loadAfter = loadAverage();

  const ms = (p: Point, v: Variant) => median(p.wall[v]);
  const ratio = (p: Point, v: Variant) => ms(p, v) / ms(p, 'none');
  const cpuRatio = (p: Point, v: Variant) => median(p.cpu[v]) / median(p.cpu.none);
  /** The guard's extra wall-clock time per bucket, in µs. */
  const costPerBucket = (p: Point, v: Variant) => (ms(p, v) - ms(p, 'none')) / (STACKS * p.perStack) * 1000;
  const ok = (pass: boolean) => (pass ? 'met' : '**missed**');
  const targetRows: string[] = [];
  for (const [variant, target] of [['report', TARGET_REPORT], ['remediate', TARGET_REMEDIATE]] as const) {
    for (const p of points) {
      const r = ratio(p, variant);
      if (r > target) failures.push(`${variant} ${r.toFixed(2)}x > ${target}x at ${STACKS * p.perStack} buckets`);
      targetRows.push(`| ${LABEL[variant]} <= ${target}x without guard, ${fmtCount(STACKS * p.perStack)} buckets | ${r.toFixed(2)}x | ${ok(r <= target)} |`);
    }
    if (points.length > 1) {
      const largest = points[points.length - 1];
      const growth = costPerBucket(largest, variant) / costPerBucket(points[0], variant);
      if (growth > TARGET_PER_BUCKET_GROWTH) {
        failures.push(`${variant}: the guard's cost per bucket grows ${growth.toFixed(2)}x from the smallest to the largest app`);
      }
      targetRows.push(`| ${LABEL[variant]}: cost per bucket at ${fmtCount(STACKS * largest.perStack)} buckets at most ` +
        `${TARGET_PER_BUCKET_GROWTH}x that at ${fmtCount(STACKS * points[0].perStack)} | ${growth.toFixed(2)}x | ${ok(growth <= TARGET_PER_BUCKET_GROWTH)} |`);
    }
  }

  const rows = points.map((p) => {
    const buckets = STACKS * p.perStack;
    const perBucket = (v: Variant) => costPerBucket(p, v).toFixed(0);
    return `| ${STACKS} x ${p.perStack} | ${fmtCount(buckets)} | ${fmtMs(ms(p, 'none'))} | ${fmtMs(ms(p, 'errors'))} (${ratio(p, 'errors').toFixed(2)}x) | ` +
      `${fmtMs(ms(p, 'report'))} (**${ratio(p, 'report').toFixed(2)}x**) | ` +
      `${fmtMs(ms(p, 'remediate'))} (**${ratio(p, 'remediate').toFixed(2)}x**) | ${cpuRatio(p, 'report').toFixed(2)}x / ${cpuRatio(p, 'remediate').toFixed(2)}x | ` +
      `${perBucket('report')} / ${perBucket('remediate')} |`;
  });
  for (const row of rows) log(row);
  log(`load average before ${loadBefore}, after ${loadAfter}`);

  const HOW_RUN = FRESH_PROCESS ? 'each synthesis in a fresh process (after a warm-up synthesis of one small stack there)'
    : 'all in one process, with a full garbage collection before each synthesis';
  const body = `## EncryptionGuard on a large app (\`npm run bench:guard\`)

Measured ${machineLine(loadBefore, loadAfter)}. ${RUNS} measured run${RUNS > 1 ? 's' : ''} per variant and size (four times as many for the
smallest app, whose overhead is close to the run-to-run spread), the four
variants in rotating order, ${HOW_RUN}; figures
are medians of wall-clock time of \`app.synth()\` alone: the app (App, stacks, buckets and the guard) is built before
the clock starts, and the guard, an Aspect, does all of its work inside \`app.synth()\`. The CPU-time ratios (process CPU time of the same runs) are a cross-check:
when they disagree with the wall-clock ratios by more than a few percent, the machine was busy
with other work during the run, and the figures mean little: re-run the bench.

What is measured: an app of ${STACKS} stacks, each with N plain \`s3.Bucket\`s with SSE-S3 and
\`enforceSSL: true\` (so each bucket has a bucket policy), CloudFormation validation off, synthesized
without the guard, with \`new EncryptionGuard()\` (report: one
error per bucket, since these buckets do not block SSE-C) and with \`new EncryptionGuard({ remediate: true })\`
(each bucket gets SSE-C blocked and the deny statements of an SSE-S3 \`EncryptedBucket\`), the guard
added to the App with \`guard.priority\`. Before timing, the bench checks those errors and fixes.
The guard's cost includes what the CDK does with its output: in report mode, the validation
report of one error per bucket; in remediate mode, synthesizing the added statements. The
reference column \`errors alone\` measures the first of these by itself: an Aspect that checks
nothing and adds the report mode's error (the same text, without a stack trace) to each bucket.
Report mode's figure is that floor plus the guard's own checking.

| stacks x buckets | buckets | without guard ms | errors alone ms (reference) | guard, report ms | guard, remediate ms | CPU-time ratios (report / remediate) | guard's cost per bucket, µs (report / remediate) |
|---|--:|--:|--:|--:|--:|--:|--:|
${rows.join('\n')}

### Targets

| target | measured | |
|---|---|---|
${targetRows.join('\n')}
`;
  if (WRITE) {
    writeSection('guard', body);
    log('wrote the guard section of BENCHMARKS.md');
  }
  if (failures.length > 0) {
    log(`FAIL: ${failures.length} target(s) missed:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  log('all targets met');
}

function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

const childSpec = arg('child');
if (childSpec !== undefined) {
  childMain(childSpec);
} else {
  main();
}
