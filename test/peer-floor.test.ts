// Proves which aws-cdk-lib and constructs the tests load: the devDependencies normally, the
// floor of the peer dependency ranges under scripts/peer-floor.sh.
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AT_PEER_FLOOR } from './peer-floor';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));

function loadedVersion(name: string, anchor: unknown): string {
  // The file that defines the loaded class, walked up to its package.json.
  const file = Object.values(require.cache).find((m) => m && Object.values(m.exports ?? {}).includes(anchor))?.filename;
  expect(file).toBeDefined();
  let dir = path.dirname(file!);
  while (!fs.existsSync(path.join(dir, 'package.json')) || JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json of ${name} above ${file}`);
    dir = up;
  }
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}

test.each([
  ['aws-cdk-lib', App],
  ['constructs', Construct],
])('the tests load the expected %s', (name, anchor) => {
  const expected = AT_PEER_FLOOR ? pkg.peerDependencies[name].replace(/^[\^~]/, '') : pkg.devDependencies[name];
  expect(loadedVersion(name, anchor)).toBe(expected);
});
