// A campaign worker thread: takes tasks from its parent, one at a time, and answers each
// (src/main/workers/pool.ts starts it). Anything malformed or failing is answered as an
// error naming the task; the thread keeps going.
import { parentPort } from 'node:worker_threads'
import { checkVersion, runTask } from './run-task'
import { closeSweepServices, runSweepRun } from './sweep-task'
import { runExploreWalks } from './explore-task'
import { TaskSchema, type WorkerAnswer } from './tasks'

const port = parentPort
if (port === null) throw new Error('worker.ts runs as a worker thread')

port.on('message', async (raw: unknown) => {
  if (typeof raw === 'object' && raw !== null && 'close' in raw && raw.close === true) {
    // The pool is shutting down: close the databases this thread opened (a sweep run still
    // going is recorded as stopped), then end the thread.
    closeSweepServices()
    port.close()
    return
  }
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
    if (t.kind === 'sweep-run') {
      checkVersion(t)
      answer = { ok: true, answer: { kind: 'sweep-run', id: t.id, result: await runSweepRun(t) } }
    } else if (t.kind === 'explore-walks') {
      checkVersion(t)
      answer = { ok: true, answer: { kind: 'explore-walks', id: t.id, result: runExploreWalks(t) } }
    } else answer = { ok: true, answer: runTask(t) }
  } catch (e) {
    answer = { ok: false, id: t.id, error: e instanceof Error ? e.message : String(e) }
  }
  port.postMessage(answer)
})
