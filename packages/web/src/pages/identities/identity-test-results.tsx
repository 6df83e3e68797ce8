// The result of Test on an identity: each check (sign-in, privileges, File Location...) with its status and message.
import { useId } from 'react';
import type { TestReport } from '../../api/identities.api';
import { PlainText } from '../../components/untrusted-text';
import { CHECK_ICONS, CHECK_STATUS_LABELS } from './identity-format';
import '@esri/calcite-components/components/calcite-action';
import '@esri/calcite-components/components/calcite-icon';

export function TestResults({ report, name, onClose }: { report: TestReport; name: string; onClose: () => void }) {
  const headingId = useId();
  const failed = report.checks.filter((check) => check.status === 'failed').length;
  const warnings = report.checks.filter((check) => check.status === 'warning').length;
  const summary = report.ok
    ? warnings > 0
      ? `All checks passed, ${warnings === 1 ? 'with 1 warning' : `with ${warnings} warnings`}`
      : 'All checks passed'
    : `${failed === 1 ? '1 check failed' : `${failed} checks failed`}`;
  return (
    <section className="test-results" aria-labelledby={headingId} role="region">
      <div className="test-results-header">
        <h4 id={headingId}>
          Test results: <span className={report.ok ? 'test-ok' : 'test-failed'}>{summary}</span>
        </h4>
        <calcite-action icon="x" text={`Close the test results of ${name}`} label={`Close the test results of ${name}`} scale="s" onClick={onClose} />
      </div>
      <ul className="test-checks">
        {report.checks.map((check) => (
          <li key={check.id} className={`test-check test-check-${check.status}`} data-check={check.id} data-status={check.status}>
            <calcite-icon icon={CHECK_ICONS[check.status]} scale="s" aria-hidden="true" />
            <div>
              <div className="test-check-label">
                {check.label} <span className="visually-hidden">:</span>
                <span className="test-check-status">{CHECK_STATUS_LABELS[check.status]}</span>
              </div>
              <div className="test-check-message">
                <PlainText text={check.message} />
              </div>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
