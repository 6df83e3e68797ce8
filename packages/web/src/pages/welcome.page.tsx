// Shown after sign-in while no page is registered in the navigation (see app/pages.tsx). Once the Manage Identities
// page is registered, "/" leads there instead and this panel is no longer used.
import { roleLabel } from '../api/auth.api';
import { useDocumentTitle } from '../app/document-title';
import { useCurrentUser } from '../app/session';

export function WelcomePage() {
  useDocumentTitle('Welcome');
  const user = useCurrentUser();
  return (
    <div className="page page-narrow">
      <calcite-panel heading="Welcome to OrgKeeper" headingLevel={1} scale="l" icon="organization" className="content-panel">
        <div className="content-panel-body">
          <p>
            You are signed in as <strong>{user.username}</strong> ({roleLabel(user.role)}). OrgKeeper backs up, restores
            and cleans ArcGIS Online organizations and ArcGIS Enterprise portals.
          </p>
          <h2 className="welcome-heading">Next step: add an identity</h2>
          <p>
            An identity is one ArcGIS organization that OrgKeeper may act on. Backups, schedules and scans all start
            from one. To add one you need:
          </p>
          <ul className="welcome-list">
            <li>
              the organization&apos;s URL, e.g. <code>https://myorg.maps.arcgis.com</code> or{' '}
              <code>https://gis.example.org/portal</code>;
            </li>
            <li>
              for sign-in with OAuth2, the App ID (client ID) of an application registered in that organization;
              ArcGIS Enterprise can use Integrated Windows Authentication instead;
            </li>
            <li>a folder on the OrgKeeper server where its backups will be kept.</li>
          </ul>
          <p>On the server, identities can be added from the command line, for example:</p>
          <pre className="code-block">
            <code>
              orgkeeper identities add --type online --name &quot;City GIS&quot; --url https://myorg.maps.arcgis.com
              --app-id YOUR_APP_ID --file-location /srv/orgkeeper/city-gis
            </code>
          </pre>
        </div>
      </calcite-panel>
    </div>
  );
}
