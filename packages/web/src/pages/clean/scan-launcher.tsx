// Running a scan: the scan type, its options (a form generated from the type's option schema, checked before it is
// sent), Run now, the scan started last with its progress (scan-run.tsx), and scheduling the same scan.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { isApiError } from '../../api/api-client';
import { cleanKeys, type ScanType, type ScanTypeInfo, startScan } from '../../api/clean.api';
import type { Identity } from '../../api/identities.api';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { ErrorNotice, Notice } from '../../components/notice';
import { canOperate } from '../../components/roles';
import { OptionControl } from './option-fields';
import { type FormValues, initialValues, serverFieldErrors, toOptions } from './option-values';
import { ScanRun } from './scan-run';
import { ScheduleScanForm } from './schedule-scan-form';
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';

interface ScanLauncherProps {
  identity: Identity;
  scanTypes: ScanTypeInfo[];
  operationId: string | null;
  onStarted: (operationId: string | null) => void;
}

/** The scan form's state: the type, its options as typed with a message per option, and starting the scan. */
function useScanForm({ identity, scanTypes, onStarted }: ScanLauncherProps) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const [type, setType] = useState<ScanType>(scanTypes[0]?.type ?? 'stale-items');
  const info = scanTypes.find((t) => t.type === type) ?? scanTypes[0];
  const [values, setValues] = useState<FormValues>(() => initialValues(info?.options ?? []));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const start = useMutation({
    mutationFn: (options: Record<string, unknown>) => startScan(client, identity.id, type, options as never),
    onSuccess: (started) => {
      onStarted(started.operationId);
      void queryClient.invalidateQueries({ queryKey: cleanKeys.scans(identity.id) });
    },
    onError: (error) => {
      if (isApiError(error) && info) setErrors(serverFieldErrors(error.fields, info.options.map((o) => o.name)).byName);
    }
  });
  // The options as typed values, or null after showing what is wrong next to each control.
  const validOptions = () => {
    if (!info) return null;
    const result = toOptions(info.options, values);
    setErrors(result.errors);
    return Object.keys(result.errors).length > 0 ? null : result.options;
  };
  return {
    type,
    info,
    values,
    errors,
    start,
    validOptions,
    chooseType: (next: ScanType) => {
      setType(next);
      setValues(initialValues(scanTypes.find((t) => t.type === next)?.options ?? []));
      setErrors({});
      start.reset();
    },
    setValue: (name: string, value: FormValues[string]) => {
      setValues((current) => ({ ...current, [name]: value }));
      setErrors(({ [name]: _gone, ...rest }) => rest);
    },
    run: () => {
      const options = validOptions();
      if (options) start.mutate(options);
    }
  };
}

export function ScanLauncher(props: ScanLauncherProps) {
  const { identity, scanTypes, operationId, onStarted } = props;
  const operator = canOperate(useCurrentUser());
  const form = useScanForm(props);
  const { info, start } = form;
  if (!info) return <Notice kind="warning" title="No scan types">This server offers no scans.</Notice>;
  const unexplained = start.error && isApiError(start.error) ? serverFieldErrors(start.error.fields, info.options.map((o) => o.name)).other : [];

  return (
    <section className="panel clean-launcher" aria-labelledby="clean-launch-heading">
      <h2 id="clean-launch-heading">Run a scan</h2>
      <form
        className="clean-scan-form"
        aria-label="Scan options"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          form.run();
        }}
      >
        <calcite-select label="Scan type" labelText="Scan type" value={form.type} oncalciteSelectChange={(event) => form.chooseType(event.target.value as ScanType)}>
          {scanTypes.map((t) => (
            <calcite-option key={t.type} value={t.type} label={t.title} selected={t.type === form.type}>
              {t.title}
            </calcite-option>
          ))}
        </calcite-select>
        <p className="clean-type-description">{info.description}</p>
        <fieldset className="clean-options">
          <legend>{info.title} options</legend>
          {info.options.length === 0 && <p className="empty-note">This scan has no options.</p>}
          {info.options.map((spec) => (
            <OptionControl
              key={`${info.type}.${spec.name}`}
              spec={spec}
              value={form.values[spec.name] ?? ''}
              error={form.errors[spec.name]}
              disabled={!operator}
              onChange={(value) => form.setValue(spec.name, value)}
            />
          ))}
        </fieldset>
        {start.error !== null && (!isApiError(start.error) || Object.keys(start.error.fields).length === 0 || unexplained.length > 0) && (
          <ErrorNotice error={start.error} title="The scan could not be started" />
        )}
        {!operator && <Notice kind="info" title="Viewers cannot run scans">Ask an administrator or operator to run scans; you can look at scan history and findings.</Notice>}
        <div className="clean-actions">
          <calcite-button iconStart="play" disabled={!operator || start.isPending} loading={start.isPending} onClick={form.run}>
            Run scan now
          </calcite-button>
        </div>
      </form>
      {operationId && <ScanRun key={operationId} identityId={identity.id} operationId={operationId} onDismiss={() => onStarted(null)} />}
      <ScheduleScanForm key={info.type} identityId={identity.id} info={info} operator={operator} options={form.validOptions} />
    </section>
  );
}
