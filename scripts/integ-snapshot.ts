/** `npm run integ:snapshot`: rewrites the snapshots of the integration tests (test/integ/snapshot.ts). */
import { main } from '../test/integ/snapshot';

main(process.argv.slice(2));
