/** The current time. Injected so tests can move time forward (session expiry, throttling windows). */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
