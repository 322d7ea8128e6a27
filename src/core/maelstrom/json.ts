// JSON as Maelstrom programs write it, without losing integers. Maelstrom reads messages with
// a parser that keeps 64-bit integers exact (ids like `ms << 22 | node << 12 | seq` are common
// in unique-ids), while JSON.parse rounds every integer past 2^53 to the nearest double, so
// two distinct ids could read as one. Here such an integer is a bigint (smaller numbers stay
// numbers), and text written back (to a program, into the trace, into a check's details) has
// the same digits it came with. Pure.
import { isInteger, parse, stringify } from 'lossless-json'

/** Sixteen digits in a row: the shortest text of an integer JSON.parse may round (2^53 has 16). */
const LONG_DIGITS = /[0-9]{16}/

/** A number's text: a bigint when it is an integer a double cannot hold exactly, else a number. */
function parseNumber(text: string): number | bigint {
  const n = Number(text)
  if (Number.isSafeInteger(n) || !isInteger(text)) return n
  return BigInt(text)
}

/** Parse JSON text; integers past 2^53 become bigints. Throws SyntaxError on bad JSON. */
export function parseJson(text: string): unknown {
  // Nearly every line has no long digit run: the native parser, which is much faster.
  if (!LONG_DIGITS.test(text)) return JSON.parse(text)
  return parse(text, null, parseNumber)
}

/** JSON text of a value that may hold bigints (written as the integers they are). */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value)
  } catch (e) {
    if (!(e instanceof TypeError)) throw e
    // Only bigints (or a cycle, which no parsed value has) make JSON.stringify throw.
    return stringify(value) ?? 'null'
  }
}
