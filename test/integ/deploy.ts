/**
 * Runs the integration tests in an AWS account with the CDK CLI alone (for as long as integ-runner
 * cannot read the cloud assemblies of current aws-cdk-lib):
 *
 *   npm run integ:deploy                          # all tests
 *   npm run integ:deploy -- integ.sse-kms.ts      # some tests
 *   npm run integ:deploy -- --keep ...            # leave the stacks deployed
 *   npm run integ:deploy -- --dry-run ...         # print the commands only
 *
 * For each test: `cdk deploy --all` (the test stack, then its assertion stack, whose custom
 * resources run the cases), then read the assertion stack's outputs (`AssertionResults*`: one
 * per asserted case; `Observed*`: what S3 did in a recorded case), then `cdk destroy --all`
 * (also after a failure). Exits with 1 if a deployment or an assertion failed.
 *
 * Uses the credentials and region of the environment (AWS_PROFILE, AWS_REGION, ...). The
 * account and region must be bootstrapped (`npx cdk bootstrap`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { integTestFiles } from './snapshot';
import { INTEG_PREFIX } from './support';

/** The CDK CLI commands that run one integration test. */
export function commandsFor(file: string, workDir: string, keep: boolean): { deploy: string[]; destroy?: string[]; outputsFile: string } {
  const app = `npx tsx ${path.posix.join('test', 'integ', file)}`;
  const output = path.join(workDir, 'cdk.out');
  const outputsFile = path.join(workDir, 'outputs.json');
  return {
    deploy: ['cdk', 'deploy', '--all', '--app', app, '--output', output, '--require-approval', 'never', '--outputs-file', outputsFile],
    destroy: keep ? undefined : ['cdk', 'destroy', '--all', '--force', '--app', app, '--output', output],
    outputsFile,
  };
}

/** What the assertion outputs of one deployment say. */
export interface AssertionSummary {
  readonly passed: string[];
  readonly failed: Array<{ readonly id: string; readonly message: string }>;
  readonly observed: Array<{ readonly id: string; readonly value: string }>;
}

/**
 * Reads the outputs that `cdk deploy --outputs-file` wrote (`{ stack: { output: value } }`):
 * every `AssertionResults*` output is `{"status":"success"}` or `{"status":"fail","message":...}`.
 */
export function summarizeOutputs(outputs: Record<string, Record<string, string>>): AssertionSummary {
  const summary: AssertionSummary = { passed: [], failed: [], observed: [] };
  for (const [stack, values] of Object.entries(outputs)) {
    for (const [name, value] of Object.entries(values)) {
      const id = `${stack}.${name}`;
      if (name.startsWith('AssertionResults')) {
        let result: { status?: string; message?: string };
        try {
          result = JSON.parse(value);
        } catch {
          result = { message: `not an assertion result: ${value}` };
        }
        if (result.status === 'success') {
          summary.passed.push(id);
        } else {
          summary.failed.push({ id, message: result.message ?? value });
        }
      } else if (name.startsWith('Observed')) {
        summary.observed.push({ id, value });
      }
    }
  }
  return summary;
}

function run(command: string[], dryRun: boolean): boolean {
  console.log(`$ npx ${command.map((c) => (/\s/.test(c) ? `"${c}"` : c)).join(' ')}`);
  if (dryRun) return true;
  return spawnSync('npx', command, { stdio: 'inherit' }).status === 0;
}

/** Runs the tests named in `argv` (all when none); returns the exit code. */
export function main(argv: string[]): number {
  const keep = argv.includes('--keep');
  const dryRun = argv.includes('--dry-run');
  const all = integTestFiles();
  const wanted = argv.filter((a) => !a.startsWith('--')).map((a) => path.basename(a));
  const unknown = wanted.filter((f) => !all.includes(f));
  if (unknown.length > 0) {
    console.error(`no such integration test: ${unknown.join(', ')} (have: ${all.join(', ')})`);
    return 2;
  }
  let ok = true;
  for (const file of wanted.length > 0 ? wanted : all) {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-deploy-'));
    const commands = commandsFor(file, workDir, keep);
    console.log(`\n=== ${file}`);
    const deployed = run(commands.deploy, dryRun);
    if (!dryRun) {
      if (!deployed) {
        console.error(`${file}: deployment failed (see the CloudFormation events above)`);
        ok = false;
      }
      if (fs.existsSync(commands.outputsFile)) {
        const summary = summarizeOutputs(JSON.parse(fs.readFileSync(commands.outputsFile, 'utf8')));
        for (const o of summary.observed) console.log(`observed ${o.id}: ${o.value}`);
        for (const f of summary.failed) console.error(`FAILED ${f.id}: ${f.message}`);
        console.log(`${file}: ${summary.passed.length} assertion(s) passed, ${summary.failed.length} failed`);
        if (summary.failed.length > 0 || summary.passed.length === 0) ok = false;
      }
    }
    if (commands.destroy && !run(commands.destroy, dryRun)) {
      console.error(`${file}: destroy failed: run it again, or delete the test's ${INTEG_PREFIX}* stacks by hand`);
      ok = false;
    }
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  return ok ? 0 : 1;
}

