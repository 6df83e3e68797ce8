import type { AppPage } from './pages';
import { useDocumentTitle } from './document-title';

/** Renders a registered page with its browser-tab title. */
export function PageFrame({ page }: { page: AppPage }) {
  useDocumentTitle(page.title);
  const Page = page.component;
  return <Page />;
}
