// @vitest-environment jsdom
// The restore plan's table: numbered steps, a view's sources as fields (title, URL, layers, where each comes from),
// the relationships a step adds again, and what to do when a view's source is missing. ArcGIS text stays text.
import { act, createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PlanStep, RestorePlan } from '../../api/restore.api';
import { PlanView } from './plan-view';

beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
});

let root: Root | undefined;
let container: HTMLElement | undefined;
afterEach(() => {
  act(() => root?.unmount());
  container?.remove();
});

const PORTAL = 'https://demo.maps.arcgis.com';
const HOSTILE = '<img src=x onerror="alert(1)">Trees';

function step(id: string, extra: Partial<PlanStep> = {}): PlanStep {
  return { key: `item:${id}`, kind: 'item', action: 'create', reason: 'deleted since the backup', sourceId: id, title: id, type: 'Feature Service', owner: 'maria', folder: null, dependsOn: [], rewrites: [], hosted: true, ...extra };
}

function plan(steps: PlanStep[], mode: RestorePlan['mode'] = 'recreate'): RestorePlan {
  return {
    snapshotId: 's1',
    mode,
    source: { identityId: 'i1', orgId: 'o1', portalUrl: PORTAL },
    target: { identityId: 'i1', orgId: 'o1', portalUrl: PORTAL, admin: 'admin', isEnterprise: false },
    steps,
    counts: { create: steps.filter((s) => s.action === 'create').length, overwrite: 0, skip: steps.filter((s) => s.action === 'skip').length },
    createdAt: '2026-12-05T03:00:00.000Z'
  };
}

const SERVICE_URL = 'https://services.arcgis.com/o1/arcgis/rest/services/Trees/FeatureServer';
const SURVEY = [
  step('svc', { title: HOSTILE }),
  step('results', {
    title: 'Trees results',
    view: { sources: [{ url: SERVICE_URL, itemId: 'svc', title: HOSTILE, status: 'restored', layers: [{ id: 0, name: 'survey', sourceLayerId: 0, sourceLayerName: 'survey_src' }, { id: 1, sourceLayerId: 1 }] }] },
    relationships: [
      { type: 'Service2Data', direction: 'forward', itemId: 'svc', title: HOSTILE },
      { type: 'Survey2Data', direction: 'reverse', itemId: 'form', title: 'Tree form' },
      { type: 'Map2Service', direction: 'reverse', itemId: 'gone' }
    ]
  }),
  step('form', { title: 'Tree form', type: 'Form', hosted: false, relationships: [{ type: 'Survey2Data', direction: 'forward', itemId: 'results', title: 'Trees results' }] })
];

async function render(p: RestorePlan): Promise<HTMLElement> {
  act(() => root?.unmount());
  container?.remove();
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  await act(async () => root?.render(createElement(PlanView, { plan: p, stale: false })));
  return container;
}

const row = (out: HTMLElement, id: string) => out.querySelector<HTMLTableRowElement>(`tr[data-step="item:${id}"]`)!;
const text = (el: Element | null | undefined) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
/** A definition list's fields as [term, text]; several lines of one field joined by ' | '. */
const fieldsOf = (dl: Element) =>
  [...dl.querySelectorAll('dt')].map((dt) => {
    const dd = dt.nextElementSibling!;
    const lines = [...dd.querySelectorAll(':scope > div')];
    return [text(dt), lines.length > 0 ? lines.map(text).join(' | ') : text(dd)];
  });

