// Administration: who may sign in with an ArcGIS account (and with which role), and the API tokens scripts use.
// Administrators only (the server enforces it too).
import { useCurrentUser } from '../../app/session';
import { Notice } from '../../components/notice';
import { isAdmin } from '../../components/roles';
import { ApiTokensSection } from './api-tokens-section';
import { ArcGISSignInSection } from './arcgis-sign-in-section';
import '../../components/native-forms.css';
import './admin.css';

export function AdminPage() {
  const user = useCurrentUser();
  return (
    <div className="page admin-page">
      <header className="page-header">
        <h1>Administration</h1>
        <p>Signing in with ArcGIS accounts, and API tokens for scripts and automation.</p>
      </header>
      {isAdmin(user) ? (
        <>
          <ArcGISSignInSection />
          <ApiTokensSection />
        </>
      ) : (
        <Notice kind="info" title="Administrators only">
          Who may sign in and which tokens exist is for an administrator of OrgKeeper to decide.
        </Notice>
      )}
    </div>
  );
}
