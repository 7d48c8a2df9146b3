#!/usr/bin/env node
// Committed launcher so that package managers can link the bin before the first build.
import { main } from '../dist/index.js';

process.exitCode = await main(process.argv.slice(2));
