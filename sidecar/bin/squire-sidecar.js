#!/usr/bin/env node
// The `squire-sidecar` bin. A committed file rather than dist/main.js itself, so
// the link exists before the first build and a fresh install warns about nothing.
import '../dist/main.js';
