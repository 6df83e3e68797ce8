// A Copy button for a value people must paste elsewhere (a redirect URI, an API token), with what happened said next to it.
import { useEffect, useRef, useState } from 'react';

/** Copies text to the clipboard; falls back to a selection copy where the Clipboard API is unavailable. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Permission refused or not a secure context: try the selection copy below.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}

export function CopyButton({ text, label, scale = 's' }: { text: string; label: string; scale?: 's' | 'm' }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const copy = async () => {
    window.clearTimeout(timer.current);
    try {
      await copyText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    timer.current = window.setTimeout(() => setState('idle'), 4000);
  };
  return (
    <span className="copy-button">
      <calcite-button
        appearance="outline"
        kind="brand"
        scale={scale}
        iconStart={state === 'copied' ? 'check' : 'copy-to-clipboard'}
        label={label}
        onClick={() => void copy()}
      >
        {state === 'copied' ? 'Copied' : 'Copy'}
      </calcite-button>
      {/* Announced to screen readers and shown next to the button. */}
      <span className={`copy-button-status copy-button-status-${state}`} role="status">
        {state === 'copied' ? 'Copied to the clipboard' : state === 'failed' ? 'Could not copy: select the text and copy it by hand' : ''}
      </span>
    </span>
  );
}
