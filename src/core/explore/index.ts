// The explorer: model checking of an algorithm over every interleaving of message delivery and
// loss, timers, crashes and restarts, and client requests, up to a bound (see search.ts).
export { explore, startExplore, stepConfig, pathActions, budgetsOf } from './search'
export type { ExploreSession } from './search'
export { counterexample, judge, isViolation, PROTOCOL_ERROR } from './trace'
export { describeAction, enabledActions } from './actions'
export { encodeValue, StateShapeError } from './encode'
export { digest } from './digest'
export { cloneState } from './clone'
export { mergeWalkResults, type MergedWalks } from './merge'
export { STEP_US, MAX_IDLE_TICKS, Stepper, opIds } from './world'
export type { World, NodeSlot, InFlight, StepConfig } from './world'
export type * from './types'
