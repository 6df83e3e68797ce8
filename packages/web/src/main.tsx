import './calcite';
// The app-wide styles load with the frame; each page's own styles load with its chunk, after these.
import './styles.css';
import './components/shared-controls.css';
import { createRoot } from 'react-dom/client';
import { ApiClient } from './api/api-client';
import { App } from './app/app';
import { createAppQueryClient } from './app/query-client';
import { markSignedOut } from './app/session';

const apiClient = new ApiClient();
const queryClient = createAppQueryClient();
// Any unexpected 401 means the session ended: forget it, and the gates send the user to sign-in.
apiClient.onUnauthorized = () => markSignedOut(queryClient, apiClient, 'expired');

const container = document.getElementById('root');
if (!container) throw new Error('The page has no #root element to render OrgKeeper into.');
createRoot(container).render(<App apiClient={apiClient} queryClient={queryClient} />);
