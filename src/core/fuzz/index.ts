// Fuzzing: random fault schedules (schedule.ts), the spec for a seed (spec.ts), running and
// checking seeds (campaign.ts), and what each algorithm can fuzz (targets.ts).
export * from './campaign'
export * from './model'
export * from './schedule'
export * from './spec'
export * from './targets'
export * from './seed-spec'
