#!/usr/bin/env node
// Launcher for the Quorum Lab CLI from a checkout (`npx quorum-lab run spec.json`): registers
// tsx's TypeScript loader in this very process and runs src/main/cli/main.ts, so exit codes
// and Ctrl-C behave exactly as if the CLI were run directly (no child process in between).
import { register } from 'tsx/esm/api'

register()
await import(new URL('../src/main/cli/main.ts', import.meta.url).href)
