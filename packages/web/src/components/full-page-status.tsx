import { ErrorNotice } from './notice';

/** Shown while the app finds out whether it is set up and who is signed in. */
export function FullPageLoader({ label }: { label: string }) {
  return (
    <div className="full-page-status" aria-busy="true">
      <calcite-loader label={label} text={label} />
    </div>
  );
}

/** Shown when the app cannot start, e.g. the server is unreachable; offers to try again. */
export function FullPageError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <div className="full-page-status">
      <div className="full-page-status-card">
        <ErrorNotice
          error={error}
          title="OrgKeeper cannot start"
          actions={
            <calcite-button appearance="outline" iconStart="refresh" onClick={onRetry}>
              Try again
            </calcite-button>
          }
        />
      </div>
    </div>
  );
}
