// Calcite setup: local assets, the components the app uses, and Calcite's global styles.
// Import this module once, before rendering.
import { setAssetPath } from '@esri/calcite-components';
import '@esri/calcite-components/main.css';

// Each import defines one custom element. Listing them explicitly keeps the bundle to what the app uses;
// add a line here when a page starts using another component.
import '@esri/calcite-components/components/calcite-action';
import '@esri/calcite-components/components/calcite-alert';
import '@esri/calcite-components/components/calcite-button';
import '@esri/calcite-components/components/calcite-checkbox';
import '@esri/calcite-components/components/calcite-dialog';
import '@esri/calcite-components/components/calcite-dropdown';
import '@esri/calcite-components/components/calcite-dropdown-group';
import '@esri/calcite-components/components/calcite-dropdown-item';
import '@esri/calcite-components/components/calcite-fab';
import '@esri/calcite-components/components/calcite-icon';
import '@esri/calcite-components/components/calcite-input';
import '@esri/calcite-components/components/calcite-input-message';
import '@esri/calcite-components/components/calcite-input-text';
import '@esri/calcite-components/components/calcite-link';
import '@esri/calcite-components/components/calcite-loader';
import '@esri/calcite-components/components/calcite-menu';
import '@esri/calcite-components/components/calcite-menu-item';
import '@esri/calcite-components/components/calcite-navigation';
import '@esri/calcite-components/components/calcite-navigation-logo';
import '@esri/calcite-components/components/calcite-navigation-user';
import '@esri/calcite-components/components/calcite-notice';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-panel';
import '@esri/calcite-components/components/calcite-progress';
import '@esri/calcite-components/components/calcite-segmented-control';
import '@esri/calcite-components/components/calcite-segmented-control-item';
import '@esri/calcite-components/components/calcite-select';
import '@esri/calcite-components/components/calcite-shell';

// The JSX types for <calcite-*> elements (React 19 renders custom elements natively, so Calcite 5 needs no wrappers).
import type {} from '@esri/calcite-components/types/react';

/**
 * Icons and translations are fetched at run time from `<base>calcite/assets/`, which the build copies from the
 * package (see vite.config.ts). Without this, Calcite would load them from js.arcgis.com, which the server's
 * Content-Security-Policy blocks and which offline installations cannot reach.
 */
setAssetPath(new URL(`${import.meta.env.BASE_URL}calcite/`, window.location.href));
