// Loaded with --import in a child process: makes the optional `kerberos` package unavailable, as on a server
// where it was never installed, so the IWA test can check what OrgKeeper says then.
import { register } from 'node:module';

const hook = `export async function resolve(specifier, context, next) {
  if (specifier === 'kerberos') {
    throw Object.assign(new Error("Cannot find package 'kerberos'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
