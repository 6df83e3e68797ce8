// The scan types the server offers, with their option schemas: read once per session (they change only with the server).
import { useQuery } from '@tanstack/react-query';
import { cleanKeys, listScanTypes } from '../../api/clean.api';
import { useApiClient } from '../../app/api-context';

export function useScanTypes() {
  const client = useApiClient();
  return useQuery({ queryKey: cleanKeys.scanTypes, queryFn: ({ signal }) => listScanTypes(client, signal), staleTime: Infinity });
}
