// A scan's findings as state: the filters, sort and page (the server filters, sorts and pages), the findings chosen
// across pages and filters, and allowlisting the chosen ones with a reason.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { allowlistFinding, cleanKeys, type Finding, type FindingFilter, type FindingSort, listFindings, type Scan, type Severity, type TargetKind } from '../../api/clean.api';
import { useApiClient } from '../../app/api-context';

const PAGE_SIZE = 100;

/** The page of findings the filters, the sort and the position ask for. Changing a filter or the sort goes to page 1. */
export function useFindingsList(identityId: string, scanId: string) {
  const client = useApiClient();
  const [q, setQ] = useState('');
  const [severity, setSeverity] = useState<Severity | ''>('');
  const [kind, setKind] = useState<TargetKind | ''>('');
  const [owner, setOwner] = useState('');
  const [sort, setSort] = useState<{ field: FindingSort; order: 'asc' | 'desc' }>({ field: 'title', order: 'asc' });
  const [start, setStart] = useState(1);
  const filter: FindingFilter = {
    ...(q.trim() ? { q: q.trim() } : {}),
    ...(severity ? { severity } : {}),
    ...(kind ? { kind } : {}),
    ...(owner.trim() ? { owner: owner.trim() } : {}),
    sort: sort.field,
    order: sort.order,
    start,
    num: PAGE_SIZE
  };
  const page = useQuery({
    queryKey: cleanKeys.findings(identityId, scanId, filter),
    queryFn: ({ signal }) => listFindings(client, identityId, scanId, filter, signal),
    placeholderData: (previous) => previous
  });
  const refilter =
    <T>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setStart(1);
    };
  const findings = page.data?.findings ?? [];
  const total = page.data?.total ?? 0;
  return {
    filters: { q, severity, kind, owner },
    setFilter: { q: refilter(setQ), severity: refilter(setSeverity), kind: refilter(setKind), owner: refilter(setOwner) },
    sort,
    onSort: (field: FindingSort) => {
      setSort((current) => ({ field, order: current.field === field && current.order === 'asc' ? 'desc' : 'asc' }));
      setStart(1);
    },
    filter,
    page,
    findings,
    total,
    start,
    last: Math.min(total, start + findings.length - 1),
    previousPage: () => setStart(Math.max(1, start - PAGE_SIZE)),
    nextPage: () => {
      if (page.data) setStart(page.data.nextStart);
    }
  };
}

export type FindingsList = ReturnType<typeof useFindingsList>;

/** The findings chosen, by id (with the finding, for the fix panel), kept across pages and filters. */
export function useFindingSelection(identityId: string, scanId: string, list: FindingsList) {
  const client = useApiClient();
  const [selected, setSelected] = useState<Map<string, Finding>>(new Map());
  const choose = (findings: Finding[], on: boolean) =>
    setSelected((current) => {
      const next = new Map(current);
      for (const finding of findings) {
        if (on) next.set(finding.id, finding);
        else next.delete(finding.id);
      }
      return next;
    });
  // Every finding the filters match, read page by page (the server pages by up to 1,000), added to the selection.
  const selectAll = useMutation({
    mutationFn: async () => {
      const all: Finding[] = [];
      for (let next = 1; next > 0; ) {
        const chunk = await listFindings(client, identityId, scanId, { ...list.filter, start: next, num: 1000 });
        all.push(...chunk.findings);
        next = chunk.nextStart;
      }
      return all;
    },
    onSuccess: (all) => choose(all, true)
  });
  return {
    selected,
    toggle: (finding: Finding, on: boolean) => choose([finding], on),
    togglePage: (on: boolean) => choose(list.findings, on),
    selectAll,
    clear: () => setSelected(new Map())
  };
}

export type FindingSelection = ReturnType<typeof useFindingSelection>;

/** Allowlisting findings with a reason: one entry per finding; the ones that worked are kept even if a later one fails. */
export function useAllowlistFindings(identityId: string, scan: Scan, onDone: (count: number) => void) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>();
  const allowlist = useMutation({
    mutationFn: async (input: { reason: string; findings: Finding[] }) => {
      const done: string[] = [];
      for (const finding of input.findings) {
        await allowlistFinding(client, identityId, scan.id, finding.id, input.reason);
        done.push(finding.id);
      }
      return done;
    },
    onSuccess: (done) => {
      onDone(done.length);
      setReason('');
      void queryClient.invalidateQueries({ queryKey: cleanKeys.allowlist(identityId) });
    }
  });
  return {
    reason,
    setReason,
    reasonError,
    allowlist,
    submit: (findings: Finding[]) => {
      if (reason.trim() === '') {
        setReasonError('Say why these findings may stay, so others know later.');
        return;
      }
      setReasonError(undefined);
      allowlist.mutate({ reason: reason.trim(), findings });
    }
  };
}

export type AllowlistFindings = ReturnType<typeof useAllowlistFindings>;
