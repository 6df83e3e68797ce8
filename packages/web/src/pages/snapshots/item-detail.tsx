// One item as a snapshot holds it: what it is (title, description, tags), its parts with sizes, sharing, related items,
// its hosted layers with feature counts, problems, its item JSON, and downloads (ZIP, GeoJSON per layer).
import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef } from 'react';
import { Link } from 'react-router';
import { backupKeys, getItemDetail, type ItemDetail, itemZipUrl, layerGeoJsonUrl } from '../../api/backup.api';
import { useApiClient } from '../../app/api-context';
import { ErrorNotice, Notice } from '../../components/notice';
import { StatusBadge } from '../../components/status-badge';
import { formatBytes, formatCount, formatDateTime } from '../../components/units';
import { PlainText, RichText } from '../../components/untrusted-text';
import type { Identity } from '../../api/identities.api';
import { LiveComparison } from './live-compare';
import '@esri/calcite-components/components/calcite-icon';

export interface ItemDetailViewProps {
  identity: Identity;
  snapshotId: string;
  itemId: string;
}

type StoredItem = ItemDetail['item'];

export function ItemDetailView({ identity, snapshotId, itemId }: ItemDetailViewProps) {
  const client = useApiClient();
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const detail = useQuery({
    queryKey: backupKeys.item(identity.id, snapshotId, itemId),
    queryFn: ({ signal }) => getItemDetail(client, identity.id, snapshotId, itemId, signal),
    staleTime: Infinity
  });
  // Keyboard users land on the item they opened.
  useEffect(() => {
    if (detail.data) heading.current?.focus();
  }, [detail.data]);

  if (detail.error) return <ErrorNotice error={detail.error} title="This item cannot be shown" />;
  if (!detail.data) return <calcite-loader label="Loading the item" inline />;
  const { item, itemJson } = detail.data;

  return (
    <article className="item-detail" aria-labelledby={headingId}>
      <h3 id={headingId} ref={heading} tabIndex={-1} className="item-title">
        <PlainText text={item.title} fallback="(no title)" />
      </h3>
      <p className="item-meta">
        <PlainText text={item.type} /> · owner <PlainText text={item.owner} /> · modified {formatDateTime(item.modified)} · <StatusBadge status={item.status} />
        {item.carriedFrom && <span className="cell-note"> · unchanged since snapshot {item.carriedFrom}</span>}
      </p>
      <div className="item-actions">
        <a className="download-link" href={itemZipUrl(identity.id, snapshotId, item.id)} download>
          <calcite-icon icon="download" scale="s" aria-hidden="true" /> Download the item as ZIP
        </a>
        <Link
          className="download-link"
          to={`/restore?identity=${encodeURIComponent(identity.id)}&snapshot=${encodeURIComponent(snapshotId)}&item=${encodeURIComponent(item.id)}`}
        >
          <calcite-icon icon="reset" scale="s" aria-hidden="true" /> Restore this item…
        </Link>
      </div>
      <ItemText itemJson={itemJson ?? {}} />
      {item.external && (
        <Notice kind="info" icon="unlink" title="External reference: kept as an item only">
          Its URL <code><PlainText text={item.external.url} /></code> is not a hosted layer of this organization (<PlainText text={item.external.reason} />). OrgKeeper
          kept the item and its parts, never requested the URL, and a restore brings back the item only.
        </Notice>
      )}
      {item.neededBy.length > 0 && (
        <Notice kind="info" icon="link" title="Taken along: the chosen items need it">
          This backup of chosen items took it along so they can be restored:
          <ul className="plain-list">
            {item.neededBy.map((n) => (
              <li key={`${n.itemId} ${n.need}`}>
                {n.need} <PlainText text={n.title} fallback={n.itemId} /> ({n.relationshipType})
              </li>
            ))}
          </ul>
        </Notice>
      )}
      {item.problems.length > 0 && (
        <Notice kind="warning" title="Parts that could not be backed up">
          <ul className="plain-list">
            {item.problems.map((p, i) => (
              <li key={i}>
                {p.part} ({p.status}): <PlainText text={p.reason} />
              </li>
            ))}
          </ul>
        </Notice>
      )}
      <PartsTable parts={item.parts} />
      {item.parts.item && <LiveComparison identity={identity} snapshotId={snapshotId} itemId={item.id} />}
      {item.service && <LayersTable identity={identity} snapshotId={snapshotId} item={item} layers={item.service.layers} />}
      <details className="item-section">
        <summary>Item JSON</summary>
        {/* JSON as text: React escapes it, nothing in it is interpreted. */}
        <pre className="code-block">{JSON.stringify(itemJson, null, 2)}</pre>
      </details>
    </article>
  );
}

