// The ArcGIS emulator's command line from source, in a child process of its own (IWA mode: its own Kerberos keytab).
// A computed specifier, so this package's type check (DOM settings) does not compile the emulator's Node source.
const cli = new URL('../../../../arcgis-emulator/src/cli.ts', import.meta.url).href;
const { main } = (await import(/* @vite-ignore */ cli)) as { main(argv: string[]): Promise<void> };

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`arcgis-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
