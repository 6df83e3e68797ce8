/**
 * A clone's organization-wide URL rewrites: the source portal's URL to the target's, and each services directory of
 * the source that the snapshot's items use to the target's hosting server. Each cloned service also gets its own
 * rewrite (longer prefixes win), so these catch what no cloned item serves: services outside the snapshot, tile
 * services whose tiles are rebuilt later, deleted services that apps still name. Those stay broken in the target
 * (the plan says which), but nothing names the source organization any more.
 */
import type { OrgOrigins } from '../arcgis/org-origins.js';
import type { Store } from '../store/index.js';
import type { SnapshotContent } from './restore.plan.js';
import type { PlannedRewrite } from './restore.types.js';

/** `https://host/<...>/rest/services` of a service URL, or undefined. */
export function servicesRootOf(url: string): string | undefined {
  const match = /^(https?:\/\/[^/?#]+(?:\/[^?#]*?)?\/rest\/services)(?=\/)/i.exec(url.trim());
  return match?.[1];
}

export async function cloneOrgRewrites(store: Store, content: SnapshotContent, target: { portalUrl: string; origins: OrgOrigins }): Promise<PlannedRewrite[]> {
  const rewrites: PlannedRewrite[] = [{ kind: 'url', from: content.manifest.org.portalUrl, to: target.portalUrl }];
  const hosting = target.origins.servers.find((s) => s.hosting);
  if (!hosting) return rewrites;
  const roots = new Set<string>();
  for (const entry of content.items.values()) {
    const root = !entry.external && entry.service?.url ? servicesRootOf(entry.service.url) : undefined;
    if (root) roots.add(root);
  }
  // Other items' URLs (tile services, map services) on the source's own origins: the snapshot took every other URL as
  // external. Read after the hosted services, whose origins they are compared with.
  const hostedRoots = new Set(roots);
  for (const entry of content.items.values()) {
    if (entry.external || entry.service || !entry.item) continue;
    const item = await store.getJson<{ url?: unknown }>(entry.item.hash).catch(() => ({ url: undefined }));
    const root = typeof item.url === 'string' && sameOrigin(item.url, content.manifest.org.portalUrl, hostedRoots) ? servicesRootOf(item.url) : undefined;
    if (root) roots.add(root);
  }
  for (const root of [...roots].sort()) {
    if (root.toLowerCase() !== hosting.servicesUrl.toLowerCase()) rewrites.push({ kind: 'url', from: root, to: hosting.servicesUrl });
  }
  return rewrites;
}

/** The URL is on the portal's origin or on the origin of a services directory already found. */
function sameOrigin(url: string, portalUrl: string, roots: ReadonlySet<string>): boolean {
  const origin = (u: string) => {
    try {
      return new URL(u).origin;
    } catch {
      return undefined;
    }
  };
  const o = origin(url);
  return o !== undefined && (o === origin(portalUrl) || [...roots].some((r) => origin(r) === o));
}
