// Calcite setup: local assets, the elements of the app's frame, and Calcite's global styles.
// Import this module once, before rendering.
import { setAssetPath } from '@esri/calcite-components';
import '@esri/calcite-components/main.css';

// Each import defines one custom element. These are the elements of the frame that every visit loads before any page:
// the gates' loaders and errors, the sign-in header, the signed-in shell and its menus (modules main.tsx loads
// statically). A page's own elements are imported by the page's modules, so they load with that page's chunk; the
// unit test calcite-imports.test.ts checks both lists against what each module renders.
import '@esri/calcite-components/components/calcite-alert';
import '@esri/calcite-components/components/calcite-button';
import '@esri/calcite-components/components/calcite-dropdown';
import '@esri/calcite-components/components/calcite-dropdown-group';
import '@esri/calcite-components/components/calcite-dropdown-item';
import '@esri/calcite-components/components/calcite-loader';
import '@esri/calcite-components/components/calcite-menu';
import '@esri/calcite-components/components/calcite-menu-item';
import '@esri/calcite-components/components/calcite-navigation';
import '@esri/calcite-components/components/calcite-navigation-logo';
import '@esri/calcite-components/components/calcite-navigation-user';
import '@esri/calcite-components/components/calcite-notice';
import '@esri/calcite-components/components/calcite-panel';
import '@esri/calcite-components/components/calcite-shell';

// The JSX types for <calcite-*> elements (React 19 renders custom elements natively, so Calcite 5 needs no wrappers).
import type {} from '@esri/calcite-components/types/react';

/**
 * Icons and translations are fetched at run time from `<base>calcite/assets/`, which the build copies from the
 * package (see vite.config.ts). Without this, Calcite would load them from js.arcgis.com, which the server's
 * Content-Security-Policy blocks and which offline installations cannot reach.
 */
setAssetPath(new URL(`${import.meta.env.BASE_URL}calcite/`, window.location.href));
