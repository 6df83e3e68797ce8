// @vitest-environment jsdom
// jsdom parses HTML with a spec-compliant parser (parse5), which is what the sanitizer must be right against.
import { describe, expect, it } from 'vitest';
import { htmlToPlainText, sanitizeHtml, untrustedString } from './untrusted-text';

/** Parses sanitized output the way the browser will when it is assigned to innerHTML. */
function render(html: string): HTMLElement {
  const container = document.createElement('div');
  container.innerHTML = sanitizeHtml(html);
  return container;
}

function everyAttribute(root: Element): string[] {
  return [...root.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((attr) => `${el.localName}[${attr.name}]`));
}

describe('sanitizeHtml', () => {
  it('keeps the formatting that ArcGIS descriptions use', () => {
    const html =
      '<p>Parcels for <b>Redlands</b>, <strong>updated</strong> <i>weekly</i>.</p>' +
      '<ul><li>Owner</li><li>Zoning</li></ul><h2>Use</h2><table><tbody><tr><td colspan="2">x</td></tr></tbody></table>';
    const out = render(html);
    expect(out.querySelector('p b')?.textContent).toBe('Redlands');
    expect(out.querySelectorAll('ul > li')).toHaveLength(2);
    expect(out.querySelector('h2')?.textContent).toBe('Use');
    expect(out.querySelector('td')?.getAttribute('colspan')).toBe('2');
  });

  it('removes scripts and their text', () => {
    const out = render('<p>Hello</p><script>window.pwned = 1</script>');
    expect(out.querySelector('script')).toBeNull();
    expect(out.textContent).toBe('Hello');
  });

  it('removes event handler attributes', () => {
    const out = render(
      '<p onclick="alert(1)" onmouseover="alert(2)">a</p><b onfocus="x()" tabindex="0">b</b><img src=x onerror="alert(3)">'
    );
    expect(everyAttribute(out).filter((name) => /\[on/.test(name))).toEqual([]);
    expect(out.querySelector('[tabindex]')).toBeNull();
  });

  it('drops javascript:, data:, vbscript: and relative links but keeps http(s) and mailto links', () => {
    const out = render(
      '<a href="/api/auth/logout">r</a><a href="javascript:alert(1)">j</a><a href=" JaVaScRiPt:alert(1)">k</a><a href="data:text/html,<script>alert(1)</script>">d</a>' +
        '<a href="vbscript:msgbox(1)">v</a><a href="https://www.arcgis.com/home">ok</a><a href="mailto:gis@example.org">mail</a>'
    );
    const hrefs = [...out.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(hrefs.filter((href) => href !== null)).toEqual(['https://www.arcgis.com/home', 'mailto:gis@example.org']);
    // The text of a dropped link stays readable.
    expect(out.textContent).toContain('j');
  });

  it('opens links outside the app without opener or referrer', () => {
    const link = render('<a href="https://example.com" target="_self" rel="opener">x</a>').querySelector('a');
    expect(link?.getAttribute('target')).toBe('_blank');
    expect(link?.getAttribute('rel')).toBe('noopener noreferrer nofollow');
  });

  it('removes styles, classes, ids and images', () => {
    const out = render(
      '<style>body{display:none}</style><p style="position:fixed;top:0" class="calcite-mode-dark" id="main">t</p>' +
        '<img src="https://tracker.example/p.gif" alt="logo"><link rel="stylesheet" href="https://evil.example/x.css">'
    );
    expect(out.querySelector('style, img, link')).toBeNull();
    expect(everyAttribute(out)).toEqual([]);
    expect(out.textContent).toBe('t');
  });

  it('removes forms, frames, embedded objects, SVG and MathML', () => {
    const out = render(
      '<form action="https://evil.example"><input name="password"><button>Go</button></form>' +
        '<iframe src="https://evil.example"></iframe><object data="x.swf"></object><embed src="x">' +
        '<svg><a href="javascript:alert(1)"><text>svg</text></a></svg><math><mi>x</mi></math><base href="https://evil.example/">' +
        '<meta http-equiv="refresh" content="0;url=https://evil.example">'
    );
    expect(out.querySelector('form, input, button, iframe, object, embed, svg, math, base, meta')).toBeNull();
  });

  it('neutralizes known mutation-XSS payloads', () => {
    const payloads = [
      '<svg><p><style><img src=x onerror=alert(1)></style></p></svg>',
      '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
      '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
      '<form><math><mtext></form><form><mglyph><style></math><img src=x onerror=alert(1)>',
      '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">entity</a>',
      '<p>x</p><!--><img src=x onerror=alert(1)>-->'
    ];
    for (const payload of payloads) {
      const sanitized = sanitizeHtml(payload);
      // Sanitizing is stable: the output, parsed again, sanitizes to itself (no mutation on re-parse).
      expect(sanitizeHtml(sanitized)).toBe(sanitized);
      const out = render(payload);
      expect(out.querySelector('img, script, style, svg, math')).toBeNull();
      expect(everyAttribute(out).filter((name) => /\[on/.test(name))).toEqual([]);
      for (const a of out.querySelectorAll('a[href]')) expect(a.getAttribute('href')).toMatch(/^(https?:|mailto:)/);
    }
  });

  it('treats non-strings and empty values as no content', () => {
    expect(sanitizeHtml(null)).toBe('');
    expect(sanitizeHtml(undefined)).toBe('');
    expect(sanitizeHtml({ toString: () => '<script>x</script>' })).toBe('');
    expect(sanitizeHtml('')).toBe('');
  });
});

describe('htmlToPlainText', () => {
  it('gives the readable text with block elements on their own lines', () => {
    expect(htmlToPlainText('<p>Parcels&nbsp;for <b>Redlands</b></p><ul><li>Owner</li><li>Zoning</li></ul>Line<br>break')).toBe(
      'Parcels for Redlands\nOwner\nZoning\nLine\nbreak'
    );
  });

  it('never includes the text of scripts or styles and decodes entities as text', () => {
    expect(htmlToPlainText('<style>p{}</style><script>alert(1)</script>Tom &amp; Jerry &lt;b&gt;')).toBe('Tom & Jerry <b>');
  });

  it('does not load or run anything while parsing', () => {
    const before = document.querySelectorAll('img').length;
    expect(htmlToPlainText('<img src=x onerror="window.__ran = true">caption')).toBe('caption');
    expect((window as unknown as { __ran?: boolean }).__ran).toBeUndefined();
    expect(document.querySelectorAll('img').length).toBe(before);
  });
});

describe('untrustedString', () => {
  it('accepts strings, numbers and booleans, and nothing else', () => {
    expect(untrustedString('a')).toBe('a');
    expect(untrustedString(3)).toBe('3');
    expect(untrustedString(false)).toBe('false');
    expect(untrustedString(null)).toBe('');
    expect(untrustedString({})).toBe('');
    expect(untrustedString(['<b>'])).toBe('');
  });
});
