// @vitest-environment jsdom
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DescriptionSummary, PlainText, RichText } from './untrusted-text';

function markup(element: Parameters<typeof renderToStaticMarkup>[0]): HTMLElement {
  const container = document.createElement('div');
  container.innerHTML = renderToStaticMarkup(element);
  return container;
}

describe('PlainText', () => {
  it('shows markup literally instead of interpreting it', () => {
    const out = markup(createElement(PlainText, { text: '<img src=x onerror=alert(1)> Parcels & <b>Zoning</b>' }));
    expect(out.querySelector('img, b')).toBeNull();
    expect(out.textContent).toBe('<img src=x onerror=alert(1)> Parcels & <b>Zoning</b>');
  });

  it('shows the fallback for missing or non-string values', () => {
    expect(markup(createElement(PlainText, { text: null, fallback: '(no title)' })).textContent).toBe('(no title)');
    expect(markup(createElement(PlainText, { text: { a: 1 }, fallback: '-' })).textContent).toBe('-');
  });
});

describe('RichText', () => {
  it('renders allowed formatting and strips everything dangerous', () => {
    const out = markup(
      createElement(RichText, {
        html: '<p>Hello <b>world</b><script>alert(1)</script><a href="javascript:alert(1)" onclick="x()">bad</a></p>'
      })
    );
    expect(out.querySelector('.untrusted-rich-text p b')?.textContent).toBe('world');
    expect(out.querySelector('script, [onclick], [href^="javascript"]')).toBeNull();
  });

  it('shows the fallback when nothing is left after sanitizing', () => {
    const out = markup(createElement(RichText, { html: '<script>alert(1)</script>', fallback: 'No description' }));
    expect(out.textContent).toBe('No description');
  });
});

describe('DescriptionSummary', () => {
  it('shortens long descriptions to plain text with the full text as a tooltip', () => {
    const long = `<p>${'word '.repeat(100)}</p>`;
    const out = markup(createElement(DescriptionSummary, { html: long, maxLength: 20 }));
    const span = out.querySelector('span');
    expect(span?.textContent).toHaveLength(20);
    expect(span?.textContent?.endsWith('…')).toBe(true);
    expect(span?.getAttribute('title')).toBe('word '.repeat(100).trim());
  });
});
