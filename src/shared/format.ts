// How dates and times read everywhere (the screens, the CLI): one format, local time, to the
// second, e.g. `2026-12-06 21:04:05`.

const pad = (n: number): string => String(n).padStart(2, '0')

/** `2026-12-06 21:04:05` in local time; an unreadable input is returned as it is. */
export function formatDateTime(when: string | number | Date): string {
  const d = when instanceof Date ? when : new Date(when)
  if (Number.isNaN(d.getTime())) return String(when)
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  )
}
