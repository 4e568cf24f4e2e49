/*
 * Drives the packed library through the jsii runtime, as the Python, Java, .NET and Go packages
 * do: those hosts spawn `@jsii/runtime` and talk to it over a JSON protocol on its stdin and
 * stdout (load, create, invoke, get, sinvoke). This script does the same from Node:
 *
 * 1. fetches the runtime (`npm pack @jsii/runtime@<the version of jsii-pacmak>`: its
 *    `webpack/bin/jsii-runtime.js` is a self-contained bundle, so nothing is installed);
 * 2. packs constructs, aws-cdk-lib and aws-cdk-lib's jsii dependencies at the versions installed
 *    here, and this library (`npm pack`, which runs the jsii build);
 * 3. loads the tarballs into the runtime, builds the README's Python example app through the
 *    protocol (a key shared by buckets, a bucket in each mode, a grant, the guard as an Aspect and
 *    the validation plugin), synthesizes it, and compares its template with the one the same app
 *    produces in TypeScript;
 * 4. checks that an input the library refuses comes back across the boundary as an error that
 *    carries the library's message.
 *
 * Needs the npm registry (or the npm cache) for the tarballs; CI runs it (.ci/run). Exits non-zero
 * on any failure, including a construct that cannot be created through the runtime.
 *
 * Usage: tsx scripts/jsii-runtime-check.ts [--library <tarball>] (default: packs the project)
 */
import * as assert from 'assert';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EncryptedBucket, EncryptionGuard, EncryptionKey, EncryptionValidationPlugin, ServerSideEncryption } from '../lib';

const root = path.resolve(__dirname, '..');
const LIBRARY = 'cdk-s3-encryption';

type ObjRef = { '$jsii.byref': string };

/** An error that the runtime returned for a request. */
class RuntimeError extends Error {
  constructor(message: string, public readonly errorName: string | undefined) {
    super(message);
  }
}

/** One jsii runtime process, spoken to one request at a time, one JSON object per line. */
class JsiiRuntime {
  private readonly process: ChildProcess;
  private buffered = '';
  private readonly lines: string[] = [];
  private waiting?: (line: string) => void;
  private exited?: string;

  constructor(runtimeScript: string) {
    this.process = spawn(process.execPath, [runtimeScript], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stdout!.setEncoding('utf8');
    this.process.stdout!.on('data', (chunk: string) => {
      this.buffered += chunk;
      let newline: number;
      while ((newline = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        if (line.trim() === '') continue;
        if (this.waiting) {
          const waiting = this.waiting;
          this.waiting = undefined;
          waiting(line);
        } else {
          this.lines.push(line);
        }
      }
    });
    // The runtime forwards the kernel's console output on stderr, as JSON lines.
    this.process.stderr!.setEncoding('utf8');
    this.process.stderr!.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter((l) => l.trim() !== '')) {
        try {
          const message = JSON.parse(line);
          const data = message.stderr ?? message.stdout;
          process.stderr.write(typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : `${line}\n`);
        } catch {
          process.stderr.write(`${line}\n`);
        }
      }
    });
    this.process.on('exit', (code, signal) => {
      this.exited = `the jsii runtime exited (code ${code}, signal ${signal})`;
      this.waiting?.(JSON.stringify({ error: this.exited }));
    });
  }

  /** The next line from the runtime. */
  public async next(): Promise<any> {
    const line = this.lines.shift() ?? await new Promise<string>((resolve) => {
      if (this.exited) resolve(JSON.stringify({ error: this.exited }));
      else this.waiting = resolve;
    });
    return JSON.parse(line);
  }

  /** Sends a request and returns its `ok` answer, or throws the runtime's error. */
  public async request(request: Record<string, unknown>): Promise<any> {
    this.process.stdin!.write(`${JSON.stringify(request)}\n`);
    const response = await this.next();
    if ('callback' in response) {
      throw new Error(`unexpected callback from the runtime: ${JSON.stringify(response.callback)}`);
    }
    if ('error' in response) throw new RuntimeError(String(response.error), response.name);
    return response.ok;
  }

  public load(tarball: string): Promise<{ assembly: string; types: number }> {
    const pkg = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
    return this.request({ api: 'load', name: pkg.name, version: pkg.version, tarball });
  }

  public create(fqn: string, args: unknown[] = []): Promise<ObjRef> {
    return this.request({ api: 'create', fqn, args, overrides: [], interfaces: [] });
  }

  public async invoke(objref: ObjRef, method: string, args: unknown[] = []): Promise<any> {
    return (await this.request({ api: 'invoke', objref, method, args })).result;
  }

  public async sinvoke(fqn: string, method: string, args: unknown[] = []): Promise<any> {
    return (await this.request({ api: 'sinvoke', fqn, method, args })).result;
  }

  public async get(objref: ObjRef, property: string): Promise<any> {
    return (await this.request({ api: 'get', objref, property })).value;
  }

  public async exit(): Promise<void> {
    this.process.stdin!.write(`${JSON.stringify({ exit: 0 })}\n`);
    this.process.stdin!.end();
    await new Promise((resolve) => this.process.once('exit', resolve));
  }
}

