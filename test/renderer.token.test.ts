// Browser mode's token in the page (src/renderer/src/api/token.ts): taken from the address
// once into sessionStorage, the address cleaned (path, other parameters and hash kept).
import { describe, expect, it } from 'vitest'
import {
  adoptToken,
  socketProtocols,
  TOKEN_STORAGE_KEY,
  type TokenPlace,
} from '../src/renderer/src/api/token'

const TOKEN = 'abcdefghijklmnopqrstuvwxyz012345_-'

function place(href: string, stored: string | null = null) {
  const storage = new Map<string, string>(stored === null ? [] : [[TOKEN_STORAGE_KEY, stored]])
  const replaced: string[] = []
  const p: TokenPlace = {
    location: { href },
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) },
    history: { state: { s: 1 }, replaceState: (_state, _title, url) => void replaced.push(String(url)) },
  }
  return { p, storage, replaced }
}

describe('adoptToken', () => {
  it('moves a token from the address into storage and cleans the address', () => {
    const { p, storage, replaced } = place(`http://127.0.0.1:5000/?token=${TOKEN}&tab=trace#/runs?x=1`)
    expect(adoptToken(p)).toBe(TOKEN)
    expect(storage.get(TOKEN_STORAGE_KEY)).toBe(TOKEN)
    expect(replaced).toEqual(['/?tab=trace#/runs?x=1'])
  })

  it('uses the stored token when the address has none, and touches nothing', () => {
    const { p, replaced } = place('http://127.0.0.1:5000/#/replay', TOKEN)
    expect(adoptToken(p)).toBe(TOKEN)
    expect(replaced).toEqual([])
  })

  it('has no token without one; a malformed one is dropped from the address but not kept', () => {
    expect(adoptToken(place('http://127.0.0.1:5000/').p)).toBeNull()
    const bad = place('http://127.0.0.1:5000/?token=%3Cscript%3E')
    expect(adoptToken(bad.p)).toBeNull()
    expect(bad.storage.size).toBe(0)
    expect(bad.replaced).toEqual(['/'])
  })

  it('offers the plain subprotocol and the one carrying the token', () => {
    expect(socketProtocols(TOKEN)).toEqual(['quorum-lab', `quorum-lab.token.${TOKEN}`])
  })
})
