import { Suspense } from 'react';
import type { AppPage } from './pages';
import { useDocumentTitle } from './document-title';

/**
 * Renders a registered page with its browser-tab title. Pages load when first opened (app/pages.tsx), so until the
 * page's code has arrived the main area says what is loading; the shell around it stays usable.
 */
export function PageFrame({ page }: { page: AppPage }) {
  useDocumentTitle(page.title);
  const Page = page.component;
  return (
    <Suspense fallback={<PageLoader title={page.title} />}>
      <Page />
    </Suspense>
  );
}

/** The main area while a page's code loads: busy for assistive technology, and named after the page. */
export function PageLoader({ title }: { title: string }) {
  const label = `Loading ${title}`;
  return (
    <div className="page page-loader" aria-busy="true" aria-label={label} role="status">
      <calcite-loader label={label} text={`${label}…`} />
    </div>
  );
}
