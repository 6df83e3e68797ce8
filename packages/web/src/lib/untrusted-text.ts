// Text from ArcGIS (item titles, snippets, descriptions, group and user profiles) is written by anyone in an
// organization, so it is untrusted: shown as plain text by default, and as rich text only through the allowlist below.
import createDOMPurify, { type Config, type DOMPurify, type WindowLike } from 'dompurify';

/** Elements a description may keep: text structure and formatting. Everything else is removed, keeping its text. */
const ALLOWED_TAGS = [
  'a',
  'abbr',
  'b',
  'blockquote',
  'br',
  'code',
  'dd',
  'del',
  'div',
  'dl',
  'dt',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'ins',
  'kbd',
  'li',
  'mark',
  'ol',
  'p',
  'pre',
  's',
  'small',
  'span',
  'strong',
  'sub',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'u',
  'ul'
];

/**
 * No `style`, `class` or `id`: they would let a description restyle or impersonate the app's own UI, and inline styles
 * break the server's Content-Security-Policy anyway. No images: they would load from other origins (blocked by the
 * CSP, and a way to track who looks at an item).
 */
const ALLOWED_ATTR = ['href', 'title', 'colspan', 'rowspan', 'abbr', 'scope'];

/**
 * Links may only go to web pages or mail addresses: no javascript:, data: or vbscript:, and no relative URLs, which
 * would point into OrgKeeper itself. (Checked in a hook: DOMPurify's ALLOWED_URI_REGEXP also applies to non-URL
 * attributes such as colspan.)
 */
const ALLOWED_LINK = /^(?:https?:|mailto:)/i;

const CONFIG: Config = {
  ALLOWED_TAGS,
  ALLOWED_ATTR,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  KEEP_CONTENT: true,
  WHOLE_DOCUMENT: false,
  RETURN_DOM: false,
  RETURN_DOM_FRAGMENT: false
};

let purifier: DOMPurify | undefined;
let purifierWindow: WindowLike | undefined;

function getPurifier(window: WindowLike): DOMPurify {
  if (purifier && purifierWindow === window) return purifier;
  // A private instance, so our hook never affects other users of DOMPurify.
  const instance = createDOMPurify(window);
  if (!instance.isSupported) {
    throw new Error('HTML sanitizing is not supported in this environment; rich text cannot be shown safely.');
  }
  instance.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'A') {
      const element = node as Element;
      const href = element.getAttribute('href');
      if (href !== null && !ALLOWED_LINK.test(href.trim())) element.removeAttribute('href');
      if (element.hasAttribute('href')) {
        // Open outside the app, without giving the opened page a handle on it or a referrer.
        element.setAttribute('target', '_blank');
        element.setAttribute('rel', 'noopener noreferrer nofollow');
      }
    }
  });
  purifier = instance;
  purifierWindow = window;
  return instance;
}

/** Turns a value from ArcGIS into a string; null, undefined and non-strings become ''. */
export function untrustedString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/**
 * Sanitizes an HTML description for display as rich text: keeps formatting, lists, tables and http(s)/mailto links;
 * removes scripts, event handlers, styles, images, forms, frames and everything not on the allowlist.
 */
export function sanitizeHtml(html: unknown, window: WindowLike = globalThis.window): string {
  const source = untrustedString(html);
  if (source === '') return '';
  return getPurifier(window).sanitize(source, { ...CONFIG, RETURN_TRUSTED_TYPE: false }) as string;
}

/**
 * The readable text of an HTML description (for summaries, tooltips, table cells and search), with block elements
 * separated by line breaks. Parsed in an inert document: nothing in it runs or loads.
 */
export function htmlToPlainText(html: unknown, window: WindowLike = globalThis.window): string {
  const source = untrustedString(html);
  if (source === '') return '';
  // Sanitized first so that the text of scripts, styles and other dropped content does not show up as words.
  const doc = new window.DOMParser().parseFromString(sanitizeHtml(source, window), 'text/html');
  doc.querySelectorAll('br').forEach((br) => br.replaceWith('\n'));
  doc
    .querySelectorAll('p, div, li, tr, h1, h2, h3, h4, h5, h6, blockquote, pre, dt, dd')
    .forEach((block) => block.append('\n'));
  return (doc.body.textContent ?? '')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
