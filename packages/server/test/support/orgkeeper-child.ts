// Runs OrgKeeper's command line from source in a child process, so it has its own Kerberos environment (IWA tests).
import { main } from '../../src/cli.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`orgkeeper: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
);
