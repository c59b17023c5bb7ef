/** Injection token for the validated configuration. */
export const CONFIG = Symbol('CONTROL_PLANE_CONFIG');
