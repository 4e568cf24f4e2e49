/**
 * Snapshots of the integration test apps (test/integ/integ.*.ts), in the layout that integ-runner uses:
 * the cloud assembly of `test/integ/integ.<name>.ts` lives in `test/integ/integ.<name>.ts.snapshot/`
 * (manifest.json, integ.json, tree.json, cdk.out, and per stack `<stack>.template.json`,
 * `<stack>.assets.json`, `<stack>.metadata.json`).
 *
 * Left out of a snapshot, as integ-runner leaves them out for test cases without the stack update
 * workflow: the asset directories (`asset.*`: the Lambda handlers of aws-cdk-lib and
 * integ-tests-alpha, rebuilt at every synth) and the asset cache (`.cache`).
 *
 * Compared (by the jest test test/integ-snapshots.test.ts): the integ manifest (without its
 * tool-version fields) and the template of every stack of the assembly, test cases and
 * assertion stacks alike, with two volatile values normalised as integ-runner does: asset hashes
 * become `Asset1`, `Asset2`... and the `salt` of each assertion (the time of synthesis) becomes
 * `<salt>`.
 *
 * Run `npm run integ:snapshot` to write the snapshots that changed (`-- --force` rewrites all).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The directory that holds the integration tests. */
export const TEST_DIR = __dirname;

/** The integration test apps, as file names relative to `TEST_DIR`, sorted. */
export function integTestFiles(): string[] {
  return fs.readdirSync(TEST_DIR)
    .filter((f) => /^integ\..+\.ts$/.test(f) && !f.endsWith('.d.ts'))
    .sort();
}

/** Where integ-runner keeps the snapshot of a test: `test/integ/integ.<name>.ts.snapshot`. */
export function snapshotDirOf(file: string): string {
  return path.join(TEST_DIR, `${file}.snapshot`);
}

/**
 * Synthesizes one integration test app in this process into `outdir` and returns it.
 *
 * The app calls `app.synth()` itself when loaded, as it does under integ-runner or the CDK CLI;
 * `CDK_OUTDIR` tells it where to write. Each app can be loaded once per process (module cache).
 */
export function synthIntegApp(file: string, outdir: string): string {
  const saved = process.env.CDK_OUTDIR;
  const savedExitCode = process.exitCode;
  process.env.CDK_OUTDIR = outdir;
  process.exitCode = undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(path.join(TEST_DIR, file));
  } finally {
    if (saved === undefined) {
      delete process.env.CDK_OUTDIR;
    } else {
      process.env.CDK_OUTDIR = saved;
    }
  }
  // CDK's built-in CloudFormation validation (on unless CDK_VALIDATION=false) reports its
  // findings on the console and through the exit code.
  if (process.exitCode) {
    throw new Error(`${file}: synthesis reported errors (see above)`);
  }
  process.exitCode = savedExitCode;
  if (!fs.existsSync(path.join(outdir, 'manifest.json'))) {
    throw new Error(`${file} did not synthesize a cloud assembly into ${outdir}: does it call app.synth()?`);
  }
  return outdir;
}

/** The comparable content of a cloud assembly (a synthesized one or a snapshot). */
export interface ComparableAssembly {
  /** integ.json without its tool-version fields. */
  readonly integManifest: unknown;
  /** Each stack's template, keyed by stack artifact id, with volatile values normalised. */
  readonly templates: Record<string, unknown>;
}

/** Reads the parts of a cloud assembly that the snapshot test compares. */
export function readComparable(dir: string): ComparableAssembly {
  const integ = readJson(path.join(dir, 'integ.json'));
  // The cloud assembly schema version and minimum CLI version describe the tools, not the test.
  delete integ.version;
  delete integ.minimumCliVersion;

  const manifest = readJson(path.join(dir, 'manifest.json'));
  const templates: Record<string, unknown> = {};
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const template = readJson(path.join(dir, artifact.properties.templateFile));
    templates[id] = normalizeTemplate(template, assetHashes(dir, manifest, id));
  }
  return { integManifest: integ, templates };
}

/**
 * The hashes of the assets that a stack's template refers to, from its asset manifest
 * (file and Docker image assets built from the assembly's `asset.*` sources).
 */
