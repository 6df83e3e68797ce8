// Links within the Clean section. Each carries the identity (?identity=) so a page can be reloaded and shared.
const q = (identityId: string) => `?identity=${encodeURIComponent(identityId)}`;

export const cleanLinks = {
  home: (identityId: string) => `/clean${q(identityId)}`,
  scan: (identityId: string, scanId: string) => `/clean/scans/${encodeURIComponent(scanId)}${q(identityId)}`,
  fix: (identityId: string, fixId: string) => `/clean/fixes/${encodeURIComponent(fixId)}${q(identityId)}`,
  compare: (identityId: string, from: string, to: string) => `/clean/compare${q(identityId)}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`
};
