// Runs the emulator's command line from its source in a child process (IWA: Kerberos settings are per process).
const cli = new URL('../../../arcgis-emulator/src/cli.ts', import.meta.url).href;
const { main } = (await import(cli)) as { main(argv: string[]): Promise<void> };
main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`arcgis-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
