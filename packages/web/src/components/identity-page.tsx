// The layout of a page that works on one identity (organization) at a time: its title and what it is for, the identity
// picker, then the page's own content for the chosen identity, made again (keyed) when another identity is chosen so
// that nothing of the previous organization's state carries over.
import type { ReactNode } from 'react';
import type { Identity } from '../api/identities.api';
import { IdentityPicker, useSelectedIdentity } from './identity-picker';

export interface IdentityPageProps {
  /** The page's own class name beside `page` (for its stylesheet). */
  className: string;
  title: string;
  /** What the page is for, under the title. */
  intro: ReactNode;
  /** The picker's help text, when the page says more than "the organization". */
  pickerHelp?: string;
  children: (identity: Identity) => ReactNode;
}

export function IdentityPage({ className, title, intro, pickerHelp, children }: IdentityPageProps) {
  const selection = useSelectedIdentity();
  const identity = selection.identity;
  return (
    <div className={`page ${className}`}>
      <header className="page-header">
        <h1>{title}</h1>
        <p>{intro}</p>
      </header>
      <div className="page-toolbar">
        <IdentityPicker selection={selection} {...(pickerHelp ? { help: pickerHelp } : {})} />
      </div>
      {identity && <IdentityContent key={identity.id}>{children(identity)}</IdentityContent>}
    </div>
  );
}

/** Keyed by the identity, so a change of identity starts its content afresh. */
function IdentityContent({ children }: { children: ReactNode }) {
  return <>{children}</>;
}
