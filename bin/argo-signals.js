#!/usr/bin/env node
'use strict';
// Wires the built-in plugins and benchmarks into the core CLI: the core never imports them.
const { main } = require('../dist/core/cli/main.js');
const { builtinPlugins } = require('../dist/plugins/index.js');
const { benchmarks } = require('../dist/bench/index.js');

// A reader that stops early (`| head`) closes stdout: that ends the command, it is no crash.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2), { plugins: builtinPlugins, benchmarks, exit: process.exit }).then((code) => {
  process.exitCode = code;
});
