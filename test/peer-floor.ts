// The tests also run against the lowest aws-cdk-lib and constructs that the peer dependency
// ranges allow (scripts/peer-floor.sh sets CDK_PEER_FLOOR_DIR; jest.config.js then loads those
// copies). The library itself must pass there. A test of test tooling (a validation plugin, a
// snapshot of aws-cdk-lib's own resources) that needs a newer aws-cdk-lib than the floor may be
// declared with the helpers below: it is skipped there, with its reason printed. At the current
// floor every test runs.

/** Whether this run uses the peer-floor aws-cdk-lib and constructs. */
export const AT_PEER_FLOOR = process.env.CDK_PEER_FLOOR_DIR !== undefined;

function announce(what: string, reason: string): void {
  console.info(`skipped at the peer floor: ${what}\n  reason: ${reason}`);
}

/** `describe`, or at the peer floor `describe.skip` with the reason printed. */
export function describeNeedingNewerCdk(reason: string): jest.Describe {
  if (!AT_PEER_FLOOR) return describe;
  const skip = ((name: string, fn: () => void) => {
    announce(String(name), reason);
    describe.skip(name, fn);
  }) as jest.Describe;
  return skip;
}

/** `test`, or at the peer floor `test.skip` with the reason printed. */
export function testNeedingNewerCdk(reason: string): jest.It {
  if (!AT_PEER_FLOOR) return test;
  const skip = ((name: string, fn?: jest.ProvidesCallback, timeout?: number) => {
    announce(String(name), reason);
    test.skip(name, fn, timeout);
  }) as jest.It;
  return skip;
}
