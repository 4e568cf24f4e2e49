#!/usr/bin/env node
/**
 * `npm test`: the type-check (`tsc --noEmit`, incremental) and jest, started together so that the
 * type-check overlaps the tests instead of delaying them. Fails when either fails. Arguments go to
 * jest (`npm test -- test/guard.test.ts`).
 *
 * tsc's output is held back and printed after it ends, so that it is not interleaved with jest's.
 * Plain JavaScript, so that starting it costs no TypeScript loader.
 */
'use strict';
const { spawn } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', name);

function run(label, args, { quiet }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (quiet) {
      child.stdout.on('data', (d) => { output += d; });
      child.stderr.on('data', (d) => { output += d; });
    }
    child.on('close', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (output) process.stdout.write(output);
      const status = code === 0 ? 'passed' : `FAILED (${signal ?? `exit code ${code}`})`;
      process.stdout.write(`${label}: ${status} in ${seconds} s\n`);
      resolve(code === 0);
    });
  });
}

async function main() {
  const typecheck = run('type-check (tsc --noEmit --incremental)', [
    bin('typescript/bin/tsc'), '--noEmit', '--incremental',
    '--tsBuildInfoFile', path.join(root, 'node_modules', '.cache', 'cdk-s3-encryption', 'test.tsbuildinfo'),
  ], { quiet: true });
  const jest = run('jest', [bin('jest/bin/jest.js'), ...process.argv.slice(2)], { quiet: false });
  const [typesOk, testsOk] = await Promise.all([typecheck, jest]);
  process.exitCode = typesOk && testsOk ? 0 : 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