describe('PlanView: views and relationships', () => {
  it('numbers the steps and shows a view source as fields, its layers and the step that restores it', async () => {
    const out = await render(plan(SURVEY));
    expect([...out.querySelectorAll<HTMLTableRowElement>('tbody tr')].map((tr) => [tr.id, text(tr.cells[0])])).toEqual([
      ['restore-plan-step-1', '1'],
      ['restore-plan-step-2', '2'],
      ['restore-plan-step-3', '3']
    ]);
    const view = row(out, 'results');
    // Collapsed: one line per step unless opened.
    const details = view.querySelector('details[data-plan-links]')!;
    expect(details.hasAttribute('open')).toBe(false);
    expect(text(details.querySelector('summary'))).toBe('A view of 1 source, 3 relationships');
    const fields = details.querySelector('dl[data-view-source="restored"]')!;
    expect(fieldsOf(fields)).toEqual([
      ['Source', HOSTILE],
      ['URL', SERVICE_URL],
      ['Layers', 'View layer 0 “survey” shows source layer 0 “survey_src” | View layer 1 shows source layer 1'],
      ['Comes from', 'Restored by step 1 of this plan']
    ]);
    expect(fields.querySelector('a[href="#restore-plan-step-1"]')?.textContent).toBe('step 1');
    expect([...details.querySelectorAll('h3')].map(text)).toEqual(['View source', 'Relationships added again']);
    expect(out.querySelector('[data-missing-source]')).toBeNull();
  });

  it('shows each relationship with its type, direction in words, the related item and its step', async () => {
    const out = await render(plan(SURVEY));
    const lines = [...row(out, 'results').querySelectorAll('li[data-relationship]')];
    expect(lines.map(text)).toEqual([
      `Service2Data from this item to “${HOSTILE}” (svc): restored by step 1`,
      'Survey2Data to this item from “Tree form” (form): restored by step 3',
      'Map2Service to this item from an item not in this snapshot (gone): not in this plan; linked again if it is still in the organization'
    ]);
    expect(lines[1]!.querySelector('a')?.getAttribute('href')).toBe('#restore-plan-step-3');
    expect(text(row(out, 'form').querySelector('li'))).toBe('Survey2Data from this item to “Trees results” (results): restored by step 2');
    // A step with neither sources nor relationships has no details.
    expect(row(out, 'svc').querySelector('details')).toBeNull();
  });

  it('a link to a step moves the focus to its row', async () => {
    const out = await render(plan(SURVEY));
    const scrolled: string[] = [];
    // jsdom lays nothing out and has no scrollIntoView: record where the link scrolls to.
    const original = Element.prototype.scrollIntoView;
    Element.prototype.scrollIntoView = function (this: Element) {
      scrolled.push(this.id);
    };
    const link = row(out, 'results').querySelector<HTMLAnchorElement>('li a')!;
    const click = new MouseEvent('click', { bubbles: true, cancelable: true });
    try {
      await act(async () => link.dispatchEvent(click));
    } finally {
      Element.prototype.scrollIntoView = original;
    }
    expect(click.defaultPrevented).toBe(true);
    expect(scrolled).toEqual(['restore-plan-step-1']);
    expect(document.activeElement).toBe(row(out, 'svc'));
  });

  it('says what to do when a view source is missing: include it (the snapshot holds it) or restore it first', async () => {
    const held = step('v1', { action: 'skip', title: 'Protected lanes', view: { sources: [{ url: `${PORTAL}/x/FeatureServer`, itemId: 'lanes', title: 'Bike Lanes', status: 'missing' }] } });
    const absent = step('v2', { action: 'skip', view: { sources: [{ url: 'https://elsewhere.example/y/FeatureServer', status: 'missing' }] } });
    const out = await render(plan([held, absent]));
    const first = row(out, 'v1').querySelector('[data-missing-source]')!;
    expect(text(first)).toBe(
      `Source missing: “Bike Lanes” (${PORTAL}/x/FeatureServer) is neither restored by this plan nor in the organization, and a view cannot exist without its source. This snapshot holds the source: choose it too in step 1 and preview the plan again, or restore it first.`
    );
    // Not by colour alone: the words say it, outside the collapsed details.
    expect(first.closest('details')).toBeNull();
    expect(text(row(out, 'v2').querySelector('[data-missing-source]'))).toMatch(/This snapshot does not hold the source: restore it first from a backup that does, then restore this view\.$/);
    const fields = row(out, 'v2').querySelector('dl[data-view-source="missing"]')!;
    expect(fieldsOf(fields)).toEqual([
      ['Source', '(not in this snapshot)'],
      ['URL', 'https://elsewhere.example/y/FeatureServer'],
      ['Layers', 'Not recorded in the snapshot'],
      ['Comes from', 'Missing: neither restored by this plan nor in the organization']
    ]);
  });

  it('a clone says target organization, and that it links only the items it clones', async () => {
    const view = step('v', { view: { sources: [{ url: SERVICE_URL, title: 'Trees', status: 'missing' }] }, relationships: [{ type: 'Service2Data', direction: 'forward', itemId: 'other', title: 'Other' }] });
    const out = await render(plan([view], 'clone'));
    expect(text(out.querySelector('[data-missing-source]'))).toContain('nor in the target organization');
    expect(text(out.querySelector('li[data-relationship]'))).toBe('Service2Data from this item to “Other” (other): not in this plan, so not linked (a clone links only the items it clones)');
  });
});

describe('PlanView: ArcGIS content is hostile', () => {
  it('renders titles, layer names and URLs as text, never as markup', async () => {
    const out = await render(plan(SURVEY));
    expect(out.querySelector('img, script')).toBeNull();
    expect(out.textContent).toContain(HOSTILE);
    const evil = step('v', {
      view: { sources: [{ url: 'javascript:alert(1)', title: '<b>x</b>', status: 'live', layers: [{ id: 0, name: '<i>n</i>', sourceLayerId: 0, sourceLayerName: '<script>s()</script>' }] }] },
      relationships: [{ type: '<u>T</u>', direction: 'forward', itemId: '"><svg onload=alert(1)>', title: '<a href="javascript:x()">t</a>' }]
    });
    const second = await render(plan([evil]));
    expect(second.querySelector('b, i, u, svg, script, a[href^="javascript"]')).toBeNull();
    expect(second.textContent).toContain('javascript:alert(1)');
  });

  it('links a source URL only when it is http(s) on the organization origin', async () => {
    const sources = [
      { url: `${PORTAL}/server/rest/services/Trees/FeatureServer`, status: 'live' as const },
      { url: SERVICE_URL, status: 'live' as const },
      { url: `https://demo.maps.arcgis.com@evil.example/FeatureServer`, status: 'live' as const },
      { url: 'javascript:alert(1)//https://demo.maps.arcgis.com', status: 'live' as const }
    ];
    const out = await render(plan([step('v', { view: { sources } })]));
    const links = [...out.querySelectorAll('dl[data-view-source] a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual([`${PORTAL}/server/rest/services/Trees/FeatureServer`]);
    expect(links[0]!.getAttribute('rel')).toBe('noopener noreferrer');
    expect([...out.querySelectorAll('dl[data-view-source] code')].map(text)).toEqual(sources.map((s) => s.url));
  });
});
