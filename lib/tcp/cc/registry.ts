import { NewRenoRecovery } from './newreno.ts';
import { Reno } from './reno.ts';
import { CubicCongestionControl } from './cubic.ts';
import { SackLossRecovery } from '../recovery/sack-recovery.ts';
import type { CcParams, CongestionControl, CongestionControlFactory, LossRecovery, LossRecoveryFactory } from './types.ts';

/**
 * The congestion controls and loss recoveries a connection can be given, by name. A new module registers
 * here (or calls registerCongestionControl / registerLossRecovery before connections are made) and is
 * chosen per connection by TcpConfig.congestionControl / TcpConfig.lossRecovery.
 */
const congestionControls = new Map<string, CongestionControlFactory>([
  ['reno', (p) => new Reno(p)],
  // NewReno (RFC 6582) changes recovery only; its window arithmetic is Reno's (RFC 5681).
  ['newreno', (p) => new Reno(p)],
  // CUBIC (RFC 9438) with HyStart++ (RFC 9406): Linux's default.
  ['cubic', (p) => new CubicCongestionControl(p)],
]);
const lossRecoveries = new Map<string, LossRecoveryFactory>([
  ['newreno', (p, cc) => new NewRenoRecovery(p, cc)],
  ['sack', (p, cc) => new SackLossRecovery('sack', p, cc, { prr: p.prr ?? false, undo: p.undo ?? false, frto: p.frto ?? false })],
  ['rack-tlp', (p, cc) => new SackLossRecovery('rack-tlp', p, cc, { prr: p.prr ?? false, undo: p.undo ?? false, frto: p.frto ?? false })],
]);

/** What a connection gets when its config names none: Reno with NewReno recovery (RFC 5681, RFC 6582). */
export const DEFAULT_CONGESTION_CONTROL = 'reno';
export const DEFAULT_LOSS_RECOVERY = 'newreno';

export function registerCongestionControl(name: string, make: CongestionControlFactory): void {
  congestionControls.set(name, make);
}

export function registerLossRecovery(name: string, make: LossRecoveryFactory): void {
  lossRecoveries.set(name, make);
}

export function congestionControlNames(): string[] {
  return [...congestionControls.keys()];
}

export function lossRecoveryNames(): string[] {
  return [...lossRecoveries.keys()];
}

/** The pair for one connection; throws for a name nobody registered (resolveConfig has checked it already). */
export function makeCongestion(ccName: string | undefined, lrName: string | undefined, p: CcParams): { cc: CongestionControl; recovery: LossRecovery } {
  const makeCc = congestionControls.get(ccName ?? DEFAULT_CONGESTION_CONTROL);
  const makeLr = lossRecoveries.get(lrName ?? DEFAULT_LOSS_RECOVERY);
  if (!makeCc) throw new Error(`no congestion control named ${ccName}; known: ${congestionControlNames().join(', ')}`);
  if (!makeLr) throw new Error(`no loss recovery named ${lrName}; known: ${lossRecoveryNames().join(', ')}`);
  const cc = makeCc(p);
  return { cc, recovery: makeLr(p, cc) };
}
