// The instrumentation scope version of exported spans and of the `ferret.calls` meter.
export const VERSION = '0.1.0';
