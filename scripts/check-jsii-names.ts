// Fails when two members of one exported type differ only in case or underscores, counting the
// members each type inherits (from aws-cdk-lib too). Python turns both `minimumTlsVersion` and
// `minimumTLSVersion` into `minimum_tls_version`, and jsii itself does not report it: the
// generated module then fails to import. Runs after jsii, on the .jsii assembly.
import * as path from 'path';
import * as reflect from 'jsii-reflect';

async function main(): Promise<void> {
  const ts = new reflect.TypeSystem();
  const assembly = await ts.load(path.resolve(__dirname, '..'), {
    validate: false,
    // Features that the assemblies of aws-cdk-lib and constructs may use.
    supportedFeatures: ['intersection-types', 'class-covariant-overrides'],
  });
  const problems: string[] = [];
  for (const type of assembly.allTypes) {
    if (!type.isClassType() && !type.isInterfaceType()) continue;
    const members = [...Object.values(type.getProperties(true)), ...Object.values(type.getMethods(true))];
    const byKey = new Map<string, Set<string>>();
    for (const member of members) {
      const key = member.name.replace(/_/g, '').toLowerCase();
      const names = byKey.get(key) ?? new Set<string>();
      names.add(`${member.name} (${member.definingType.fqn})`);
      byKey.set(key, names);
    }
    for (const names of byKey.values()) {
      if (new Set([...names].map((n) => n.split(' ')[0])).size > 1) {
        problems.push(`${type.fqn}: ${[...names].join(' and ')} collide in languages that change case`);
      }
    }
  }
  if (problems.length > 0) {
    for (const problem of problems) console.error(`check-jsii-names: ${problem}`);
    process.exit(1);
  }
  console.log(`check-jsii-names: no case collisions among the members of ${assembly.allTypes.length} types`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
