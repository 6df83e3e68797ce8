import { useEffect } from 'react';

export const PRODUCT_NAME = 'OrgKeeper';

/** Sets the browser tab's title to "<page> · OrgKeeper" (screen readers announce it on navigation). */
export function useDocumentTitle(pageTitle: string | null): void {
  useEffect(() => {
    document.title = pageTitle ? `${pageTitle} · ${PRODUCT_NAME}` : PRODUCT_NAME;
  }, [pageTitle]);
}
