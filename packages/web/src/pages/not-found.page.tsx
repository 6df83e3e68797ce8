import { useNavigate } from 'react-router';
import { useDocumentTitle } from '../app/document-title';

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  const navigate = useNavigate();
  return (
    <div className="page page-narrow">
      <calcite-panel heading="Page not found" headingLevel={1} scale="l" icon="exclamation-mark-triangle" className="content-panel">
        <div className="content-panel-body">
          <p>There is no page at this address. It may have moved, or the link may be mistyped.</p>
          <calcite-button appearance="outline" iconStart="home" onClick={() => navigate('/')}>
            Go to the home page
          </calcite-button>
        </div>
      </calcite-panel>
    </div>
  );
}
