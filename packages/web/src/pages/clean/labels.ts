/** Untrusted text used inside an attribute (accessible names): attributes are never parsed as markup, only shortened. */
export function untrustedLabel(text: unknown): string {
  const value = typeof text === 'string' ? text : '';
  return value.length > 120 ? `${value.slice(0, 119)}…` : value;
}

/** A summary key for people: "externalReferencesNotChecked" -> "External references not checked". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]+/g, ' ')
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A finding's scan-specific facts in one line ("Days since modified: 400 · Size: 12 MB"); nested values are left out. */
export function detailsLine(details: Record<string, unknown> | undefined): string {
  if (!details) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
      const text = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
      if (text !== '') parts.push(`${humanize(key)}: ${text.length > 120 ? `${text.slice(0, 119)}…` : text}`);
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number') && value.length > 0) {
      parts.push(`${humanize(key)}: ${value.slice(0, 5).join(', ')}${value.length > 5 ? ` and ${value.length - 5} more` : ''}`);
    }
    if (parts.length >= 6) break;
  }
  return parts.join(' · ');
}
