// A colour per message type, the same in every chart, the cluster ring and the space-time
// diagram, and distinct within each algorithm: a request and its reply share a hue (the
// request dark, the reply light), different pairs have different hues (Tableau 20, without
// its reds: red means failure and cuts here). Each algorithm picks its types' hues in its
// info (messageColors, src/core/protocols/<kind>/describe.ts); this file holds the palette.
// Types an algorithm does not list take the colours it leaves free.
import { ALGORITHM_INFO, type AlgorithmInfo } from '../../shared/params'
import type { MessageColor, MessageHue } from '../../shared/params/help'

const HUES = {
  blue: ['#1f77b4', '#aec7e8'],
  orange: ['#ff7f0e', '#ffbb78'],
  green: ['#2ca02c', '#98df8a'],
  purple: ['#9467bd', '#c5b0d5'],
  brown: ['#8c564b', '#c49c94'],
  pink: ['#e377c2', '#f7b6d2'],
  grey: ['#7f7f7f', '#c7c7c7'],
  olive: ['#bcbd22', '#dbdb8d'],
  cyan: ['#17becf', '#9edae5'],
} as const satisfies Record<MessageHue, readonly [string, string]>
type Shade = MessageColor

/** Algorithm `kind`'s own colours (none for a kind the lab does not have, e.g. a program). */
function colorsOf(kind: string): Readonly<Record<string, Shade>> | undefined {
  return Object.hasOwn(ALGORITHM_INFO, kind)
    ? (ALGORITHM_INFO as Record<string, AlgorithmInfo>)[kind].messageColors
    : undefined
}

const ALL: readonly Shade[] = [0, 1].flatMap((s) =>
  (Object.keys(HUES) as MessageHue[]).map((h) => [h, s] as Shade),
)
const extra = new Map<string, Map<string, Shade>>()

function shadeOf(kind: string, type: string): Shade {
  const known = colorsOf(kind)?.[type]
  if (known) return known
  let mine = extra.get(kind)
  if (!mine) extra.set(kind, (mine = new Map()))
  let s = mine.get(type)
  if (!s) {
    const used = new Set([...Object.values(colorsOf(kind) ?? {}), ...mine.values()].map((x) => x.join()))
    s = ALL.find((x) => !used.has(x.join())) ?? ALL[mine.size % ALL.length]
    mine.set(type, s)
  }
  return s
}

/** The colour of message type `type` of algorithm `kind`. */
export function messageTypeColor(kind: string, type: string): string {
  const [hue, shade] = shadeOf(kind, type)
  return HUES[hue][shade]
}
