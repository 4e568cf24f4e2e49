// Unit tests synthesize many small stacks; CDK's built-in CloudFormation validation
// would add seconds to each one. test/reference-stack.test.ts turns it back on for the
// reference stack, so the check still runs once per `npm test`.
if (process.env.CDK_VALIDATION === undefined) {
  process.env.CDK_VALIDATION = 'false';
}
