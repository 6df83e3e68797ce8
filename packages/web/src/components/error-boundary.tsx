import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Notice } from './notice';

interface ErrorBoundaryProps {
  children: ReactNode;
  /** What failed, for the message: "This page" or "OrgKeeper". */
  what: string;
}

interface ErrorBoundaryState {
  error: Error | null;
}

/** Shows a failure to render as a message with a way out, instead of a blank page. */
export class ErrorBoundary extends Component<ErrorBoundaryProps, ErrorBoundaryState> {
  override state: ErrorBoundaryState = { error: null };

  static getDerivedStateFromError(error: unknown): ErrorBoundaryState {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`${this.props.what} failed to render`, error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (error === null) return this.props.children;
    return (
      <div className="page page-narrow">
        <Notice
          kind="danger"
          title={`${this.props.what} could not be shown`}
          announce
          actions={
            <calcite-button appearance="outline" iconStart="refresh" onClick={() => window.location.reload()}>
              Reload
            </calcite-button>
          }
        >
          {error.message || 'An unexpected error occurred.'} Reload the page; if it happens again, report it with the
          steps that led here.
        </Notice>
      </div>
    );
  }
}
