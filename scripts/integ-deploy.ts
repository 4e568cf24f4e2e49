/** `npm run integ:deploy`: deploys, checks and destroys the integration tests (test/integ/deploy.ts). */
import { main } from '../test/integ/deploy';

process.exitCode = main(process.argv.slice(2));
