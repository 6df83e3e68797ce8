/**
 * Old (snapshot) object id -> new (live) object id, for the features a restore added. Kept in checkpoints as runs
 * `[oldStart, newStart, length]`: ArcGIS gives a batch's adds consecutive ids, so a dense layer of any size is a few
 * runs, and the resume state stays small.
 */
export type OidRun = [oldStart: number, newStart: number, length: number];

export class OidMap {
  private readonly map = new Map<number, number>();
  private readonly runList: OidRun[] = [];

  constructor(runs: readonly OidRun[] = []) {
    for (const [oldStart, newStart, length] of runs) for (let i = 0; i < length; i++) this.set(oldStart + i, newStart + i);
  }

  static isRuns(value: unknown): value is OidRun[] {
    return Array.isArray(value) && value.every((r) => Array.isArray(r) && r.length === 3 && r.every((n) => Number.isSafeInteger(n)) && (r[2] as number) > 0);
  }

  get(oldOid: number): number | undefined {
    return this.map.get(oldOid);
  }

  get size(): number {
    return this.map.size;
  }

  set(oldOid: number, newOid: number): void {
    this.map.set(oldOid, newOid);
    const last = this.runList.at(-1);
    if (last && last[0] + last[2] === oldOid && last[1] + last[2] === newOid) last[2]++;
    else this.runList.push([oldOid, newOid, 1]);
  }

  /** The runs to checkpoint (a copy). */
  runs(): OidRun[] {
    return this.runList.map((r) => [...r] as OidRun);
  }
}
