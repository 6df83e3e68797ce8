// One section of Manage Identities (ArcGIS Online or ArcGIS Enterprise): its + button, and its identity cards or what
// an identity is when there is none yet.
import { useId } from 'react';
import type { Identity, IdentityType } from '../../api/identities.api';
import { IdentityCard } from './identity-card';
import { SECTION_TITLES } from './identity-format';
import '@esri/calcite-components/components/calcite-fab';
import '@esri/calcite-components/components/calcite-icon';

const SECTION_TEXT: Record<IdentityType, { description: string; empty: string }> = {
  online: {
    description: 'Organizations on ArcGIS Online (https://<org>.maps.arcgis.com), signed in with OAuth 2.0.',
    empty:
      'No ArcGIS Online organization yet. An identity is one organization OrgKeeper may back up, restore and clean: ' +
      'its URL, the App ID OrgKeeper signs in with, and the folder on this server where its backups go. ' +
      'Press + to add one.'
  },
  enterprise: {
    description: 'ArcGIS Enterprise portals (https://<host>/portal), signed in with IWA (Windows) or OAuth 2.0.',
    empty:
      'No ArcGIS Enterprise portal yet. An identity is one portal OrgKeeper may back up, restore and clean: its URL, ' +
      'how OrgKeeper signs in (IWA or OAuth 2.0), and the folder on this server where its backups go. Press + to add one.'
  }
};

export interface IdentitySectionProps {
  type: IdentityType;
  identities: Identity[];
  loading: boolean;
  redirectUri: string | undefined;
  canManage: boolean;
  canTest: boolean;
  onAdd: () => void;
  onEdit: (identity: Identity) => void;
  onDelete: (identity: Identity) => void;
  onAction: () => void;
}

export function IdentitySection({ type, identities, loading, redirectUri, canManage, canTest, onAdd, onEdit, onDelete, onAction }: IdentitySectionProps) {
  const headingId = useId();
  const title = SECTION_TITLES[type];
  const text = SECTION_TEXT[type];
  return (
    <section className="identity-section" aria-labelledby={headingId} data-section={type}>
      <div className="identity-section-header">
        <div>
          <h2 id={headingId}>{title}</h2>
          <p className="identity-section-description">{text.description}</p>
        </div>
        {canManage && (
          <calcite-fab
            appearance="solid"
            kind="brand"
            icon="plus"
            label={`Add ${title} identity`}
            text={`Add ${title} identity`}
            scale="m"
            onClick={onAdd}
          />
        )}
      </div>
      {loading ? (
        <div className="identity-section-loading">
          <calcite-loader label={`Loading ${title} identities`} inline />
          <span>Loading…</span>
        </div>
      ) : identities.length === 0 ? (
        <div className="identity-empty">
          <calcite-icon icon={type === 'online' ? 'globe' : 'organization'} scale="l" aria-hidden="true" />
          <p>{canManage ? text.empty : text.empty.replace(/ Press \+ to add one\.$/, ' An administrator of OrgKeeper can add one.')}</p>
        </div>
      ) : (
        <div className="identity-list">
          {identities.map((identity) => (
            <IdentityCard
              key={identity.id}
              identity={identity}
              redirectUri={redirectUri}
              canManage={canManage}
              canTest={canTest}
              onEdit={onEdit}
              onDelete={onDelete}
              onAction={onAction}
            />
          ))}
        </div>
      )}
    </section>
  );
}
