// A campaign worker thread: takes tasks from its parent, one at a time, and answers each
// (src/main/workers/pool.ts starts it). Anything malformed or failing is answered as an
// error naming the task; the thread keeps going.
import { parentPort } from 'node:worker_threads'
import { runTask } from './run-task'
import { TaskSchema, type WorkerAnswer } from './tasks'

const port = parentPort
if (port === null) throw new Error('worker.ts runs as a worker thread')

port.on('message', (raw: unknown) => {
  const parsed = TaskSchema.safeParse(raw)
  if (!parsed.success) {
    const id = typeof raw === 'object' && raw !== null && 'id' in raw ? Number(raw.id) : -1
    const answer: WorkerAnswer = { ok: false, id, error: `bad task: ${parsed.error.issues[0]?.message}` }
    port.postMessage(answer)
    return
  }
  const t = parsed.data
  let answer: WorkerAnswer
  try {
    answer = { ok: true, answer: runTask(t) }
  } catch (e) {
    answer = { ok: false, id: t.id, error: e instanceof Error ? e.message : String(e) }
  }
  port.postMessage(answer)
})
