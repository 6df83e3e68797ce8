/** A retention policy (restic's `forget` rules); Node-free, so schedules' wire types and the web can use it. */
export interface ForgetPolicy {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
}