/** A struct passed by value, in the form the Python, Java, .NET and Go hosts send it. */
function struct(fqn: string, data: Record<string, unknown>): unknown {
  return { '$jsii.struct': { fqn, data } };
}

function installedVersion(name: string): string {
  return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [root] }), 'utf8')).version;
}

/** `npm pack <spec>` into `dir`, from the npm cache when it can; returns the tarball's path. */
function npmPack(spec: string, dir: string, cwd = root): string {
  const output = execFileSync('npm', ['pack', spec, '--silent', '--prefer-offline', '--pack-destination', dir],
    { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const file = output.trim().split('\n').pop()!;
  return path.join(dir, file);
}

/** The stack's template of an app synthesized into `outdir`. */
function readTemplate(outdir: string, stackName: string): any {
  return JSON.parse(fs.readFileSync(path.join(outdir, `${stackName}.template.json`), 'utf8'));
}

const STACK = 'DataStack';
/** The buckets of the app other than the README's `Data`: one more in each mode. */
const MODES = ['s3Managed', 'kmsManaged', 'dsseKms', 'customerProvided'] as const;

/** The app in TypeScript. */
function typescriptApp(outdir: string): any {
  const app = new App({ outdir, analyticsReporting: false });
  const stack = new Stack(app, STACK);
  const key = new EncryptionKey(stack, 'DataKey', { alias: 'data' });
  const bucket = new EncryptedBucket(stack, 'Data', { serverSideEncryption: ServerSideEncryption.kms({ key }), minimumTLSVersion: 1.2 });
  const uploader = new iam.Role(stack, 'Uploader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  bucket.grantWrite(uploader);
  const encryption = {
    s3Managed: () => ServerSideEncryption.s3Managed(),
    kmsManaged: () => ServerSideEncryption.kmsManaged(),
    dsseKms: () => ServerSideEncryption.dsseKms({ key }),
    customerProvided: () => ServerSideEncryption.customerProvided(),
  };
  for (const mode of MODES) new EncryptedBucket(stack, mode, { serverSideEncryption: encryption[mode]() });
  const guard = new EncryptionGuard({ requireKms: false });
  Aspects.of(app).add(guard, { priority: guard.priority });
  Validations.of(app).addPlugins(new EncryptionValidationPlugin());
  app.synth();
  return readTemplate(outdir, STACK);
}

/** The same app, built through the jsii runtime. */
async function runtimeApp(jsii: JsiiRuntime, outdir: string): Promise<any> {
  const app = await jsii.create('aws-cdk-lib.App', [struct('aws-cdk-lib.AppProps', { outdir, analyticsReporting: false })]);
  const stack = await jsii.create('aws-cdk-lib.Stack', [app, STACK]);
  const key = await jsii.create(`${LIBRARY}.EncryptionKey`, [stack, 'DataKey', struct(`${LIBRARY}.EncryptionKeyProps`, { alias: 'data' })]);
  const kms = await jsii.sinvoke(`${LIBRARY}.ServerSideEncryption`, 'kms', [struct(`${LIBRARY}.KmsEncryptionOptions`, { key })]);
  const bucket = await jsii.create(`${LIBRARY}.EncryptedBucket`, [stack, 'Data',
    struct(`${LIBRARY}.EncryptedBucketProps`, { serverSideEncryption: kms, minimumTLSVersion: 1.2 })]);
  const principal = await jsii.create('aws-cdk-lib.aws_iam.ServicePrincipal', ['lambda.amazonaws.com']);
  const uploader = await jsii.create('aws-cdk-lib.aws_iam.Role', [stack, 'Uploader', struct('aws-cdk-lib.aws_iam.RoleProps', { assumedBy: principal })]);
  await jsii.invoke(bucket, 'grantWrite', [uploader]);
  const options: Record<(typeof MODES)[number], unknown[]> = {
    s3Managed: [], kmsManaged: [], dsseKms: [struct(`${LIBRARY}.DsseKmsEncryptionOptions`, { key })], customerProvided: [],
  };
  for (const mode of MODES) {
    const encryption = await jsii.sinvoke(`${LIBRARY}.ServerSideEncryption`, mode, options[mode]);
    await jsii.create(`${LIBRARY}.EncryptedBucket`, [stack, mode, struct(`${LIBRARY}.EncryptedBucketProps`, { serverSideEncryption: encryption })]);
  }
  const guard = await jsii.create(`${LIBRARY}.EncryptionGuard`, [struct(`${LIBRARY}.EncryptionGuardProps`, { requireKms: false })]);
  const priority = await jsii.get(guard, 'priority');
  assert.strictEqual(priority, AspectPriority.READONLY, 'a guard that only reports has priority AspectPriority.READONLY');
  const aspects = await jsii.sinvoke('aws-cdk-lib.Aspects', 'of', [app]);
  await jsii.invoke(aspects, 'add', [guard, struct('aws-cdk-lib.AspectOptions', { priority })]);
  const plugin = await jsii.create(`${LIBRARY}.EncryptionValidationPlugin`);
  assert.strictEqual(await jsii.get(plugin, 'name'), LIBRARY);
  const validations = await jsii.sinvoke('aws-cdk-lib.Validations', 'of', [app]);
  await jsii.invoke(validations, 'addPlugins', [plugin]);
  await jsii.invoke(app, 'synth');
  return readTemplate(outdir, STACK);
}

/** An input the library refuses: the error must reach the host with the library's message. */
async function refusedInput(jsii: JsiiRuntime): Promise<void> {
  const app = await jsii.create('aws-cdk-lib.App', [struct('aws-cdk-lib.AppProps', { outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'jsii-refused-')) })]);
  const stack = await jsii.create('aws-cdk-lib.Stack', [app, 'Refused']);
  try {
    await jsii.create(`${LIBRARY}.EncryptedBucket`, [stack, 'Old', struct(`${LIBRARY}.EncryptedBucketProps`, { minimumTLSVersion: 1.1 })]);
  } catch (e) {
    assert.ok(e instanceof RuntimeError, `expected an error from the runtime, got ${e}`);
    assert.match(e.message, /EncryptedBucket 'Refused\/Old': minimumTLSVersion must be 1\.2 or 1\.3 \(got 1\.1\)/);
    // The library's error class by name: not '@jsii/kernel.Fault' (a fault of the runtime itself),
    // so the hosts raise it as an error of the program (in Python, a RuntimeError with this message).
    assert.strictEqual(e.errorName, 'EncryptionValidationError');
    console.log(`jsii-runtime-check: the refusal crossed the boundary: ${e.message.split('\n')[0]}`);
    return;
  }
  throw new Error('the runtime accepted minimumTLSVersion 1.1');
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jsii-runtime-check-'));
  try {
    const runtimeVersion = installedVersion('jsii-pacmak');
    const runtimeTarball = npmPack(`@jsii/runtime@${runtimeVersion}`, work);
    fs.mkdirSync(path.join(work, 'runtime'));
    execFileSync('tar', ['-xzf', runtimeTarball, '-C', path.join(work, 'runtime')]);
    const runtimeScript = path.join(work, 'runtime', 'package', 'webpack', 'bin', 'jsii-runtime.js');
    assert.ok(fs.existsSync(runtimeScript), `${runtimeScript} is missing from @jsii/runtime@${runtimeVersion}`);

    // aws-cdk-lib's jsii dependencies before aws-cdk-lib, and the library last.
    const dependencies = ['constructs', '@aws-cdk/cloud-assembly-schema', '@aws-cdk/asset-awscli-v1',
      '@aws-cdk/asset-node-proxy-agent-v6', 'aws-cdk-lib'];
    const tarballs = dependencies.map((name) => npmPack(`${name}@${installedVersion(name)}`, work));
    const libraryArg = process.argv.indexOf('--library');
    tarballs.push(libraryArg >= 0 ? path.resolve(process.argv[libraryArg + 1]) : npmPack('.', work));

    const jsii = new JsiiRuntime(runtimeScript);
    const hello = await jsii.next();
    assert.ok(typeof hello.hello === 'string', `expected the runtime's hello, got ${JSON.stringify(hello)}`);
    console.log(`jsii-runtime-check: ${hello.hello} on node ${process.version}`);
    try {
      for (const tarball of tarballs) {
        const loaded = await jsii.load(tarball);
        console.log(`jsii-runtime-check: loaded ${loaded.assembly} (${loaded.types} types)`);
      }
      const viaRuntime = await runtimeApp(jsii, path.join(work, 'jsii.out'));
      const viaTypeScript = typescriptApp(path.join(work, 'ts.out'));
      assert.deepStrictEqual(viaRuntime, viaTypeScript, 'the template built through the jsii runtime differs from the TypeScript one');
      const buckets = Object.values(viaRuntime.Resources).filter((r: any) => r.Type === 'AWS::S3::Bucket');
      assert.strictEqual(buckets.length, 1 + MODES.length);
      console.log(`jsii-runtime-check: ${Object.keys(viaRuntime.Resources).length} resources, ${buckets.length} buckets: ` +
        'the same template as TypeScript');
      await refusedInput(jsii);
    } finally {
      await jsii.exit();
    }
    console.log('jsii-runtime-check: passed');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`jsii-runtime-check: FAILED: ${e instanceof Error ? e.stack ?? e.message : e}`);
  process.exit(1);
});
