// The run history in SQLite: open the store, record runs, query, export and import them.
export {
  DB_FILE_NAME,
  StoreError,
  damagedMessage,
  migrate,
  openDatabase,
  type SqliteDb,
  type StoreErrorCode,
} from './db'
export { FULL_CHECK_MAX_BYTES, checkHeader, checkIntegrity, isCorruptionCode, sqliteCode } from './integrity'
export {
  DOCTOR_PROBLEM_LIMIT,
  examineDatabase,
  salvageDatabase,
  salvagePath,
  type Examination,
  type Salvage,
} from './doctor'
export { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './migrations'
export {
  LabStore,
  CRASH_MESSAGE,
  rowToInfo,
  type RunRow,
  type TracePage,
  type TraceWindowQuery,
} from './store'
export { RunRecorder, restJson, type RecorderOptions } from './recorder'
export { csvDownload, exportCsvFile, writeCsv, RUN_COLUMNS, type CsvRequest } from './csv'
export { exportRunFile, importRunFile, writeRunJsonl, JSONL_FORMAT, JSONL_VERSION } from './jsonl'
export {
  SparseIndex,
  traceSummary,
  lastAtOrBefore,
  traceDataByRowid,
  traceRows,
  type FaultRecord,
  type NodeIndex,
  type RawTraceRow,
  type TraceSummary,
} from './replay-queries'
