/**
 * How the emulated portal analyzes text for search, modelled on the English analyzer behind ArcGIS's search engine:
 * lower-case, split on anything that is not a letter or digit, drop English stop words, and stem plurals and -ing/-ed
 * forms. Stemming is what makes `type:"Web Map"` also match "Web Mapping Application" (a well-known ArcGIS quirk that
 * Esri's own apps work around with `-type:"Web Mapping Application"`) and `fires` match "fire" (Esri's search reference).
 */

/** Lucene's English stop words; ArcGIS ignores them in free text (`orgid:x and type:y` still finds items). */
const STOP_WORDS = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no', 'not', 'of', 'on',
  'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this', 'to', 'was', 'will', 'with'
]);

const WORD = /[\p{L}\p{N}]+/gu;

/** Splits text into lower-case words (unstemmed), stop words included. */
export function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** A light English stemmer (a subset of Porter step 1): plural and -ed/-ing suffixes. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || /^\d/.test(w)) return w;
  if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  for (const suffix of ['ing', 'ed']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3 && /[aeiouy]/.test(w.slice(0, -suffix.length))) {
      w = w.slice(0, -suffix.length);
      // mapping -> mapp -> map; but keep -ll/-ss/-zz (filling -> fill)
      if (/([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1);
      break;
    }
  }
  return w;
}

// Titles, tags and types repeat across tens of thousands of items; analysing each distinct string once keeps a
// 50,000-item search fast. Bounded so a long-running emulator cannot grow without limit.
const cache = new Map<string, string[]>();
const CACHE_LIMIT = 400_000;

/** The searchable terms of a text: words without stop words, stemmed. */
export function analyze(text: string): string[] {
  let terms = cache.get(text);
  if (terms) return terms;
  terms = words(text)
    .filter((w) => !STOP_WORDS.has(w))
    .map(stem);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, terms);
  return terms;
}

/** Whether `needle` occurs as a contiguous run inside `haystack` (a phrase match on analyzed terms). */
export function containsSequence(haystack: readonly string[], needle: readonly string[]): boolean {
  if (needle.length === 0) return true;
  const last = haystack.length - needle.length;
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Converts an ArcGIS wildcard term (`*` any run, `?` one character) to an anchored, case-insensitive RegExp. */
export function wildcardToRegExp(pattern: string): RegExp {
  const source = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's');
}
