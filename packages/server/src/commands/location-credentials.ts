import type { LocationCredentialsInput } from '../identities/identity.types.js';
import { type CliIo, UsageError } from './cli-io.js';

/** Location credentials from the environment: secrets never go on a command line (shell history, process lists). */
export function credentialsFromEnvironment(kind: string, io: CliIo, command: string): LocationCredentialsInput {
  const need = (name: string) => {
    const value = io.env[name];
    if (!value) throw new UsageError(`--location-credential ${kind} reads ${name} from the environment, which is not set.`, command);
    return value;
  };
  switch (kind) {
    case 's3':
      return { kind: 's3', accessKeyId: need('ORGKEEPER_S3_ACCESS_KEY_ID'), secretAccessKey: need('ORGKEEPER_S3_SECRET_ACCESS_KEY') };
    case 'azure-key':
      return { kind: 'azure-key', accountKey: need('ORGKEEPER_AZURE_ACCOUNT_KEY') };
    case 'azure-sas':
      return { kind: 'azure-sas', token: need('ORGKEEPER_AZURE_SAS_TOKEN') };
    default:
      throw new UsageError(`--location-credential takes s3, azure-key or azure-sas, not "${kind}".`, command);
  }
}
