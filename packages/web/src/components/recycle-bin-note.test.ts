// @vitest-environment jsdom
// What the Clean and Restore pages say about the recycle bin, for each state portals/self can report.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../api/api-client';
import { recycleBinKeys, type RecycleBinStatus } from '../api/recycle-bin.api';
import { ApiClientProvider } from '../app/api-context';
import { RecycleBinNote } from './recycle-bin-note';

beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
});

let root: Root | undefined;
let container: HTMLElement | undefined;
afterEach(() => {
  act(() => root?.unmount());
  container?.remove();
});

async function render(status: Omit<RecycleBinStatus, 'identityId'>, context: 'delete' | 'restore'): Promise<{ title: string; text: string; link: string | null }> {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  queryClient.setQueryData(recycleBinKeys.status('id1'), { identityId: 'id1', ...status });
  const client = new ApiClient({ fetch: () => Promise.reject(new Error('unexpected request')) });
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  const tree = createElement(ApiClientProvider, {
    client,
    children: createElement(QueryClientProvider, { client: queryClient }, createElement(MemoryRouter, null, createElement(RecycleBinNote, { identityId: 'id1', context })))
  });
  await act(async () => root?.render(tree));
  const notice = container.querySelector('calcite-notice');
  return {
    title: notice?.querySelector('[slot="title"]')?.textContent ?? '',
    text: notice?.querySelector('[slot="message"]')?.textContent ?? '',
    link: notice?.querySelector('a')?.getAttribute('href') ?? null
  };
}

describe('RecycleBinNote', () => {
  it('on: deletes go to the bin and Undo brings items back with their ids; restores take them from the bin', async () => {
    const del = await render({ supported: true, enabled: true, isEnterprise: false }, 'delete');
    expect(del.title).toBe("The organization's recycle bin is on");
    expect(del.text).toMatch(/Undo restores them from the bin with their ids/);
    expect(del.text).toMatch(/purged from the bin by then is recreated from that backup with a new id/);
    expect(del.link).toBe('/recycle-bin?identity=id1');
    const restore = await render({ supported: true, enabled: true, isEnterprise: false }, 'restore');
    expect(restore.text).toMatch(/still in the recycle bin are restored from it with their ids/);
  });

  it('off, absent, Enterprise: deletes are permanent, and what Undo and Restore do instead', async () => {
    const off = await render({ supported: true, enabled: false, isEnterprise: false }, 'delete');
    expect(off.title).toBe('The organization\u2019s recycle bin is off');
    expect(off.text).toMatch(/Deletes are permanent\. Undo recreates the items .* with new ids/);
    expect(off.link).toBe('/recycle-bin?identity=id1');
    const none = await render({ supported: false, enabled: false, isEnterprise: false }, 'restore');
    expect(none.title).toBe('This organization has no recycle bin');
    expect(none.text).toMatch(/recreated from the snapshot with new ids/);
    expect(none.link).toBeNull();
    const enterprise = await render({ supported: false, enabled: false, isEnterprise: true }, 'delete');
    expect(enterprise.title).toBe('No recycle bin on ArcGIS Enterprise');
    expect(enterprise.text).toMatch(/keeping their ids/);
  });
});
