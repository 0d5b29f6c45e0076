#!/usr/bin/env node
// The `squire` bin. A committed file rather than dist/cli.js itself, so the
// link exists before the first build and a fresh install warns about nothing.
import '../dist/cli.js';
