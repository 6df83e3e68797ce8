// A table of findings: what (with a link to it in the portal), its kind and type, owner, the problem and where it is,
// severity; optionally with a check box per row and sortable column headers. All ArcGIS text is shown as plain text.
import type { Finding, FindingSort, FindingTarget } from '../../api/clean.api';
import { PlainText } from '../../components/untrusted-text';
import { detailsLine, untrustedLabel } from './labels';
import '@esri/calcite-components/components/calcite-icon';

const SEVERITY: Record<string, string> = { critical: 'Critical', warning: 'Warning', info: 'Info' };

export interface FindingsTableProps {
  findings: Finding[];
  caption: string;
  selection?: {
    selected: ReadonlySet<string>;
    toggle: (finding: Finding, on: boolean) => void;
    togglePage: (on: boolean) => void;
  };
  sort?: { field: FindingSort; order: 'asc' | 'desc'; onSort: (field: FindingSort) => void };
  /** The rows shown are the previous page's while another sort, filter or page loads. */
  busy?: boolean;
}

export function FindingsTable({ findings, caption, selection, sort, busy = false }: FindingsTableProps) {
  const allOnPage = selection !== undefined && findings.length > 0 && findings.every((f) => selection.selected.has(f.id));
  const someOnPage = selection !== undefined && findings.some((f) => selection.selected.has(f.id));
  return (
    <div className={busy ? 'table-scroll is-loading' : 'table-scroll'} aria-busy={busy}>
      <table className="data-table findings-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {selection && (
              <th scope="col" className="select-cell">
                <input
                  type="checkbox"
                  aria-label="Select every finding on this page"
                  checked={allOnPage}
                  ref={(element) => {
                    if (element) element.indeterminate = someOnPage && !allOnPage;
                  }}
                  onChange={(event) => selection.togglePage(event.target.checked)}
                />
              </th>
            )}
            <ColumnHeader field="title" label="Title" sort={sort} />
            <ColumnHeader field="type" label="Type" sort={sort} />
            <ColumnHeader field="owner" label="Owner" sort={sort} />
            <ColumnHeader field="code" label="Problem" sort={sort} />
            <th scope="col">Where</th>
            <ColumnHeader field="severity" label="Severity" sort={sort} />
          </tr>
        </thead>
        <tbody>
          {findings.map((finding) => (
            <FindingRow key={finding.id} finding={finding} selection={selection} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A column's header; with sorting, a button that sorts by it (again: the other way round). */
function ColumnHeader({ field, label, sort }: { field: FindingSort; label: string; sort: FindingsTableProps['sort'] }) {
  if (!sort) return <th scope="col">{label}</th>;
  const active = sort.field === field;
  return (
    <th scope="col" aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => sort.onSort(field)} aria-label={`Sort by ${label.toLowerCase()}${active ? (sort.order === 'asc' ? ', now ascending' : ', now descending') : ''}`}>
        {label}
        <calcite-icon icon={active ? (sort.order === 'asc' ? 'chevron-up' : 'chevron-down') : 'sort-ascending-arrow'} scale="s" aria-hidden="true" />
      </button>
    </th>
  );
}

function FindingRow({ finding, selection }: { finding: Finding; selection: FindingsTableProps['selection'] }) {
  const selected = selection?.selected.has(finding.id) ?? false;
  return (
    <tr data-finding-id={finding.id} data-target-id={finding.target.id} aria-selected={selection ? selected : undefined}>
      {selection && (
        <td className="select-cell">
          <input
            type="checkbox"
            aria-label={`Select ${untrustedLabel(finding.target.title) || finding.target.id}: ${finding.code}`}
            checked={selected}
            onChange={(event) => selection.toggle(finding, event.target.checked)}
          />
        </td>
      )}
      <td>
        <TargetName target={finding.target} />
      </td>
      <td>
        <PlainText text={finding.target.type ?? finding.target.kind} />
      </td>
      <td>
        <PlainText text={finding.target.owner} fallback="—" />
      </td>
      <td>
        <span className="finding-code">{finding.code}</span>
        <PlainText className="finding-message" as="span" text={finding.message} />
        {detailsLine(finding.details) && <PlainText className="cell-note finding-details" as="span" text={detailsLine(finding.details)} />}
      </td>
      <td>
        <PlainText text={finding.where} fallback="—" />
      </td>
      <td>
        <span className={`severity severity-${finding.severity}`}>{SEVERITY[finding.severity] ?? finding.severity}</span>
      </td>
    </tr>
  );
}

/** What a finding is about: its title (a link to it in the portal when it has one) and its id. */
export function TargetName({ target }: { target: FindingTarget }) {
  return (
    <>
      {target.portalUrl ? (
        <a className="text-link" href={target.portalUrl} target="_blank" rel="noopener noreferrer">
          <PlainText text={target.title} fallback={target.id} />
        </a>
      ) : (
        <PlainText text={target.title} fallback={target.id} />
      )}
      <span className="cell-note finding-id">{target.id}</span>
    </>
  );
}
