// Clean: scan an organization for clutter and risk, look through and fix what a scan found, undo fixes, compare scans.
// /clean                 scan types with their options, run now, the running scan, scan history, the allowlist
// /clean/scans/:scanId   one scan's findings: filter, sort, select, fix (preview, apply), allowlist, CSV
// /clean/compare         two scans of one type: new, resolved, still open
// /clean/fixes/:fixId    one fix: its results per finding, and Undo
import { Route, Routes } from 'react-router';
import { CleanHome } from './clean-home';
import { ComparePage } from './compare.page';
import { FixPage } from './fix.page';
import { ScanPage } from './scan.page';
import './clean.css';

export function CleanPage() {
  return (
    <Routes>
      <Route index element={<CleanHome />} />
      <Route path="scans/:scanId" element={<ScanPage />} />
      <Route path="compare" element={<ComparePage />} />
      <Route path="fixes/:fixId" element={<FixPage />} />
    </Routes>
  );
}
