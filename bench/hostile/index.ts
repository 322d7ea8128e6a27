// The hostile campaign's sections, in the order they run. Add a section here (a file in
// this folder exporting a HostileSection) and `npm run hostile` runs it.
import { databaseSection } from './database'
import { historiesSection } from './histories'
import type { HostileSection } from './section'
import { specsSection } from './specs'
import { tcpSection } from './tcp'
import { webSection } from './web'

export const SECTIONS: HostileSection[] = [
  specsSection,
  historiesSection,
  webSection,
  databaseSection,
  tcpSection,
]
export type { HostileResult, HostileSection } from './section'
