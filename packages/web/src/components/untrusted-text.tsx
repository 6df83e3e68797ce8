// Components for showing text that comes from ArcGIS. Use <PlainText> for titles, names, tags and snippets, and
// <RichText> only where ArcGIS itself renders HTML (item, group and profile descriptions, license info).
import { type ElementType, useMemo } from 'react';
import { htmlToPlainText, sanitizeHtml, untrustedString } from '../lib/untrusted-text';

export interface PlainTextProps {
  /** The untrusted value; anything but a string renders `fallback`. */
  text: unknown;
  /** Shown when the value is empty, e.g. "(no title)". */
  fallback?: string;
  /** Element to render; a span by default. */
  as?: ElementType;
  className?: string;
}

/** Untrusted text as text: markup in it is shown literally, never interpreted. */
export function PlainText({ text, fallback = '', as: Element = 'span', className }: PlainTextProps) {
  const value = untrustedString(text);
  return <Element className={className}>{value === '' ? fallback : value}</Element>;
}

export interface RichTextProps {
  /** Untrusted HTML, sanitized before it reaches the DOM. */
  html: unknown;
  fallback?: string;
  className?: string;
}

/** An untrusted HTML description rendered as rich text through the sanitizer's allowlist. */
export function RichText({ html, fallback = '', className }: RichTextProps) {
  const clean = useMemo(() => sanitizeHtml(html), [html]);
  if (clean.trim() === '') return <div className={className}>{fallback}</div>;
  return (
    <div
      className={['untrusted-rich-text', className].filter(Boolean).join(' ')}
      // Safe: `clean` is the output of sanitizeHtml's allowlist.
      dangerouslySetInnerHTML={{ __html: clean }}
    />
  );
}

export interface DescriptionSummaryProps {
  html: unknown;
  /** Longest text to show, in characters; longer text ends with an ellipsis. */
  maxLength?: number;
  fallback?: string;
  className?: string;
}

/** A one-paragraph plain-text summary of an HTML description, for lists and tables. */
export function DescriptionSummary({ html, maxLength = 200, fallback = '', className }: DescriptionSummaryProps) {
  const text = useMemo(() => htmlToPlainText(html).replace(/\s+/g, ' '), [html]);
  const shown = text.length > maxLength ? `${text.slice(0, maxLength - 1).trimEnd()}…` : text;
  return (
    <span className={className} title={shown === text ? undefined : text}>
      {shown === '' ? fallback : shown}
    </span>
  );
}
