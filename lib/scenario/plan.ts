/**
 * What a scenario file means, after loading and checking: everything resolved (units, defaults,
 * addresses, TCP settings) so the runner never looks at YAML. Positions point back into the file
 * so that a failed expectation can name its line.
 */
import type { TcpConfig } from '../tcp/config.ts';
import type { TcpStateName } from '../trace/events.ts';
import type { LinkDirectionConfig } from '../link/memory.ts';
import type { OnPlan } from './events.ts';
import type { InjectPlan } from './inject.ts';
import type { BottleneckPlan } from '../link/bottleneck.ts';

/** 1-based line and column in the scenario file. */
export interface Pos { line: number; col: number }

export interface ScenarioPlan {
  file: string;
  /** The file's text, verbatim (it goes into the trace's meta line). */
  source: string;
  name: string;
  description?: string;
  /** A short title (lessons have one), and title and description by language code (issue 26). */
  title?: string;
  translations?: Partial<Record<'en' | 'zh', { title?: string; description?: string }>>;
  seed: number;
  untilMs: number;
  /** In file order. */
  hosts: HostPlan[];
  link: LinkPlan;
  /** Hosts behind two routers joined by a shared bottleneck (lib/link/bottleneck.ts), instead of the link between every pair. */
  bottleneck?: BottleneckPlan;
  /** Stable-sorted by atMs: steps at the same time run in file order. */
  steps: StepPlan[];
  /** Steps with `on:` instead of `at:` (lib/scenario/events.ts), in file order; absent when there are none. */
  onSteps?: StepPlan[];
  expect: ExpectPlan;
}

export interface HostPlan {
  name: string;
  addr: number;
  addrText: string;
  /** resolveConfig(file-level tcp ∪ the host's own tcp). */
  tcp: TcpConfig;
  pos: Pos;
}

export interface LinkPlan {
  udp: boolean;
  /** Keyed "client>server"; one entry for every ordered pair of distinct hosts. */
  directions: Record<string, Partial<LinkDirectionConfig>>;
}

export interface StepPlan {
  atMs: number;
  pos: Pos;
  /** Host name, or 'link'. */
  target: string;
  command: Command;
  /** The command as written. */
  text: string;
  /** A step on an event (`on:`, lib/scenario/events.ts): atMs is 0 until it runs. */
  on?: OnPlan;
}

export type Command =
  | { op: 'listen'; port: number; backlog?: number }
  | { op: 'connect'; host: string; port: number; fromPort?: number; as?: string }
  | { op: 'send'; conn?: string; data: { text: string } | { bytes: number } }
  | { op: 'shutdown' | 'close' | 'abort'; conn?: string }
  | { op: 'read'; conn?: string; count: number | 'all' }
  | { op: 'expect-state'; conn?: string; state: TcpStateName }
  | { op: 'expect-delivered'; conn?: string; bytes: number }
  | { op: 'down' | 'up' }
  | { op: 'inject'; inject: InjectPlan };

export interface ExpectPlan {
  states?: Record<string, { states: TcpStateName[]; pos: Pos }>;
  segments?: { lines: SegmentPattern[]; pos: Pos };
  delivered?: Record<string, { text?: string; bytes?: number; pos: Pos }>;
  errors?: Record<string, { code: string; pos: Pos }>;
}

export type SegmentPattern =
  | { kind: 'any'; pos: Pos }
  | {
    kind: 'segment';
    from: string;
    to: string;
    /** Canonical tcpdump order, via flagString(parseFlagString(x)). */
    flags: string;
    seq?: number;
    seqEnd?: number;
    ack?: number;
    win?: number;
    len?: number;
    pos: Pos;
    /** The line as written. */
    text: string;
  };
