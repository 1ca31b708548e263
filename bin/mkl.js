#!/usr/bin/env node
// The installed `mkl` command: the compiled CLI (run `npm run build` first when working from source).
import "../dist/src/cli/main.js";