/** What the item says about itself, from its item JSON: snippet, description (sanitized rich text) and tags. */
function ItemText({ itemJson: json }: { itemJson: NonNullable<ItemDetail['itemJson']> }) {
  const tags = Array.isArray(json.tags) ? json.tags.filter((t): t is string => typeof t === 'string') : [];
  return (
    <>
      {typeof json.snippet === 'string' && json.snippet !== '' && (
        <p className="item-snippet">
          <PlainText text={json.snippet} />
        </p>
      )}
      <section className="item-section" aria-label="Description">
        <h4>Description</h4>
        <RichText html={json.description} fallback="No description." className="item-description" />
      </section>
      {tags.length > 0 && (
        <section className="item-section" aria-label="Tags">
          <h4>Tags</h4>
          <ul className="tag-list">
            {tags.map((tag, i) => (
              <li key={i}>
                <PlainText text={tag} />
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

function PartsTable({ parts }: { parts: StoredItem['parts'] }) {
  return (
    <section className="item-section" aria-label="Parts">
      <h4>Parts</h4>
      <table className="data-table parts-table">
        <thead>
          <tr>
            <th scope="col">Part</th>
            <th scope="col">What</th>
            <th scope="col" className="num">Size</th>
          </tr>
        </thead>
        <tbody>
          <PartRow part="Item JSON" what={parts.item ? 'Stored' : 'Missing'} size={parts.item?.size} />
          <PartRow
            part="Data"
            what={parts.data ? [parts.data.kind, parts.data.filename, parts.data.contentType].filter(Boolean).join(' · ') : 'None'}
            size={parts.data?.size}
          />
          <PartRow part="Thumbnail" what={parts.thumbnail ? [parts.thumbnail.filename, parts.thumbnail.contentType].filter(Boolean).join(' · ') : 'None'} size={parts.thumbnail?.size} />
          <PartRow part="Metadata" what={parts.metadata ? 'metadata.xml' : 'None'} size={parts.metadata?.size} />
          <PartRow
            part="Resources"
            what={parts.resources.length === 0 ? 'None' : parts.resources.map((r) => r.path).join(', ')}
            size={parts.resources.length === 0 ? undefined : parts.resources.reduce((sum, r) => sum + (r.size ?? 0), 0)}
          />
          <PartRow
            part="Sharing"
            what={parts.sharing ? `${parts.sharing.access}${parts.sharing.groups.length > 0 ? `, ${parts.sharing.groups.length} groups` : ''}` : 'Not recorded'}
          />
          <PartRow part="Related items" what={parts.related.length === 0 ? 'None' : parts.related.map((r) => `${r.relationshipType} (${r.direction}) ${r.itemId}`).join(', ')} />
        </tbody>
      </table>
    </section>
  );
}

interface LayersTableProps {
  identity: Identity;
  snapshotId: string;
  item: StoredItem;
  layers: NonNullable<StoredItem['service']>['layers'];
}

/** A hosted service's layers and tables with their feature counts, each downloadable as GeoJSON. */
function LayersTable({ identity, snapshotId, item, layers }: LayersTableProps) {
  return (
    <section className="item-section" aria-label="Layers">
      <h4>Layers and tables</h4>
      <table className="data-table layers-table">
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col" className="num">Features</th>
            <th scope="col" className="num">Attachments</th>
            <th scope="col">Status</th>
            <th scope="col">Download</th>
          </tr>
        </thead>
        <tbody>
          {layers.map((layer) => (
            <tr key={layer.id} data-layer={layer.id}>
              <td>
                <PlainText text={layer.name} fallback={`Layer ${layer.id}`} /> <span className="cell-note">{layer.kind} {layer.id}</span>
              </td>
              <td className="num">{formatCount(layer.featureCount)}</td>
              <td className="num">{formatCount(layer.attachmentCount)}</td>
              <td>
                <StatusBadge status={layer.status} />
              </td>
              <td>
                <a className="download-link" href={layerGeoJsonUrl(identity.id, snapshotId, item.id, layer.id)} download aria-label={`Download layer ${layer.name || layer.id} as GeoJSON`}>
                  GeoJSON
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function PartRow({ part, what, size }: { part: string; what: string; size?: number | null | undefined }) {
  return (
    <tr>
      <th scope="row">{part}</th>
      <td>
        <PlainText text={what} />
      </td>
      <td className="num">{size === undefined || size === null ? '' : formatBytes(size)}</td>
    </tr>
  );
}
