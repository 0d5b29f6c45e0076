/** The sidecar package's version, as published in the descriptor. */
export const SIDECAR_VERSION = '0.1.0';
