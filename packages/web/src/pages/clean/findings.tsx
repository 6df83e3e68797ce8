// A scan's findings: filters and CSV export, the findings chosen across pages, fixing them (fix-panel.tsx) or
// allowlisting them with a reason, and the table of the current page (findings-table.tsx) with its pager.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { cleanKeys, findingsCsvUrl, type Scan, type Severity, type TargetKind } from '../../api/clean.api';
import { useCurrentUser } from '../../app/session';
import { type FilterChoice, FilterSelect } from '../../components/filter-select';
import { ErrorNotice, Notice } from '../../components/notice';
import { canOperate } from '../../components/roles';
import { formatCount, plural } from '../../components/units';
import { cleanLinks } from './clean-links';
import { downloadCsv } from './download';
import { type AllowlistFindings, type FindingSelection, type FindingsList, useAllowlistFindings, useFindingSelection, useFindingsList } from './findings-state';
import { FindingsTable } from './findings-table';
import { FixPanel } from './fix-panel';
import { TextField } from './option-fields';

const SEVERITY_CHOICES: FilterChoice<Severity>[] = [
  { value: 'critical', label: 'Critical' },
  { value: 'warning', label: 'Warning' },
  { value: 'info', label: 'Info' }
];
const KIND_CHOICES: FilterChoice<TargetKind>[] = [
  { value: 'item', label: 'Items' },
  { value: 'user', label: 'Users' },
  { value: 'group', label: 'Groups' }
];

export function Findings({ identityId, scan }: { identityId: string; scan: Scan }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const operator = canOperate(useCurrentUser());
  const list = useFindingsList(identityId, scan.id);
  const selection = useFindingSelection(identityId, scan.id, list);
  const [panel, setPanel] = useState<'none' | 'fix' | 'allowlist'>('none');
  const [notice, setNotice] = useState<string | null>(null);
  const allowlist = useAllowlistFindings(identityId, scan, (count) => {
    setNotice(`${plural(count, 'finding')} allowlisted. The next ${scan.type} scan will not report ${count === 1 ? 'it' : 'them'}.`);
    selection.clear();
    setPanel('none');
  });
  const chosen = selection.selected;

  return (
    <section className="clean-findings" aria-labelledby="findings-heading">
      <h2 id="findings-heading">Findings</h2>
      <FindingFilters identityId={identityId} scan={scan} list={list} />
      {selection.selectAll.error !== null && <ErrorNotice error={selection.selectAll.error} title="The matching findings could not be selected" />}
      {notice && (
        <Notice kind="success" title="Allowlisted" announce>
          {notice}
        </Notice>
      )}
      <SelectionBar selection={selection} operator={operator} matching={list.total > list.findings.length ? list.total : null} onPanel={setPanel} />
      {panel === 'fix' && chosen.size > 0 && (
        <FixPanel
          key={[...chosen.keys()].sort().join(',')}
          identityId={identityId}
          scanId={scan.id}
          findings={[...chosen.values()]}
          onClose={() => setPanel('none')}
          onApplied={(fixId) => {
            void queryClient.invalidateQueries({ queryKey: cleanKeys.fixes(identityId, scan.id) });
            navigate(cleanLinks.fix(identityId, fixId));
          }}
        />
      )}
      {panel === 'allowlist' && chosen.size > 0 && <AllowlistPanel allowlist={allowlist} selection={selection} onCancel={() => setPanel('none')} />}
      <FindingsPage scan={scan} list={list} selection={selection} />
    </section>
  );
}

/** The filter row (the server filters), and the export of every finding of the scan as CSV. */
function FindingFilters({ identityId, scan, list }: { identityId: string; scan: Scan; list: FindingsList }) {
  const exportCsv = useMutation({ mutationFn: () => downloadCsv(findingsCsvUrl(identityId, scan.id), `scan-${scan.type}-${scan.id.slice(0, 8)}.csv`) });
  const { filters, setFilter } = list;
  return (
    <>
      <div className="filter-row" role="search" aria-label="Filter the findings">
        <TextField name="q" label="Search" help="Text in the title, id or problem." value={filters.q} onChange={setFilter.q} />
        <FilterSelect label="Severity" anyLabel="Any severity" value={filters.severity} choices={SEVERITY_CHOICES} onChange={setFilter.severity} />
        <FilterSelect label="Kind" anyLabel="Items, users and groups" value={filters.kind} choices={KIND_CHOICES} onChange={setFilter.kind} />
        <TextField name="owner" label="Owner" help="A username, exactly." value={filters.owner} onChange={setFilter.owner} />
        <calcite-button appearance="outline" iconStart="download" loading={exportCsv.isPending} disabled={exportCsv.isPending} onClick={() => exportCsv.mutate()}>
          Export CSV
        </calcite-button>
      </div>
      {exportCsv.error !== null && <ErrorNotice error={exportCsv.error} title="The CSV could not be exported" />}
    </>
  );
}

