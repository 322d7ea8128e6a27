// The error every LabApi call rejects with, on both bridges. Kept apart from api.ts (and its
// zod schemas) so the renderer's first chunk does not need zod.
import type { FieldError } from './spec'

export type LabErrorCode = 'bad_input' | 'not_found' | 'unavailable' | 'internal'

/** The error shape both bridges carry back to the caller. */
export interface LabErrorData {
  code: LabErrorCode
  message: string
  fields?: FieldError[]
}

export class LabError extends Error {
  readonly code: LabErrorCode
  readonly fields: FieldError[] | undefined
  constructor(code: LabErrorCode, message: string, fields?: FieldError[]) {
    super(message)
    this.name = 'LabError'
    this.code = code
    this.fields = fields
  }
  toData(): LabErrorData {
    return { code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}) }
  }
  static from(data: LabErrorData): LabError {
    return new LabError(data.code, data.message, data.fields)
  }
}
