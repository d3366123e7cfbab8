#!/usr/bin/env node
// Placeholder until the CLI lands (issue 7).
export {};
