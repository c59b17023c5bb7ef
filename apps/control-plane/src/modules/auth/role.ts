/** API roles, weakest first: each role can do everything the ones before it can. */
export const Role = { Viewer: 'viewer', Operator: 'operator', Admin: 'admin' } as const;
export type Role = (typeof Role)[keyof typeof Role];

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAllows(have: Role, need: Role): boolean {
  return rank[have] >= rank[need];
}

/** Who is calling: an API token, or the bootstrap admin token from config. */
export interface Actor {
  id: string;
  name: string;
  role: Role;
}
