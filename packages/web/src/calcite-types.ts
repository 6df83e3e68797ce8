/** A Calcite UI icon name ("sign-out" or "signOut"); checked at compile time against @esri/calcite-ui-icons. */
export type IconName = HTMLCalciteIconElement['icon'];
