// Reported as the instrumentation scope version of the decisions meter.
export const VERSION = '0.1.0';
