// Runs the emulator's command line in a child process (IWA tests: Kerberos settings are per process).
import { main } from '../../src/cli.js';

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`arcgis-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
