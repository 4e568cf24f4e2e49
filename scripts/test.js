#!/usr/bin/env node
/**
 * `npm test`: the type-check (`tsc -b tsconfig.typecheck.json`: no emit, incremental) and jest,
 * started together so that the type-check overlaps the tests instead of delaying them. Fails when either fails. Arguments go to
 * jest (`npm test -- test/guard.test.ts`).
 *
 * tsc's output is held back and printed after it ends, so that it is not interleaved with jest's.
 * Plain JavaScript, so that starting it costs no TypeScript loader.
 */
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
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

/**
 * The type-check runs in build mode (`tsc -b tsconfig.typecheck.json`: no emit, incremental): when
 * no project file has changed since the last passing check, tsc says so from the stored build info
 * in well under a second, without parsing aws-cdk-lib's declarations (about 10 s of CPU on every
 * run before). When a file has changed, it checks as plain `tsc --incremental` would.
 *
 * Build mode compares the project's own files (and the tsconfig files) with the build info, not
 * the installed packages. So the build info is dropped whenever the installed packages change
 * (node_modules/.package-lock.json, which npm rewrites on every install, differs from the copy
 * kept beside the build info), and the next check is a full one.
 */
function dropBuildInfoIfPackagesChanged() {
  const cache = path.join(root, 'node_modules', '.cache', 'cdk-s3-encryption');
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  const seen = path.join(cache, 'typecheck.package-lock.json');
  let current;
  try {
    current = fs.readFileSync(installed, 'utf8');
  } catch {
    current = undefined;
  }
  let previous;
  try {
    previous = fs.readFileSync(seen, 'utf8');
  } catch {
    previous = undefined;
  }
  if (current !== undefined && current === previous) return;
  fs.rmSync(path.join(cache, 'typecheck.tsbuildinfo'), { force: true });
  fs.mkdirSync(cache, { recursive: true });
  if (current !== undefined) fs.writeFileSync(seen, current);
  else fs.rmSync(seen, { force: true });
}

async function main() {
  dropBuildInfoIfPackagesChanged();
  const typecheck = run('type-check (tsc -b tsconfig.typecheck.json: no emit, incremental)', [
    bin('typescript/bin/tsc'), '-b', path.join(root, 'tsconfig.typecheck.json'),
  ], { quiet: true });
  // --liftoff-only (a V8 flag; jest's workers inherit it): the tests that run CDK's built-in
  // CloudFormation validation start its WebAssembly engine for a few seconds at most, too short
  // for V8's optimizing compiler to pay for itself (cdk.json starts the reference app the same way).
  const jest = run('jest', ['--liftoff-only', bin('jest/bin/jest.js'), ...process.argv.slice(2)], { quiet: false });
  const [typesOk, testsOk] = await Promise.all([typecheck, jest]);
  process.exitCode = typesOk && testsOk ? 0 : 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