interface SelectionBarProps {
  selection: FindingSelection;
  operator: boolean;
  /** How many findings match the filters, when that is more than the page shows. */
  matching: number | null;
  onPanel: (panel: 'fix' | 'allowlist') => void;
}

function SelectionBar({ selection, operator, matching, onPanel }: SelectionBarProps) {
  const none = selection.selected.size === 0;
  return (
    <div className="clean-selection-bar" role="toolbar" aria-label="Selected findings">
      <span data-testid="selected-findings" aria-live="polite">
        {plural(selection.selected.size, 'finding')} selected
      </span>
      {operator && (
        <>
          <calcite-button iconStart="wrench" disabled={none} onClick={() => onPanel('fix')}>
            Fix selected
          </calcite-button>
          <calcite-button appearance="outline" iconStart="check-shield" disabled={none} onClick={() => onPanel('allowlist')}>
            Allowlist selected
          </calcite-button>
        </>
      )}
      {matching !== null && (
        <calcite-button appearance="outline" loading={selection.selectAll.isPending} disabled={selection.selectAll.isPending} onClick={() => selection.selectAll.mutate()}>
          Select all {formatCount(matching)} matching
        </calcite-button>
      )}
      <calcite-button appearance="transparent" disabled={none} onClick={selection.clear}>
        Clear selection
      </calcite-button>
    </div>
  );
}

function AllowlistPanel({ allowlist, selection, onCancel }: { allowlist: AllowlistFindings; selection: FindingSelection; onCancel: () => void }) {
  const submit = () => allowlist.submit([...selection.selected.values()]);
  return (
    <section className="panel clean-allowlist-panel" aria-labelledby="allowlist-panel-heading">
      <h2 id="allowlist-panel-heading">Allowlist {plural(selection.selected.size, 'finding')}</h2>
      <p className="cell-note">Later scans of this organization will not report these findings again. Remove them from the allowlist on the Clean page to have them reported again.</p>
      <form
        aria-label="Allowlist"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <TextField name="reason" label="Reason" help="Why these may stay, e.g. 'Kept for the annual report'." value={allowlist.reason} error={allowlist.reasonError} required onChange={allowlist.setReason} />
        {allowlist.allowlist.error !== null && <ErrorNotice error={allowlist.allowlist.error} title="Not every finding could be allowlisted" />}
        <div className="clean-actions">
          <calcite-button iconStart="check" loading={allowlist.allowlist.isPending} disabled={allowlist.allowlist.isPending} onClick={submit}>
            Add to allowlist
          </calcite-button>
          <calcite-button appearance="transparent" onClick={onCancel}>
            Cancel
          </calcite-button>
        </div>
      </form>
    </section>
  );
}

/** The current page of findings with its pager, or why there is none. */
function FindingsPage({ scan, list, selection }: { scan: Scan; list: FindingsList; selection: FindingSelection }) {
  const { page, findings, total, start, last } = list;
  return (
    <>
      {page.error !== null && <ErrorNotice error={page.error} title="The findings could not be loaded" />}
      {page.isPending && <calcite-loader label="Loading the findings" inline />}
      {page.data && total === 0 && <p className="empty-note">{scan.findings === 0 ? 'This scan found nothing to report.' : 'No finding matches these filters.'}</p>}
      {page.data && total > 0 && (
        <>
          <FindingsTable
            findings={findings}
            caption={`Findings of the scan, ${formatCount(start)} to ${formatCount(last)} of ${formatCount(total)}`}
            selection={{ selected: new Set(selection.selected.keys()), toggle: selection.toggle, togglePage: selection.togglePage }}
            sort={{ ...list.sort, onSort: list.onSort }}
            busy={page.isPlaceholderData}
          />
          <div className="pager">
            <span>
              {formatCount(start)}–{formatCount(last)} of {formatCount(total)}
            </span>
            <calcite-button appearance="outline" iconStart="chevron-left" disabled={start <= 1} onClick={list.previousPage}>
              Previous page
            </calcite-button>
            <calcite-button appearance="outline" iconEnd="chevron-right" disabled={page.data.nextStart < 0} onClick={list.nextPage}>
              Next page
            </calcite-button>
          </div>
        </>
      )}
    </>
  );
}
