import type { ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { PRODUCT_NAME } from './document-title';

/** The Calcite header bar with the product name; `children` go into the navigation's slots (menu, user). */
export function AppHeader({ children }: { children?: ReactNode }) {
  const navigate = useNavigate();
  return (
    <calcite-navigation slot="header" label={PRODUCT_NAME}>
      <calcite-navigation-logo
        slot="logo"
        heading={PRODUCT_NAME}
        description="Backup and cleanup for ArcGIS"
        thumbnail={`${import.meta.env.BASE_URL}orgkeeper-logo.svg`}
        href="/"
        label={`${PRODUCT_NAME} home`}
        onClick={(event) => {
          // Stay in the single-page app instead of reloading it.
          event.preventDefault();
          navigate('/');
        }}
      />
      {children}
    </calcite-navigation>
  );
}
