// What a fix will change, finding by finding: each change with its value before and after, whether a backup is taken
// first, and (as children) the confirmations and the Apply button.
import type { ReactNode } from 'react';
import type { FixPreview } from '../../api/clean.api';
import { DataTable } from '../../components/data-table';
import { Notice } from '../../components/notice';
import { formatCount, plural } from '../../components/units';
import { PlainText } from '../../components/untrusted-text';
import { describeValue } from './fix-actions';

export function PreviewView({ preview, children }: { preview: FixPreview; children: ReactNode }) {
  return (
    <section className="clean-preview" aria-label="Fix preview" data-preview-hash={preview.hash}>
      <h3>Preview</h3>
      <p role="status">
        {formatCount(preview.counts.change)} will change, {formatCount(preview.counts.skip)} will be skipped.
      </p>
      {preview.backup.needed ? (
        preview.backup.possible ? (
          <Notice kind="info" title="A backup is taken first">
            {preview.backup.reason ??
              `Before anything changes, ${plural(preview.backup.itemIds.length, 'item')}${preview.backup.principals ? ' and the users' : ''} are backed up into the identity's File Location, so the fix can be undone.`}
          </Notice>
        ) : (
          <Notice kind="warning" title="No backup can be taken first">
            {preview.backup.reason ?? 'The identity has no usable File Location.'} Without a backup, what this fix deletes cannot be brought back.
          </Notice>
        )
      ) : (
        <Notice kind="info" title="Nothing in ArcGIS changes">
          This action changes nothing in the organization, so there is nothing to back up or undo.
        </Notice>
      )}
      <DataTable caption="What the fix will change, finding by finding" columns={['What', 'Will', 'Change', 'Before', 'After']} className="clean-preview-table">
        {preview.findings.map((plan) => {
          const rows = plan.status === 'skip' || plan.changes.length === 0 ? [null] : plan.changes;
          return rows.map((change, index) => (
            <tr key={`${plan.findingId}.${index}`} data-finding-id={plan.findingId} data-plan={plan.status}>
              {index === 0 && (
                <td rowSpan={rows.length}>
                  <PlainText text={plan.target.title} fallback={plan.target.id} />
                  <span className="cell-note finding-id">{plan.target.id}</span>
                </td>
              )}
              {index === 0 && <td rowSpan={rows.length}>{plan.status === 'change' ? 'Change' : 'Skip'}</td>}
              {change ? (
                <>
                  <td>
                    <PlainText text={change.summary} />
                  </td>
                  <td>
                    <PlainText text={describeValue(change.before)} />
                  </td>
                  <td>
                    <PlainText text={describeValue(change.after)} />
                  </td>
                </>
              ) : (
                <td colSpan={3}>
                  <PlainText text={plan.reason ?? 'Nothing to change.'} />
                </td>
              )}
            </tr>
          ));
        })}
      
      </DataTable>
      {children}
    </section>
  );
}
