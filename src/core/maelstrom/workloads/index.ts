// The Maelstrom workloads by kind: a fresh instance per run (a workload may remember what it
// asked for). Each workload lives in its own file next to this one.
import type { MaelstromWorkload, MaelstromWorkloadKind } from '../types'
import { echoWorkload } from './echo'
import { createLinKvWorkload } from './lin-kv'

const WORKLOADS: Partial<Record<MaelstromWorkloadKind, () => MaelstromWorkload>> = {
  echo: () => echoWorkload,
  'lin-kv': createLinKvWorkload,
}

/** A fresh workload of `kind`; throws naming the kind when the lab has none (yet). */
export function createWorkload(kind: string): MaelstromWorkload {
  const make = WORKLOADS[kind as MaelstromWorkloadKind]
  if (make === undefined)
    throw new Error(
      `workload.kind: no Maelstrom workload "${kind}" in this build (available: ${Object.keys(WORKLOADS).join(', ')})`,
    )
  return make()
}
