// URLs from ArcGIS (a view's source, a layer) are untrusted: shown as text, and made into links only when they are
// plain http(s) addresses on the organization's own origin, so a crafted URL cannot send people to another site or
// run script (javascript:, data:), nor hide its real host behind user info (https://org.example@evil.example).

/** `url` as a link target when it is http(s) on the origin of `portalUrl`; otherwise undefined (show it as text). */
export function orgLink(url: unknown, portalUrl: string): string | undefined {
  if (typeof url !== 'string') return undefined;
  const parsed = absoluteUrl(url.trim());
  const portal = absoluteUrl(portalUrl);
  if (!parsed || !portal) return undefined;
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  if (parsed.username !== '' || parsed.password !== '') return undefined;
  if (parsed.origin !== portal.origin) return undefined;
  return parsed.href;
}

function absoluteUrl(text: string): URL | undefined {
  try {
    // No base: a relative URL (which would point into OrgKeeper itself) does not parse.
    return new URL(text);
  } catch {
    return undefined;
  }
}
