// The identity's allowlist: findings that later scans do not report again, with the reason and who added them; an
// operator removes an entry to have it reported again.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { cleanKeys, listAllowlist, removeAllowlistEntry } from '../../api/clean.api';
import type { Identity } from '../../api/identities.api';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { DataTable } from '../../components/data-table';
import { ErrorNotice } from '../../components/notice';
import { canOperate } from '../../components/roles';
import { formatDateTime } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import { untrustedLabel } from './labels';

export function Allowlist({ identity }: { identity: Identity }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const operator = canOperate(useCurrentUser());
  const entries = useQuery({ queryKey: cleanKeys.allowlist(identity.id), queryFn: ({ signal }) => listAllowlist(client, identity.id, signal) });
  const remove = useMutation({
    mutationFn: (entryId: string) => removeAllowlistEntry(client, identity.id, entryId),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: cleanKeys.allowlist(identity.id) })
  });
  return (
    <section className="panel clean-allowlist" aria-labelledby="clean-allowlist-heading">
      <h2 id="clean-allowlist-heading">Allowlist</h2>
      <p className="cell-note">Findings that later scans of this organization do not report again. Remove an entry to have it reported again.</p>
      {entries.error !== null && <ErrorNotice error={entries.error} title="The allowlist could not be loaded" />}
      {remove.error !== null && <ErrorNotice error={remove.error} title="The entry could not be removed" />}
      {entries.data && entries.data.length === 0 && <p className="empty-note">Nothing is allowlisted. Allowlist findings from a scan&apos;s findings table.</p>}
      {entries.data && entries.data.length > 0 && (
        <DataTable caption="Allowlisted findings" columns={['What', 'Scan type', 'Reason', 'Added']} actions className="clean-allowlist-table">
          {entries.data.map((entry) => {
            const what = entry.target?.title ?? entry.target?.id ?? entry.findingKey ?? entry.id;
            return (
              <tr key={entry.id} data-entry-id={entry.id}>
                <td>
                  <PlainText text={what} fallback={entry.target?.id ?? '(unnamed)'} />
                  {entry.code && <span className="cell-note"> · {entry.code}</span>}
                </td>
                <td>{entry.scanType}</td>
                <td>
                  <PlainText text={entry.reason} />
                </td>
                <td>
                  {formatDateTime(entry.addedAt)} by {entry.addedBy}
                </td>
                <td>
                  {operator && (
                    <calcite-button
                      appearance="transparent"
                      kind="danger"
                      iconStart="trash"
                      label={`Remove ${untrustedLabel(what)} from the allowlist`}
                      disabled={remove.isPending}
                      onClick={() => remove.mutate(entry.id)}
                    >
                      Remove
                    </calcite-button>
                  )}
                </td>
              </tr>
            );
          })}
        
        </DataTable>
      )}
    </section>
  );
}