function assetHashes(dir: string, manifest: any, stackId: string): string[] {
  const hashes: string[] = [];
  for (const artifact of Object.values<any>(manifest.artifacts ?? {})) {
    if (artifact.type !== 'cdk:asset-manifest' || artifact.properties?.file !== `${stackId}.assets.json`) continue;
    const assets = readJson(path.join(dir, artifact.properties.file));
    for (const [hash, entry] of Object.entries<any>(assets.files ?? {})) {
      if (String(entry.source?.path ?? '').startsWith('asset.')) hashes.push(hash);
    }
    for (const [hash, entry] of Object.entries<any>(assets.dockerImages ?? {})) {
      if (String(entry.source?.directory ?? '').startsWith('asset.')) hashes.push(hash);
    }
  }
  return hashes;
}

/** Replaces asset hashes with `Asset<n>` and assertion salts with `<salt>`. */
export function normalizeTemplate(template: unknown, hashes: string[]): unknown {
  const replace = (s: string) => hashes.reduce((acc, hash, i) => acc.split(hash).join(`Asset${i + 1}`), s);
  const visit = (value: unknown, key?: string): unknown => {
    if (typeof value === 'string') {
      return key === 'salt' ? '<salt>' : replace(value);
    }
    if (Array.isArray(value)) {
      return value.map((v) => visit(v));
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [replace(k), visit(v, k)]));
    }
    return value;
  };
  return visit(template);
}

/**
 * The differences between a snapshot (expected) and a fresh synthesis (actual), one line each,
 * with the JSON path and both values; empty when they match.
 */
export function compareAssemblies(expected: ComparableAssembly, actual: ComparableAssembly): string[] {
  const out: string[] = [];
  diff('integ.json', expected.integManifest, actual.integManifest, out);
  const stacks = new Set([...Object.keys(expected.templates), ...Object.keys(actual.templates)]);
  for (const stack of [...stacks].sort()) {
    if (!(stack in actual.templates)) {
      out.push(`${stack}: in the snapshot, but not synthesized any more`);
    } else if (!(stack in expected.templates)) {
      out.push(`${stack}: synthesized, but not in the snapshot`);
    } else {
      diff(stack, expected.templates[stack], actual.templates[stack], out);
    }
  }
  return out;
}

function diff(at: string, expected: unknown, actual: unknown, out: string[]): void {
  if (isObject(expected) && isObject(actual) && Array.isArray(expected) === Array.isArray(actual)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      diff(`${at}.${key}`, (expected as any)[key], (actual as any)[key], out);
    }
    return;
  }
  if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    out.push(`${at}: snapshot has ${brief(expected)}, synthesized ${brief(actual)}`);
  }
}

function isObject(x: unknown): x is object {
  return typeof x === 'object' && x !== null;
}

function brief(x: unknown): string {
  if (x === undefined) return '(nothing)';
  const s = JSON.stringify(x);
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

/**
 * Replaces the snapshot directory with the cloud assembly in `assemblyDir`, without the asset
 * directories and the asset cache.
 */
export function writeSnapshot(assemblyDir: string, snapshotDir: string): void {
  fs.rmSync(snapshotDir, { recursive: true, force: true });
  fs.mkdirSync(snapshotDir, { recursive: true });
  for (const entry of fs.readdirSync(assemblyDir, { withFileTypes: true })) {
    if (entry.name.startsWith('asset.') || entry.name === '.cache') continue;
    if (!entry.isFile()) {
      throw new Error(`unexpected directory ${entry.name} in the cloud assembly ${assemblyDir}`);
    }
    fs.copyFileSync(path.join(assemblyDir, entry.name), path.join(snapshotDir, entry.name));
  }
}

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** `npm run integ:snapshot [-- --force] [integ.<name>.ts ...]`: writes the snapshots that changed. */
export function main(argv: string[]): void {
  const force = argv.includes('--force');
  const wanted = argv.filter((a) => !a.startsWith('--')).map((a) => path.basename(a));
  const all = integTestFiles();
  const unknown = wanted.filter((f) => !all.includes(f));
  if (unknown.length > 0) {
    throw new Error(`no such integration test: ${unknown.join(', ')} (have: ${all.join(', ')})`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-snapshot-'));
  try {
    for (const file of wanted.length > 0 ? wanted : all) {
      const outdir = synthIntegApp(file, path.join(tmp, file));
      const snapshotDir = snapshotDirOf(file);
      const differences = fs.existsSync(snapshotDir)
        ? compareAssemblies(readComparable(snapshotDir), readComparable(outdir))
        : ['no snapshot yet'];
      if (differences.length === 0 && !force) {
        console.log(`${file}: snapshot up to date`);
        continue;
      }
      writeSnapshot(outdir, snapshotDir);
      console.log(`${file}: wrote ${path.relative(process.cwd(), snapshotDir)} (${differences.length} difference(s))`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

