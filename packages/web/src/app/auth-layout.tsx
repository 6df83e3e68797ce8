import type { ReactNode } from 'react';
import { AppHeader } from './app-header';
import { useDocumentTitle } from './document-title';

/** The frame of the pages used before sign-in (first run, sign-in): header, and one centred card. */
export function AuthLayout({ title, description, children }: { title: string; description: string; children: ReactNode }) {
  useDocumentTitle(title);
  return (
    <calcite-shell className="app-shell">
      <AppHeader />
      <main className="auth-main" id="main">
        <calcite-panel className="auth-card" heading={title} description={description} headingLevel={1} scale="l">
          <div className="auth-card-body">{children}</div>
        </calcite-panel>
      </main>
    </calcite-shell>
  );
}
