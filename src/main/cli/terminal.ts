// Text bound for a terminal. A bad file can carry control characters (in a field name, a
// run name, a value quoted back in an error): written raw they recolour the terminal, move
// the cursor, clear the screen, retitle the window, or (bidirectional overrides) show text
// in another order than it is stored. Every line the CLI prints goes through terminalText,
// which writes each such character as a visible escape (\x1b, \u202e) instead.

/** C0 controls but tab and line feed, DEL, C1 controls, and Unicode's bidi controls. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** `text` with every control character (but \n and \t) written as a visible escape. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0)
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`
  })
}
