// Choosing which identity (organization) a page works on. The choice lives in the URL (?identity=<id>) so a page can be
// linked to and reloaded, and the last choice is remembered for the next page that asks.
import { useEffect } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { Identity } from '../api/identities.api';
import { useIdentities } from '../api/identities.query';
import { ErrorNotice, Notice } from './notice';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';

const REMEMBERED = 'orgkeeper.identity';

function remembered(): string | null {
  try {
    return window.localStorage.getItem(REMEMBERED);
  } catch {
    return null;
  }
}

function remember(id: string): void {
  try {
    window.localStorage.setItem(REMEMBERED, id);
  } catch {
    // Storage may be disabled; the URL still holds the choice.
  }
}

export interface SelectedIdentity {
  identities: Identity[];
  /** The chosen identity, or null while loading or when there is none. */
  identity: Identity | null;
  loading: boolean;
  error: unknown;
  select(id: string): void;
}

/** The identity chosen for this page: the URL's, else the remembered one, else the first. */
export function useSelectedIdentity(): SelectedIdentity {
  const [params, setParams] = useSearchParams();
  const query = useIdentities();
  const identities = query.data?.identities ?? [];
  const wanted = params.get('identity') ?? remembered();
  const identity = identities.find((i) => i.id === wanted) ?? identities[0] ?? null;
  const select = (id: string) => {
    remember(id);
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        next.set('identity', id);
        // Whatever else the URL pointed at belonged to the previous identity.
        for (const key of [...next.keys()]) if (key !== 'identity') next.delete(key);
        return next;
      },
      { replace: false }
    );
  };
  useEffect(() => {
    if (identity) remember(identity.id);
  }, [identity]);
  return { identities, identity, loading: query.isPending, error: query.error, select };
}

/** The identity drop-down, or a notice when there is nothing to choose. */
export function IdentityPicker({ selection, help }: { selection: SelectedIdentity; help?: string }) {
  if (selection.error) return <ErrorNotice error={selection.error} title="The identities could not be loaded" />;
  if (selection.loading) return <calcite-loader label="Loading identities" inline />;
  if (selection.identities.length === 0) {
    return (
      <Notice kind="info" title="No identity yet">
        Add an organization on <Link to="/identities">Manage Identities</Link> and connect it first.
      </Notice>
    );
  }
  return (
    <div className="identity-picker">
      <calcite-select
        label="Identity"
        labelText="Identity"
        value={selection.identity?.id ?? ''}
        oncalciteSelectChange={(event) => selection.select(event.target.value)}
      >
        {selection.identities.map((identity) => (
          <calcite-option key={identity.id} value={identity.id} selected={identity.id === selection.identity?.id} label={identity.name}>
            {identity.name}
          </calcite-option>
        ))}
      </calcite-select>
      {help && <div className="form-field-help">{help}</div>}
    </div>
  );
}
