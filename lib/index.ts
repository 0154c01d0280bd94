/**
 * tcpemu as a library: `import { World } from 'tcpemu'`. This file is the whole public surface
 * (docs/library.md is its guide, docs/api.txt its report, checked by test/api/api-report.test.ts);
 * everything else in lib/ is internal and may change in any release.
 */
export { World, WorldHost, type WorldOptions, type HostSpec, type LinkSettings, type TcpSettings, type RunOptions, type Trigger, type LadderDrawOptions } from './api/world.ts';
export { Socket, Server, type SocketOptions } from './host/net.ts';
export { SocketError } from './host/host.ts';
export { Faults, type FaultOptions } from './api/faults.ts';
export { ExpectationError, PatternError, type Expectations, type ExpectResult } from './api/expect.ts';
export { expectSegments, expectStates, expectDelivered, expectErrors } from './api/assert.ts';
export { RunLimitError } from './scenario/runner.ts';
export { TraceLimitError } from './trace/recorder.ts';
export type { TraceEvent, TimedEvent, MetaEvent, SegmentEvent, StateEvent, AppEvent, TimerEvent, CongestionEvent, ExpectEvent, QueueEvent, TcpStateName, TimerName } from './trace/events.ts';
export type { LinkDirectionConfig, DirectionStats, DropReason } from './link/memory.ts';
export type { TcpConfig } from './tcp/config.ts';
export { VERSION } from './version.ts';
