/** Injection token for the folders the dashboard is served from. */
export const WEB_ROOTS = Symbol('WEB_ROOTS');
