// Paths in the same notation as FieldError.path (`faults[2].atMs`), read and written on a
// plain JSON draft. The draft is whatever the user has typed so far, so values are
// `unknown` until parseSpec has had its say.

export type Segment = string | number

export function parsePath(path: string): Segment[] {
  const out: Segment[] = []
  const re = /([^.[\]]+)|\[(\d+)\]/g
  let m: RegExpExecArray | null
  while ((m = re.exec(path))) out.push(m[2] !== undefined ? Number(m[2]) : m[1])
  return out
}

function isContainer(v: unknown): v is Record<string | number, unknown> {
  return typeof v === 'object' && v !== null
}

export function getPath(root: unknown, path: string): unknown {
  let cur: unknown = root
  for (const seg of parsePath(path)) {
    if (!isContainer(cur)) return undefined
    cur = (cur as Record<string | number, unknown>)[seg]
  }
  return cur
}

/** Set a value; `undefined` deletes the key (an optional field left empty). */
export function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const segs = parsePath(path)
  let cur: Record<string | number, unknown> = root
  for (let i = 0; i < segs.length - 1; i++) {
    const seg = segs[i]
    let next = cur[seg]
    if (!isContainer(next)) {
      next = typeof segs[i + 1] === 'number' ? [] : {}
      cur[seg] = next
    }
    cur = next as Record<string | number, unknown>
  }
  const last = segs[segs.length - 1]
  if (value === undefined && !Array.isArray(cur)) delete cur[last]
  else cur[last] = value
}

/** Does error path `errPath` belong to the field at `path` (itself or anything inside it)? */
export function pathWithin(errPath: string, path: string): boolean {
  return errPath === path || errPath.startsWith(`${path}.`) || errPath.startsWith(`${path}[`)
}

/** Fill keys missing from `value` with those of `defaults` (objects only; arrays are kept whole). */
export function fillDefaults(value: unknown, defaults: unknown): unknown {
  if (!isContainer(value) || Array.isArray(value) || !isContainer(defaults) || Array.isArray(defaults)) {
    return value === undefined ? defaults : value
  }
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) }
  for (const [k, d] of Object.entries(defaults as Record<string, unknown>)) {
    out[k] = k in out ? fillDefaults(out[k], d) : structuredClone(d)
  }
  return out
}
