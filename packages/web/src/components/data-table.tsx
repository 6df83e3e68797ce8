// A table of records: its caption for screen readers, a header row of column names and, for tables with row actions, a
// last column whose header only screen readers hear. Wrapped so that a wide table scrolls inside the page instead of
// widening it.
import type { ReactNode } from 'react';

/** A column's name, or its name and how it is shown: numbers right-aligned, or a name only screen readers hear. */
export type DataTableColumn = string | { name: string; numeric?: boolean; visuallyHidden?: boolean };

export interface DataTableProps {
  /** Read by screen readers as the table's name. */
  caption: string;
  columns: readonly DataTableColumn[];
  /** Adds the last column for each row's buttons. */
  actions?: boolean;
  /** Beside `data-table`, for the page's own stylesheet. */
  className?: string;
  /** The rows (`<tr>` each). */
  children: ReactNode;
}

export function DataTable({ caption, columns, actions = false, className, children }: DataTableProps) {
  return (
    <div className="table-scroll">
      <table className={className ? `data-table ${className}` : 'data-table'}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <HeaderCell key={typeof column === 'string' ? column : column.name} column={column} />
            ))}
            {actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

function HeaderCell({ column }: { column: DataTableColumn }) {
  if (typeof column === 'string') return <th scope="col">{column}</th>;
  return (
    <th scope="col" {...(column.numeric ? { className: 'num' } : {})}>
      {column.visuallyHidden ? <span className="visually-hidden">{column.name}</span> : column.name}
    </th>
  );
}
