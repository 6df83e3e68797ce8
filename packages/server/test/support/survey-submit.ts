/**
 * Submitting to a Survey123 survey as its form does, and counting what landed: shared by the tests that check a
 * restored or cloned survey works (restore-views-surveys, backup-dependencies).
 */
import { expect } from 'vitest';
import type { EmulatorHandle } from './emulator-harness.js';
import { sessionFor } from './emulator-session.js';
import { RESTORE_RETRY, zipFiles } from './restore-harness.js';

/** The URL the form submits to, as its package's XForm says (`<submission action>`). */
export async function submissionUrlOf(emu: EmulatorHandle, formId: string): Promise<string> {
  const form = emu.context.state.items.get(formId)!;
  expect(form.data?.kind).toBe('file');
  const files = await zipFiles((form.data as { blob: { read(): Buffer } }).blob.read());
  const xml = Object.entries(files).find(([name]) => /^esriinfo\/[^!/]+\.xml$/.test(name))!;
  return /<submission action="([^"]+)"/.exec(Buffer.from(xml[1], 'base64').toString('utf8'))![1]!.replace(/&amp;/g, '&');
}

/** Submits a record as the Survey123 form does (applyEdits on the submission view's layer 0); answers its GlobalID. */
export async function submit(emu: EmulatorHandle, submissionUrl: string, attributes: Record<string, unknown>): Promise<string> {
  const globalId = `{${crypto.randomUUID().toUpperCase()}}`;
  const answer = await sessionFor(emu, { retry: RESTORE_RETRY }).request<{ addResults: { success: boolean; globalId?: string }[] }>(
    `${submissionUrl}/0/applyEdits`,
    { adds: JSON.stringify([{ attributes: { ...attributes, globalid: globalId }, geometry: { x: -13046000, y: 4036000, spatialReference: { wkid: 102100 } } }]), useGlobalIds: true, rollbackOnFailure: true },
    { httpMethod: 'POST' }
  );
  expect(answer.addResults[0]?.success, JSON.stringify(answer)).toBe(true);
  return globalId;
}

export async function countWhere(emu: EmulatorHandle, layerUrl: string, where: string): Promise<number> {
  return (await sessionFor(emu, { retry: RESTORE_RETRY }).request<{ count: number }>(`${layerUrl}/query`, { where, returnCountOnly: true })).count;
}
