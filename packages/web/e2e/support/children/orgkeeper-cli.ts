// OrgKeeper's command line from source, in a child process of its own (IWA tests: Kerberos reads its settings from
// the process environment, so the server needs its own KRB5_CONFIG and KRB5CCNAME).
import { main } from '../../../../server/src/cli.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`orgkeeper: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
);
