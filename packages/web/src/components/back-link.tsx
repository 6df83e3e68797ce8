import type { ReactNode } from 'react';
import { Link } from 'react-router';

/** The link above a page's header back to where it was opened from, e.g. "← All operations". */
export function BackLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <p className="back-link">
      <Link className="text-link" to={to}>
        ← {children}
      </Link>
    </p>
  );
}
